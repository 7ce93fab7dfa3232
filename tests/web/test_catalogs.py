"""Every message of the web UI is translated, and no page shows words of another language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from gateway.web import labels
from gateway.web.i18n import LANG_NAMES, LANGS, po_path
from kelisim.regions import REGIONS
from services.notifications import messages
from tests.support.checks import eventually, items_of
from tests.support.gateway import Stack
from tests.web.conftest import browser_client
from tests.web.support import typed_council_texts, web_login

# Reads every page word by word: another module's stored words would count as its own.
OWN_SYSTEM = True


ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
KAZAKH_ONLY = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
CYRILLIC = re.compile("[а-яА-ЯёЁәғқңөұүһіӘҒҚҢӨҰҮҺІ]")
LANG_SWITCH = re.compile(r'<form class="lang-switch".*?</form>', re.S)
TAGS = re.compile(r"<[^>]+>")
REGION = "KZ-75"
# A time or a day as the services send it: people must never read one.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?")
# The codes the services send (states, roles, levels) that a label must put in words.
CODES = sorted(
    {
        code
        for mapping in (
            labels.CASE_STATUSES,
            labels.RISK_LEVELS,
            labels.DELIVERY_STATUSES,
            labels.ROLES,
            labels.SESSION_STATUSES,
            labels.PROTOCOL_STATUSES,
            labels.OBLIGATION_STATUSES,
        )
        for code in mapping
        if "_" in code
    },
    key=len,
    reverse=True,
)
# What the seeded users typed: people's words are shown as they were written.
TYPED = [
    "Dispute over a fence",
    "Party Alpha",
    "Party Beta",
    "Threats between families",
    "Tension in a district",
    "Session One",
    "Item One",
    "Rapporteur",
    "Hall",
]


def ui_messages() -> set[str]:
    """The msgids the templates and the web code use today (extracted as pybabel would)."""
    with (ROOT / "gateway/locale/babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(str(ROOT), method_map, options_map)
    return {message for _file, _line, message, _comments, _context in found if message}


def catalog(lang: str) -> dict[str, str]:
    with po_path(lang).open("rb") as source:
        return {m.id: m.string for m in read_po(source, locale=lang) if m.id}


def test_every_ui_message_has_a_translation_in_kazakh_russian_and_english():
    used = ui_messages()
    assert len(used) > 200
    for lang in LANGS:
        translated = catalog(lang)
        missing = sorted(used - set(translated))
        assert not missing, f"{lang}: not in the catalog: {missing[:10]}"
        empty = sorted(m for m in used if not translated[m].strip())
        assert not empty, f"{lang}: empty translations: {empty[:10]}"
        wrong = sorted(
            m
            for m in used
            if set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(translated[m]))
        )
        assert not wrong, f"{lang}: placeholders differ: {wrong[:10]}"


def test_kazakh_and_russian_catalogs_translate_rather_than_copy_english():
    for lang in ("kk", "ru"):
        translated = catalog(lang)
        copied = sorted(m for m, t in translated.items() if t == m and re.search("[a-z]{3}", m))
        assert copied == [], f"{lang}: English left untranslated: {copied[:10]}"


def test_russian_names_the_product_in_russian_spelling():
    """The timeline's automatic steps read "Келісім (автоматически)" beside the header's
    "Келисим": no Russian message holds a letter only Kazakh has."""
    kazakh = sorted(t for t in catalog("ru").values() if KAZAKH_ONLY.search(t))
    assert kazakh == []
    assert catalog("ru")["Kelisim (automatically)"].startswith(catalog("ru")["Kelisim"])


def visible_text(page: str) -> str:
    """What a reader sees, without the language switch (it names each language in itself)."""
    return TAGS.sub(" ", LANG_SWITCH.sub(" ", page))


def raw_values(text: str) -> list[str]:
    """Raw values in text people read: ISO times, codes with underscores, the Russian "г.."."""
    found = ISO_TIME.findall(text) + re.findall(r"\bг\.\.", text)
    found += [code for code in CODES if re.search(rf"(?<![\w/.@-]){code}(?![\w/.@-])", text)]
    return found


def foreign_words(lang: str, page: str, english: list[str], data: list[str]) -> list[str]:
    """Words on a page that belong to another language than `lang`, or raw values."""
    text = visible_text(page)
    # Official region names in the page's language are names: Russian keeps «Жетісу».
    names = sorted((r.name(lang) for r in REGIONS.values()), key=len, reverse=True)
    for value in [*data, *names]:
        text = text.replace(value, " ")
    if raw := raw_values(text):
        return raw[:10]
    if lang == "en":
        return sorted(set(re.findall(r"\w*[а-яА-ЯёЁәғқңөұүһіӘҒҚҢӨҰҮҺІ]\w*", text)))[:10]
    leaks = [m for m in english if m in text]
    # A code the services send (a state, a role) that no label translated.
    leaks += re.findall(r"(?<![\w/.@-])[a-z]+(?:_[a-z]+)*(?![\w/.@-])", text)
    if lang == "ru":
        leaks += re.findall(r"\w*[әғқңөұүһіӘҒҚҢӨҰҮҺІ]\w*", text)
    return leaks[:10]


async def _api(stack: Stack, username: str) -> dict[str, str]:
    return await stack.login(username, "demo")


async def _seed_work(stack: Stack) -> dict[str, str]:
    """A case in mediation with an escalation, a council session with an item: pages to show."""
    client = stack.client
    coord, medi = await _api(stack, "coordinator"), await _api(stack, "mediator")
    case = (
        await client.post(
            "/api/v1/cases",
            json={
                "region": REGION,
                "category": "neighbour",
                "description": "Dispute over a fence",
                "parties": [
                    {"kind": "person", "name": "Party Alpha"},
                    {"kind": "person", "name": "Party Beta"},
                ],
            },
            headers=coord,
        )
    ).json()
    base = f"/api/v1/cases/{case['id']}"
    today = datetime.now(UTC).date().isoformat()
    steps = [
        (coord, "assignment", {"mediator": "mediator"}),
        (medi, "declaration", {"conflict": False}),
    ]
    for headers, path, body in steps:
        answer = await client.post(f"{base}/{path}", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
    parties = (await client.get(base, headers=medi)).json()["parties"]
    for party in parties:
        answer = await client.post(
            f"{base}/consents",
            json={"party_id": party["id"], "given_on": today},
            headers=medi,
        )
        assert answer.status_code == 200, answer.text
    answer = await client.post(f"{base}/agreement", json={"signed_on": today}, headers=medi)
    assert answer.status_code == 200, answer.text
    answer = await client.post(
        f"{base}/escalations",
        json={
            "reason": "Threats between families",
            "risk_of": "interethnic",
            "risk_level": "high",
            "summary": "Tension in a district",
        },
        headers=medi,
    )
    assert answer.status_code == 201, answer.text

    secretary = await _api(stack, "council_secretary")
    councils = items_of(await client.get("/api/v1/councils", headers=secretary))
    council = councils[0]
    session = (
        await client.post(
            f"/api/v1/councils/{council['id']}/sessions",
            json={"title": "Session One", "starts_at": f"{today}T10:00:00+05:00", "place": "Hall"},
            headers=secretary,
        )
    ).json()
    answer = await client.post(
        f"/api/v1/councils/sessions/{session['id']}/items",
        json={
            "titles": {"en": "Item One", "ru": "Item One", "kk": "Item One"},
            "rapporteur": "Rapporteur",
        },
        headers=secretary,
    )
    assert answer.status_code == 201, answer.text
    users = (await client.get("/api/v1/users", headers=stack.admin)).json()["items"]
    return {
        "case": case["id"],
        "council": council["id"],
        "council_name": council["name"],
        "session": session["id"],
        "user": users[0]["id"],
    }


PAGES = {
    "admin": [
        "/",
        "/admin/users",
        "/admin/users/new",
        "/admin/users/{user}",
        "/admin/webhooks",
        "/admin/api-keys",
        "/admin/rules",
        "/cases",
        "/cases/{case}",
        "/escalations",
        "/notifications",
        "/councils",
        "/account",
    ],
    "coordinator": [
        "/",
        "/cases",
        "/cases/{case}",
        "/caseload",
        "/escalations",
        "/notifications",
        "/account",
    ],
    "mediator": ["/", "/cases", "/cases/new", "/cases/{case}", "/notifications", "/account"],
    "liaison": ["/", "/escalations", "/account"],
    "council_secretary": [
        "/",
        "/councils",
        "/councils/{council}",
        "/councils/sessions/{session}",
        "/notifications",
        "/account",
    ],
    "council_member": ["/", "/councils/{council}", "/councils/sessions/{session}", "/account"],
    "analyst": ["/", "/councils", "/account"],
}


@pytest.mark.parametrize("lang", LANGS)
async def test_every_page_of_every_role_speaks_only_the_chosen_language(system, lang):
    ids = await _seed_work(system) if not hasattr(system, "web_ids") else system.web_ids
    system.web_ids = ids  # type: ignore[attr-defined]
    english = sorted(
        (m for m, t in catalog(lang).items() if t != m and " " in m and "%(" not in m),
        key=len,
        reverse=True,
    )
    users = (await system.client.get("/api/v1/users", headers=system.admin)).json()["items"]
    by_name = {u["username"]: u for u in users}
    # Escalation summaries (the demo's included) are people's words, shown as written.
    feed = await system.client.get(
        "/api/v1/notifications/feed", params={"limit": 100}, headers=system.admin
    )
    summaries = sorted((i["summary"] for i in feed.json()["items"]), key=len, reverse=True)
    # Not translated: what people typed (names, councils, agendas, recommendations, the demo's
    # Russian texts among them) and each language's own name.
    data = [
        ids["council_name"],
        *summaries,
        *await typed_council_texts(system),
        *TYPED,
        *(u["full_name"] for u in users),
        *sorted((u["username"] for u in users), key=len, reverse=True),
        *LANG_NAMES.values(),
    ]
    for role, paths in PAGES.items():
        username = role if role != "admin" else "admin"
        patched = await system.client.patch(
            f"/api/v1/users/{by_name[username]['id']}", json={"lang": lang}, headers=system.admin
        )
        assert patched.status_code == 200, patched.text
        async with browser_client(system) as web:
            password = "demo" if role != "admin" else "admin-password-1"
            assert (await web_login(web, username, password)).status_code == 303
            for path in paths:
                page = await web.get(path.format(**ids))
                assert page.status_code == 200, f"{role} {path}: {page.status_code}"
                assert f'<html lang="{lang}">' in page.text
                leaks = foreign_words(lang, page.text, english, data)
                assert not leaks, f"{lang} {role} {path}: {leaks}"
    async with browser_client(system) as web:
        login = await web.get(f"/login?lang={lang}")
        assert not foreign_words(lang, login.text, english, [])


# Each notice's placeholders as the events fill them: days and times as ISO text, codes.
NOTICE_PARAMS = {
    "number": "KZ-75-2026-000042",
    "region": REGION,
    "category": "land",
    "deadline": "2026-12-01",
    "due_date": "2026-12-01",
    "due_on": "2026-12-01",
    "acknowledged_at": "2026-12-03T07:00:00+00:00",
    "starts_at": "2026-12-03T05:00:00+00:00",
    "previous_starts_at": "2026-12-02T05:00:00+00:00",
    "session_starts_at": "2026-11-20T05:00:00+00:00",
    "council_name": "Almaty Council",
    "session_title": "Year in review",
    "risk_level": "high",
    "days_left": 3,
    "hours": 4,
    "count": 2,
    "failures": 5,
    "observed": 9,
    "expected": 3,
    "upper": 6,
    "period": "11.2026",
    "name": "Council",
    "place": "Hall",
    "addressee": "Akimat",
    "reason": "HTTP 410",
    "address": "10.0.0.1",
    "username": "aigerim",
    "mediator": "med-aigerim",
    "title": "Boundary dispute",
    "author": "med-aigerim",
}


@pytest.mark.parametrize("lang", LANGS)
def test_notices_and_emails_show_no_raw_values(lang):
    """Every notice and its e-mail in every language: times in words, levels translated."""
    data = [str(v) for k, v in NOTICE_PARAMS.items() if k not in ("risk_level", "category")]
    data = sorted([*data, "Kelisim"], key=len, reverse=True)
    for topic in messages.CATALOG:
        title, body = messages.title_and_body(topic, lang, dict(NOTICE_PARAMS))
        mail = messages.email_body(lang, body)
        text = f"{title}\n{mail}"
        for value in data:
            text = text.replace(value, " ")
        leaks = raw_values(text)
        if lang != "en":
            leaks += re.findall(r"\b[a-z]{2,}\b", text)  # an English word or a code
        assert not leaks, f"{lang} {topic}: {leaks} in {title!r} / {body!r}"


async def test_an_escalation_notice_names_its_risk_level_in_the_readers_language(system):
    """Through the gateway: the coordinator's inbox, in Kazakh and Russian, says "high" in words."""
    ids = await _seed_work(system) if not hasattr(system, "web_ids") else system.web_ids
    system.web_ids = ids  # type: ignore[attr-defined]
    users = (await system.client.get("/api/v1/users", headers=system.admin)).json()["items"]
    coordinator = next(u for u in users if u["username"] == "coordinator")
    headers = await _api(system, "coordinator")
    expected = {"kk": "қауіп деңгейі жоғары", "ru": "уровень риска высокий"}
    for lang, words in expected.items():
        patched = await system.client.patch(
            f"/api/v1/users/{coordinator['id']}", json={"lang": lang}, headers=system.admin
        )
        assert patched.status_code == 200

        async def escalated() -> dict | None:
            inbox = await system.client.get(
                "/api/v1/notifications/inbox", params={"limit": 50}, headers=headers
            )
            found = [i for i in inbox.json()["items"] if i["topic"] == "cases.case.escalated"]
            return found[0] if found else None

        notice = await eventually(escalated, what="the escalation notice")
        assert words in notice["body"], notice
        assert not raw_values(notice["title"] + notice["body"])
        assert not re.findall(r"\b[a-z]{2,}\b", notice["title"] + notice["body"])
