"""Weeks of the month: the days an ISO week shares with a month, keyed `YYYY-MM-Www`.

Statistics published by week are cut this way so that weeks nest in months: a week that
crosses the end of a month is two pieces, one in each month, and the weeks of a month add up
to the month. Analytics counts by them; the pages name them by their days ("29–30 Sep").
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def week_key(day: date) -> str:
    """The week of the month a day is in: its month and ISO week number."""
    return f"{month_key(day)}-W{day.isocalendar().week:02d}"


def _days(month: str) -> list[date]:
    first = date(int(month[:4]), int(month[5:7]), 1)
    return [
        first + timedelta(days=k)
        for k in range(31)
        if (first + timedelta(days=k)).month == first.month
    ]


def weeks_of(month: str) -> list[str]:
    """The weeks of a `YYYY-MM` month, in order."""
    return list(dict.fromkeys(week_key(d) for d in _days(month)))


def days_of(week: str) -> tuple[date, date]:
    """The first and last day of a week of the month."""
    days = [d for d in _days(week[:7]) if week_key(d) == week]
    if not days:
        raise ValueError(f"no week {week!r}")
    return days[0], days[-1]


def label(week: str, lang: str) -> str:
    """A week of the month as its days, e.g. "1–7 Sep" ("1–7 сент.")."""
    first, last = days_of(week)
    if first == last:
        return format_date(last, "d MMM", locale=lang)
    return f"{first.day}–{format_date(last, 'd MMM', locale=lang)}"
