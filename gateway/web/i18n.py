"""Languages of the web UI: gettext catalogs (compiled from the .po files), choice, formatting.

Kazakh comes first. The `.po` catalogs live in `gateway/locale/<lang>/LC_MESSAGES/`; their
`.mo` files are compiled at start when missing or older, so a fresh clone needs no extra step.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from fastapi import Request

from kelisim.localtime import KAZAKHSTAN
from kelisim.regions import REGIONS

LANGS = ("kk", "ru", "en")
DEFAULT_LANG = "kk"
LANG_COOKIE = "kelisim_lang"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# Kazakhstan keeps one time zone (UTC+5) since March 2024.


def local_to_utc(day: str, time: str) -> str:
    """A date and time typed in Kazakhstan, as the UTC instant the services keep ('' if invalid)."""
    try:
        local = datetime.fromisoformat(f"{day}T{time or '10:00'}").replace(tzinfo=KAZAKHSTAN)
        return local.astimezone(UTC).isoformat()
    except (ValueError, OverflowError):  # year 1 at local midnight has no UTC instant
        return ""


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(lang: str) -> Translations:
    """Compile `lang`'s .po to .mo when missing or stale; return its translations."""
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    buffer = io.BytesIO()
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source, locale=lang)
        write_mo(buffer, catalog)
        try:
            mo.write_bytes(buffer.getvalue())
        except OSError:
            # A read-only install still works: the catalog stays in memory.
            buffer.seek(0)
            return Translations(fp=buffer, domain=DOMAIN)
    with mo.open("rb") as compiled:
        return Translations(fp=compiled, domain=DOMAIN)


def load_catalogs() -> dict[str, Translations]:
    """The translations of every language of the UI."""
    return {lang: compile_catalog(lang) for lang in LANGS}


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages in an Accept-Language header, if any."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and quality > 0:
            choices.append((-quality, index, primary))
    return min(choices)[2] if choices else None


def choose_language(request: Request, saved: str | None) -> str:
    """The user's saved choice, else ?lang=, else the cookie, else Accept-Language, else kk."""
    for candidate in (
        saved,
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        from_accept_language(request.headers.get("accept-language")),
    ):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG


def in_kazakhstan(value: datetime) -> tuple[datetime, str]:
    """A moment in Kazakhstan's zone (a naive one read as UTC), or, too near year 1 or 9999
    to move, in UTC with " UTC" to say so."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(KAZAKHSTAN), ""
    except OverflowError:
        return value.astimezone(UTC), " UTC"


@dataclass(frozen=True)
class Formatter:
    """Dates, numbers and region names in one language."""

    lang: str

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    # A page never breaks on a stored value: what cannot be read is shown as it came, and a
    # time too near year 1 or 9999 to move to Kazakhstan's zone is shown in UTC.
    def date(self, value: date | str | None) -> str:
        if value in (None, ""):
            return "—"
        try:
            if isinstance(value, str):
                value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
            if isinstance(value, datetime):  # a moment's day is the day it was in Kazakhstan
                value = in_kazakhstan(value)[0].date()
            return format_date(value, format="long", locale=self.locale)
        except (ValueError, OverflowError, TypeError, AttributeError):
            return str(value)

    def datetime(self, value: datetime | str | None) -> str:
        if value in (None, ""):
            return "—"
        try:
            if isinstance(value, str):
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            local, zone = in_kazakhstan(value)
            day = format_date(local.date(), format="medium", locale=self.locale)
            clock = format_time(local.time(), format="short", locale=self.locale)
            return f"{day}, {clock}{zone}"
        except (ValueError, OverflowError, TypeError, AttributeError):
            return str(value)

    def number(self, value: float | int | None) -> str:
        return "—" if value is None else format_decimal(value, locale=self.locale)

    def region(self, code: str | None) -> str:
        if not code:
            return "—"
        region = REGIONS.get(code)
        return region.name(self.lang) if region else code
