"""Minutes rendered per language from their structured content.

The protocol is stored once, as structured data (language-neutral facts plus the texts the
secretary entered per language); the labels come from the catalog below. So every member
reads the same facts in Kazakh, Russian or English, and one SHA-256 over the structured
content certifies every rendering.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from babel import Locale

from kelisim import localtime

LANGS = ("kk", "ru", "en")

LABELS: dict[str, dict[str, str]] = {
    "kk": {
        "protocol": "ХАТТАМА",
        "correction": "Түзету, хаттамаға",
        "correction_reason": "Түзетудің себебі",
        "council": "Кеңес",
        "session": "Отырыс",
        "place": "Өтетін орны",
        "present": "Қатысқандар",
        "absent": "Қатыспағандар",
        "quorum": "Кворум",
        "reached": "бар",
        "not_reached": "жоқ",
        "item": "Күн тәртібінің мәселесі",
        "rapporteur": "Баяндамашы",
        "recused": "Өзіне-өзі қарсылық білдіргендер",
        "reason": "себебі",
        "rule": "Шешім қабылдау тәртібі",
        "simple": "дауыс беруге құқылы қатысқан мүшелердің жай көпшілігі",
        "absolute": "барлық мүшелердің абсолютті көпшілігі",
        "two_thirds": "дауыс беруге құқылы қатысқан мүшелердің үштен екісі",
        "for": "жақтады",
        "against": "қарсы",
        "abstain": "қалыс қалды",
        "did_not_vote": "Дауыс бермеді",
        "decision": "Шешім",
        "adopted": "қабылданды",
        "rejected": "қабылданбады",
        "rejected_draft": "«{proposal}» шешім жобасы қабылданбады.",
        "not_voted": "дауыс беру өткізілмеді",
        "notes": "Ескертпелер",
    },
    "ru": {
        "protocol": "ПРОТОКОЛ",
        "correction": "Исправление к протоколу",
        "correction_reason": "Причина исправления",
        "council": "Совет",
        "session": "Заседание",
        "place": "Место проведения",
        "present": "Присутствовали",
        "absent": "Отсутствовали",
        "quorum": "Кворум",
        "reached": "имеется",
        "not_reached": "отсутствует",
        "item": "Вопрос повестки",
        "rapporteur": "Докладчик",
        "recused": "Заявили самоотвод",
        "reason": "причина",
        "rule": "Порядок принятия решения",
        "simple": "простое большинство присутствующих членов, имеющих право голоса",
        "absolute": "абсолютное большинство всех членов",
        "two_thirds": "две трети присутствующих членов, имеющих право голоса",
        "for": "за",
        "against": "против",
        "abstain": "воздержался",
        "did_not_vote": "Не голосовали",
        "decision": "Решение",
        "adopted": "принято",
        "rejected": "не принято",
        "rejected_draft": "проект решения «{proposal}» не принят.",
        "not_voted": "голосование не проводилось",
        "notes": "Примечания",
    },
    "en": {
        "protocol": "MINUTES",
        "correction": "Correction to minutes",
        "correction_reason": "Reason for the correction",
        "council": "Council",
        "session": "Session",
        "place": "Place",
        "present": "Present",
        "absent": "Absent",
        "quorum": "Quorum",
        "reached": "reached",
        "not_reached": "not reached",
        "item": "Agenda item",
        "rapporteur": "Rapporteur",
        "recused": "Recused",
        "reason": "reason",
        "rule": "Decision rule",
        "simple": "simple majority of the members present and entitled to vote",
        "absolute": "absolute majority of all members",
        "two_thirds": "two thirds of the members present and entitled to vote",
        "for": "for",
        "against": "against",
        "abstain": "abstained",
        "did_not_vote": "Did not vote",
        "decision": "Decision",
        "adopted": "adopted",
        "rejected": "not adopted",
        "rejected_draft": "the draft decision “{proposal}” was not adopted.",
        "not_voted": "no vote was held",
        "notes": "Notes",
    },
}


# Words whose form follows a number, by CLDR plural category (Babel's `plural_form`);
# a missing category falls back to "other". Kazakh does not inflect them after a numeral.
FORMS: dict[str, dict[str, dict[str, str]]] = {
    "kk": {},
    "ru": {
        "were_present": {"one": "Присутствовал", "other": "Присутствовали"},
        "of_members": {"one": "члена", "other": "членов"},
        "had": {"one": "имел", "other": "имели"},
        "abstained": {"one": "воздержался", "other": "воздержались"},
        "did_not_vote": {"one": "Не голосовал(а)", "other": "Не голосовали"},
    },
    "en": {
        "were_present": {"one": "was", "other": "were"},
        "were": {"one": "was", "other": "were"},
        "members": {"one": "member", "other": "members"},
    },
}


def agree(lang: str, word: str, n: int, default: str = "") -> str:
    """`word` in the form that agrees with the number `n` in `lang` (`default` if it has none)."""
    forms = FORMS.get(lang, {}).get(word)
    if not forms:
        return default
    return forms.get(Locale.parse(lang).plural_form(n), forms["other"])


def content_sha256(content: dict[str, Any]) -> str:
    """The SHA-256 of the protocol's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def pick(texts: dict[str, str], lang: str) -> str:
    """The text in `lang`, else in the state language first, then Russian, then English."""
    for candidate in (lang, *LANGS):
        if texts.get(candidate):
            return texts[candidate]
    return ""


def decision(item: dict[str, Any], lang: str) -> str:
    """What the minutes say after "Decision:" on an item: no vote, adopted with the text adopted,
    or the draft that was not adopted, named as a draft (it read as an adopted text before)."""
    label = LABELS.get(lang, LABELS["kk"])
    if item["adopted"] is None:
        return label["not_voted"]
    proposal = pick(item.get("proposal") or {}, lang)
    if item["adopted"]:
        return f"{label['adopted']}. {proposal}" if proposal else label["adopted"]
    return label["rejected_draft"].format(proposal=proposal) if proposal else label["rejected"]


def _people(people: list[dict[str, Any]]) -> str:
    return ", ".join(p["full_name"] for p in people) or "—"


def with_reason(name: str, person: dict[str, Any], label: dict[str, str]) -> str:
    """A recused member's name with the reason they gave, as the minutes record it."""
    reason = str(person.get("reason") or "").strip()
    return f"{name} — {label['reason']}: {reason}" if reason else name


def correction_reason(content: dict[str, Any]) -> str:
    """Why the secretary corrected the published minutes ("" for a correction started before
    a reason was asked, and for minutes that correct nothing)."""
    return str((content.get("corrects") or {}).get("reason") or "").strip()


def render(content: dict[str, Any], lang: str) -> str:
    """The minutes as text in one language."""
    label = LABELS.get(lang, LABELS["kk"])
    council, session, attendance = content["council"], content["session"], content["attendance"]
    quorum = content["quorum"]
    lines = [label["protocol"]]
    if content.get("corrects"):
        lines.append(f"{label['correction']} {content['corrects']['protocol_id']}")
        reason = correction_reason(content)
        if reason:
            lines.append(f"{label['correction_reason']}: {reason}")
    lines += [
        f"{label['council']}: {council['name']}",
        f"{label['session']}: {session['title']} — {localtime.moment(session['starts_at'], lang)}",
        f"{label['place']}: {session['place'] or session['online_link']}",
        f"{label['present']} ({len(attendance['present'])}/{attendance['members']}): "
        f"{_people(attendance['present'])}",
        f"{label['absent']}: {_people(attendance['absent'])}",
        f"{label['quorum']}: {label['reached' if quorum['reached'] else 'not_reached']}"
        f" ({quorum['present']}/{quorum['required']})",
    ]
    for item in content["items"]:
        lines += ["", f"{label['item']} {item['position']}. {pick(item['titles'], lang)}"]
        lines.append(f"{label['rapporteur']}: {item['rapporteur']}")
        if item["recused"]:
            recused = [with_reason(p["full_name"], p, label) for p in item["recused"]]
            lines.append(f"{label['recused']}: {'; '.join(recused)}")
        if item["adopted"] is None:
            lines.append(f"{label['decision']}: {decision(item, lang)}")
            continue
        lines.append(f"{label['rule']}: {label[item['rule']]}")
        abstained = agree(lang, "abstained", item["abstained"], label["abstain"])
        lines.append(
            f"{label['for']}: {item['for']}, {label['against']}: {item['against']}, "
            f"{abstained}: {item['abstained']}"
        )
        for vote in item["votes"]:
            lines.append(f"  {vote['full_name']} — {label[vote['choice']]}")
        silent = item.get("did_not_vote") or []
        if silent:
            heading = agree(lang, "did_not_vote", len(silent), label["did_not_vote"])
            lines.append(f"{heading}: {_people(silent)}")
        lines.append(f"{label['decision']}: {decision(item, lang)}")
    notes = pick(content.get("notes") or {}, lang)
    if notes:
        lines += ["", f"{label['notes']}: {notes}"]
    return "\n".join(lines)
