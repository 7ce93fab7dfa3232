"""What a notification says, in Kazakh (default), Russian and English: the catalog's texts
(`catalog/`) rendered with the event's values, codes and times in words.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from kelisim import localtime
from kelisim.regions import REGIONS
from services.notifications.catalog import CATALOG, MONTHLY, OPTIONAL
from services.notifications.schemas import PERSON_FIELDS

LANGS = ("kk", "ru", "en")
DEFAULT_LANG = "kk"

# Risk levels named in each language (a notice never shows the code "high").
RISK_NAMES = {
    "low": ("төмен", "низкий", "low"),
    "medium": ("орташа", "средний", "medium"),
    "high": ("жоғары", "высокий", "high"),
    "critical": ("аса жоғары", "критический", "critical"),
}

# Case categories named in each language, for messages that carry a category code.
CATEGORY_NAMES = {
    "interethnic": ("этносаралық", "межэтнический", "interethnic"),
    "interfaith": ("конфессияаралық", "межконфессиональный", "interfaith"),
    "community": ("әлеуметтік-тұрмыстық", "социально-бытовой", "social and household"),
    "family": ("отбасылық", "семейный", "family"),
    "labour": ("еңбек", "трудовой", "labour"),
    "land": ("жер", "земельный", "land"),
    "neighbour": ("көршілік", "соседский", "neighbour"),
    "other": ("басқа", "другое", "other"),
}

GENERIC = {
    "kk": ("Хабарлама: {{ topic }}", "Жаңа оқиға: {{ topic }}."),
    "ru": ("Уведомление: {{ topic }}", "Новое событие: {{ topic }}."),
    "en": ("Notification: {{ topic }}", "New event: {{ topic }}."),
}

# Neutral one-line summaries kept on the notification row (logs, the legacy list).
SUMMARIES = {
    "cases.case.registered": "case {{ number }} registered",
    "councils.council.created": "council {{ name }} created",
}

DIGEST = {
    "kk": ("Келісім: хабарламалар ({{ count }})", "Соңғы хабарламалар:"),
    "ru": ("Келисим: уведомления ({{ count }})", "Последние уведомления:"),
    "en": ("Kelisim: notifications ({{ count }})", "Latest notifications:"),
}

# The line of an e-mail that links the notice's page.
LINK = {"kk": "Толығырақ: {}", "ru": "Подробнее: {}", "en": "Details: {}"}

FOOTER = {
    "kk": "Бұл хат «Келісім» жүйесінен автоматты түрде жіберілді.",
    "ru": "Это письмо отправлено системой «Келисим» автоматически.",
    "en": "This message was sent automatically by Kelisim.",
}


@cache
def _env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
    env.filters["sentence"] = sentence
    return env


def sentence(text: str) -> str:
    """Free text closed as a sentence, with one final stop ("Flood" → "Flood.")."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else f"{text}."


def lang_of(lang: str | None) -> str:
    """A supported language, Kazakh when unknown."""
    return lang if lang in LANGS else DEFAULT_LANG


@lru_cache(maxsize=1024)
def _compiled(template: str) -> Template:
    """A catalog text compiled once: Jinja's `from_string` compiles anew on every call."""
    return _env().from_string(template)


def render(template: str, params: dict[str, Any]) -> str:
    return _compiled(template).render(**params)


def title_and_body(topic: str, lang: str | None, params: dict[str, Any]) -> tuple[str, str]:
    """The localized title and body of a notification."""
    code = lang_of(lang)
    texts = CATALOG.get(topic, GENERIC)[code]
    # Times and days in words in Kazakhstan's zone, codes in words: never raw values.
    shown = {
        key: localtime.number(value, code)
        if isinstance(value, float)
        else localtime.humane(value, code)
        for key, value in params.items()
    }
    period = str(params.get("period", ""))
    if topic in MONTHLY and localtime.ISO_DAY.match(period):  # a month, named as one
        shown["period"] = localtime.month(period, code)
    risk = RISK_NAMES.get(str(params.get("risk_level")))
    if risk:
        shown["risk_level"] = risk[LANGS.index(code)]
    values = {"topic": topic, **OPTIONAL, **_names(params, code), **shown}
    title, body = render(texts[0], values), render(texts[1], values)
    return localtime.end_sentence(title), localtime.end_sentence(body)


def _names(params: dict[str, Any], lang: str) -> dict[str, str]:
    """The region's and the category's names in `lang`, and each staff member the event names
    by login (`mediator`, `author`) by their full name as `<field>_name` (the login when the
    directory had no name for them), for templates that show them."""
    region = REGIONS.get(str(params.get("region")))
    category = CATEGORY_NAMES.get(str(params.get("category")))
    people = {
        f"{field}_name": str(params.get(f"{field}_name") or params[field])
        for field in PERSON_FIELDS
        if params.get(field)
    }
    return {
        **people,
        "region_name": region.name(lang) if region else str(params.get("region", "")),
        "category_name": category[LANGS.index(lang)]
        if category
        else str(params.get("category", "")),
    }


def summary(topic: str, params: dict[str, Any]) -> str:
    """The neutral one-line summary stored with a notification."""
    template = SUMMARIES.get(topic)
    if template is None:
        return title_and_body(topic, "en", params)[0]
    return render(template, {"topic": topic, **params})


def digest(lang: str | None, items: list[tuple[str, str]]) -> tuple[str, str]:
    """Subject and body of a digest e-mail of (title, body) items."""
    code = lang_of(lang)
    subject_t, intro = DIGEST[code]
    lines = [intro, ""] + [f"- {title}: {body}" for title, body in items]
    return render(subject_t, {"count": len(items)}), "\n".join([*lines, "", FOOTER[code]])


def email_body(lang: str | None, body: str, link: str | None = None) -> str:
    """An e-mail's text: the notice, the link to its page (when it has one), the footer."""
    code = lang_of(lang)
    linked = f"\n\n{LINK[code].format(link)}" if link else ""
    return f"{body}{linked}\n\n{FOOTER[code]}"
