"""Times and dates as people in Kazakhstan read them: in the country's zone, words per language.

Services store and send UTC ISO text; whatever a person reads (a notice, an e-mail, the
minutes, a page) goes through here, so no raw `2026-12-02T05:00:00+00:00` reaches anyone.
Russian long dates end in "г."; `end_sentence` keeps a sentence that closes on one from
ending in "г..".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

KAZAKHSTAN = ZoneInfo("Asia/Almaty")  # one zone for the whole country (UTC+5) since 2024
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def local_date(moment: datetime, zone: str | ZoneInfo = KAZAKHSTAN) -> date:
    """The calendar date of an aware moment in Kazakhstan (or in the named `zone`, a
    service's configured one: the day a step happened for the people who took it)."""
    return moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()


def moment(value: datetime | str, lang: str) -> str:
    """A moment as its date and time in Kazakhstan, the date written as `day` writes it:
    "December 3, 2026, 10:00", "3 декабря 2026 г., 10:00", "2026 ж. 3 желтоқсан, 10:00"."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(KAZAKHSTAN)
    return f"{day(local.date(), lang)}, {format_time(local, 'HH:mm', locale=lang)}"


def day(value: date | str, lang: str) -> str:
    """A calendar day in words, e.g. "3 December 2026" (Russian: "3 декабря 2026 г.")."""
    when = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return format_date(when, "long", locale=lang)


def month(value: date | str, lang: str, *, heading: bool = False) -> str:
    """The calendar month of a day in a sentence, e.g. "November 2026", "ноябрь 2026",
    "2026 жылғы қараша"; as a heading or a table's label (`heading`), "Қараша 2026"."""
    when = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    pattern = "y 'жылғы' MMMM" if lang == "kk" and not heading else "LLLL y"
    return format_date(when, pattern, locale=lang)


def month_short(value: date | str, lang: str) -> str:
    """A month's short name as a chart's axis labels it, e.g. "Jan", "янв.", "қаң."
    (`value`: a day, or "YYYY-MM")."""
    when = date.fromisoformat(f"{value[:7]}-01") if isinstance(value, str) else value
    return format_date(when, "LLL", locale=lang)


def number(value: float, lang: str) -> str:
    """A figure with at most one decimal, as the language writes it (13,7 in kk and ru)."""
    return format_decimal(value, "#,##0.#", locale=lang)


def humane(value: object, lang: str) -> object:
    """`value` itself, unless it is ISO text of a day or a moment: then that in words."""
    if isinstance(value, datetime):
        return moment(value, lang)
    if isinstance(value, date):
        return day(value, lang)
    if isinstance(value, str):
        try:
            if ISO_MOMENT.match(value):
                return moment(value, lang)
            if ISO_DAY.match(value):
                return day(value, lang)
        except ValueError:
            return value
    return value


def end_sentence(text: str) -> str:
    """Text whose sentence closes right after an abbreviation's dot, with one dot ("г.." → "г.")."""
    return re.sub(r"(\bг)\.\.", r"\1.", text)
