"""Exact dates in ISO, dotted, slashed and written kk/ru/en forms: any real day with its month
and year, whoever's it is, and a source's own days also without the year when the month is
written out (14 марта, 14 наурыз 2026, 2026 жылғы 14 наурызда, March 14)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date

from kelisim.anonymity.text import Finding

# Month words by their stem: English, Russian (any case), Kazakh (any ending).
_MONTHS: tuple[tuple[str, int], ...] = (
    ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3),
    ("april", 4), ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7),
    ("august", 8), ("aug", 8), ("september", 9), ("sept", 9), ("sep", 9), ("october", 10),
    ("oct", 10), ("november", 11), ("nov", 11), ("december", 12), ("dec", 12),
    ("январ", 1), ("феврал", 2), ("март", 3), ("апрел", 4), ("мая", 5), ("май", 5),
    ("июн", 6), ("июл", 7), ("август", 8), ("сентябр", 9), ("октябр", 10), ("ноябр", 11),
    ("декабр", 12),
    ("қаңтар", 1), ("ақпан", 2), ("наурыз", 3), ("сәуір", 4), ("мамыр", 5), ("маусым", 6),
    ("шілде", 7), ("тамыз", 8), ("қыркүйек", 9), ("қазан", 10), ("қараша", 11),
    ("желтоқсан", 12),
)  # fmt: skip
_MONTH_BY_STEM = dict(_MONTHS)
# English month words whole (12 decisions, 2026 holds no December); Russian and Kazakh stems
# with any ending.
_STEMS = sorted(_MONTH_BY_STEM, key=len, reverse=True)
_MONTH = (
    "(?P<month>(?:"
    + "|".join(m for m in _STEMS if m.isascii())
    + r")(?!\w)|(?:"
    + "|".join(m for m in _STEMS if not m.isascii())
    + r")\w*)"
)
_YEAR = r"(?P<year>\d{4})"
_DAY = r"(?P<day>\d{1,2})"
_DATE_PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<m>\d{{1,2}})-{_DAY}\b"),
    re.compile(rf"\b{_DAY}[./\-](?P<m>\d{{1,2}})[./\-](?P<year>\d{{4}}|\d{{2}})\b"),
    # 14 марта 2026 г., 14 наурыз 2026, 14 March 2026, 14-наурызда
    re.compile(rf"\b{_DAY}(?:-?(?:го|ші|шы|ое))?[\s\-]+{_MONTH}(?:[\s,]+{_YEAR})?", re.I),
    # March 14, 2026 / Mar 14th
    re.compile(rf"\b{_MONTH}\.?\s+{_DAY}(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR})?", re.I),
    # 2026 жылғы 14 наурыз, 2026 г. 14 марта: the year first
    re.compile(
        rf"\b{_YEAR}\s*(?:ж\.|жылғы|жылы|г\.|года|году)?\s+{_DAY}(?:-?(?:ші|шы|і|ы))?[\s\-]+{_MONTH}",
        re.I,
    ),
    # 2026 ж. наурыздың 14-і:
    re.compile(rf"\b{_YEAR}\s*(?:ж\.|жылғы|жылы)?\s+{_MONTH}\s+{_DAY}\b", re.I),
]
_YEARS = range(1900, 2100)


def _month_of(word: str) -> int:
    folded = word.casefold()
    for stem in sorted(_MONTH_BY_STEM, key=len, reverse=True):
        if folded.startswith(stem):
            return _MONTH_BY_STEM[stem]
    return 0


def exact_dates(text: str, dates: Sequence[date]) -> Iterator[Finding]:
    # Any real day with its month and year is a date that must not leave (31.02.2026 is not);
    # a day and a written month without a year only when the source has that day.
    known = set(dates)
    known_days = {(d.month, d.day) for d in dates}
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            month = int(groups["m"]) if groups.get("m") else _month_of(groups["month"] or "")
            day = int(groups["day"])
            year_text = groups.get("year")
            if year_text is None:
                # Without a year only a written month is a date (14.03 may be a figure).
                hit = (month, day) in known_days
            else:
                year = int(year_text) + (2000 if len(year_text) == 2 else 0)
                try:
                    exact = date(year, month, day)
                except ValueError:
                    continue
                # 14.03.26 is a date when written like one (two digits each); 1.2.10 is a clause.
                written_as_date = len(year_text) == 4 or len(m.group(0).strip()) == 8
                hit = exact in known or (written_as_date and year in _YEARS)
            if hit:
                yield Finding(m.start(), m.end(), m.group(0).strip(), "date")
