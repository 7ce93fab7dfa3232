"""The anonymity check of a text: what identifies its source (a case, a council item), and
what identifies anyone.

Whatever the source, a text that leaves a service must hold no phone number, e-mail address,
street address with its house number, Kelisim case number (KZ-75-2026-000001) or exact date
(day, month and year): `check` finds every one of them, whoever's they are (a month and year,
a year, a sum, a count or an article number are not). A service also declares the source's
own identifying facts — names, phones, e-mails, addresses, reference numbers, dates — and
`check` finds each of them however written, even where the general rules let text pass:
- names in any spelling, transliteration or inflected form (kelisim.names), also written
  letter by letter (Ж у м а б а е в, Ж.у.м.а.б.а.е.в);
- phones in any formatting (+7 701 123 45 67, 8(701)1234567, 87011234567, 123-45-67);
- e-mails case-insensitively, and the part before the @ on its own;
- addresses: a street word near a house number of the declared address (Абая 15, Abai d. 15);
- reference numbers whole (KZ-75-2026-000001) and their sequence part (000001, № 1);
- exact dates in ISO, dotted, slashed and written forms in kk/ru/en, with or without the year
  when the month is written out (14 марта, 14 наурыз 2026, 2026 жылғы 14 наурызда, March 14).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from kelisim.names import WORD_RE, NameMatcher, inflected_keys, word_key

Kind = Literal["name", "phone", "email", "address", "case_number", "date"]


@dataclass(frozen=True)
class Identifying:
    """What identifies a source; every field may be empty."""

    names: Sequence[str] = ()
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    addresses: Sequence[str] = ()
    numbers: Sequence[str] = ()
    dates: Sequence[date] = ()


@dataclass(frozen=True, order=True)
class Finding:
    """A piece of text that gives the source away."""

    start: int
    end: int
    text: str = field(compare=False)
    kind: Kind = field(compare=False)


def check(text: str, facts: Identifying) -> list[Finding]:
    """Every piece of `text` that gives away one of `facts`, in order of position.

    The text is read as it shows: invisible format characters (a soft hyphen or zero-width
    space pasted from a word processor, or typed into a name) do not split a word, so
    "Жума\u00adбаев" is found as the name it shows; each finding spans the original text.
    """
    shown, origin = _as_shown(text)
    found: list[Finding] = []
    matcher = NameMatcher(facts.names)
    found += (Finding(h.start, h.end, h.word, "name") for h in matcher.find(shown))
    joined, joined_origin = _letters_joined(shown)
    if joined_origin is not None:  # "Ж у м а б а е в", "Ж.у.м.а.б.а.е.в" read as the word
        found += (
            _in_original(Finding(h.start, h.end, h.word, "name"), shown, joined_origin)
            for h in matcher.find(joined)
        )
    found += _phones(shown, facts.phones)
    found += _any_phones(shown)
    found += _emails(shown, facts.emails)
    found += _any_emails(shown)
    found += _addresses(shown, facts.addresses)
    found += _any_addresses(shown)
    found += _numbers(shown, facts.numbers)
    found += _any_case_numbers(shown)
    found += _dates(shown, facts.dates)
    if len(shown) != len(text):
        found = [_in_original(f, text, origin) for f in found]
    return _without_overlaps(found)


def _as_shown(text: str) -> tuple[str, list[int]]:
    """`text` without its format characters (Unicode's Cf), and the index in `text` of each
    character kept."""
    kept = [i for i, char in enumerate(text) if unicodedata.category(char) != "Cf"]
    return "".join(text[i] for i in kept), kept


# A word written letter by letter: three or more single letters, each apart from the next by
# a space, a dot, a hyphen, an underscore, a middle dot or an asterisk (one to three of them).
_LETTER = r"[^\W\d_]"
_SPACED_RE = re.compile(rf"(?<![\w]){_LETTER}(?:[\s.\-_·*]{{1,3}}{_LETTER}(?![\w])){{2,}}")
_GAP_RE = re.compile(r"[\s.\-_·*]+")


def _letters_joined(text: str) -> tuple[str, list[int] | None]:
    """`text` with each word written letter by letter joined into the word, and the index in
    `text` of each character kept; None when there is none (most texts)."""
    if _SPACED_RE.search(text) is None:
        return text, None
    spacing: set[int] = set()
    for run in _SPACED_RE.finditer(text):
        gaps = list(_GAP_RE.finditer(run.group(0)))
        # A wider gap than the run's narrowest parts two words: "Е р л а н   Ж у м а б а е в".
        narrowest = min(len(g.group(0)) for g in gaps)
        for gap in gaps:
            if len(gap.group(0)) == narrowest:
                spacing.update(range(run.start() + gap.start(), run.start() + gap.end()))
    kept = [i for i in range(len(text)) if i not in spacing]
    return "".join(text[i] for i in kept), kept


def _in_original(finding: Finding, text: str, origin: list[int]) -> Finding:
    start, end = origin[finding.start], origin[finding.end - 1] + 1
    return Finding(start, end, text[start:end], finding.kind)


def _without_overlaps(found: Iterable[Finding]) -> list[Finding]:
    # A date inside a phone-like run of digits, a number inside an address: report each span once.
    kept: list[Finding] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and item.start < kept[-1].end:
            continue
        kept.append(item)
    return kept


# --- phones ------------------------------------------------------------------------------------

_PHONE_RE = re.compile(r"\+?\d[\d\s().\-]{4,}\d")
_PHONE_TAIL = 7  # a local number without its area code still identifies


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _phones(text: str, phones: Sequence[str]) -> Iterator[Finding]:
    # Compare the last ten digits (the national number without +7 or 8); a shorter run of at
    # least seven digits matches the end of a declared number (a local number).
    known = [d[-10:] for d in map(_digits, phones) if len(d) >= _PHONE_TAIL]
    if not known:
        return
    for m in _PHONE_RE.finditer(text):
        digits = _digits(m.group(0))
        if len(digits) < _PHONE_TAIL:
            continue
        tail = digits[-10:]
        if any(k == tail or (len(tail) < 10 and k.endswith(tail)) for k in known):
            yield Finding(m.start(), m.end(), m.group(0).strip(), "phone")


# Any Kazakhstan number: +7 and ten digits (any separators), 8 and ten digits beginning with 7
# (every Kazakhstan number does), ten digits grouped as a phone (701 123 45 67), and a local
# number grouped as one (123-45-67). A sum's thousands (1 500 000) are grouped by three.
_SEP = r"[\s().\-]{0,3}"
_ANY_PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    rf"\+{_SEP}7{_SEP}(?:\d{_SEP}){{9}}\d"
    rf"|8{_SEP}\(?7(?:{_SEP}\d){{9}}"
    r"|\(?7\d\d\)?[\s\-]\d{3}[\s\-]\d\d[\s\-]\d\d"
    r"|\d{3}[\s\-]\d\d[\s\-]\d\d"
    r")(?![\w]|[.,\-]\d)"
)


def _any_phones(text: str) -> Iterator[Finding]:
    for m in _ANY_PHONE_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "phone")


# --- e-mails -----------------------------------------------------------------------------------

_MIN_LOCAL_PART = 4


def _emails(text: str, emails: Sequence[str]) -> Iterator[Finding]:
    folded = text.casefold()
    for email in emails:
        email = email.strip().casefold()
        if not email:
            continue
        local = email.split("@", 1)[0]
        for needle in (email, local) if len(local) >= _MIN_LOCAL_PART else (email,):
            for m in re.finditer(rf"(?<![\w.]){re.escape(needle)}(?![\w])", folded):
                yield Finding(m.start(), m.end(), text[m.start() : m.end()], "email")


_ANY_EMAIL_RE = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def _any_emails(text: str) -> Iterator[Finding]:
    for m in _ANY_EMAIL_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "email")


# --- addresses ---------------------------------------------------------------------------------


# Words that say what kind of place a word is, not which: they identify nothing on their own.
def _keys(words: str) -> frozenset[str]:
    return frozenset(word_key(w) for w in words.split())


_PLACE_WORDS = _keys(
    "ул улица көше көшесі даңғыл даңғылы проспект пр просп мкр микрорайон шағын аудан "
    "шағынаудан дом д үй корпус корп блок пер переулок тұйық бульвар бул шоссе тас жолы "
    "алаң площадь street st avenue ave road rd house building bldg lane"
)
# A part of an address (between commas) holding one of these names a town, region or flat,
# not the street: "г. Алматы" or "кв. 3" next to a number in a note says nothing.
_AREA_WORDS = _keys(
    "г город қ қала қаласы обл облысы область район р-н ауданы ауыл село кент city district "
    "village region town кв квартира пәтер apt apartment flat"
)
_HOUSE_RE = re.compile(
    r"(?<![\w.,/\-])\d{1,4}(?:\s?[a-zA-Zа-яА-ЯәӘ](?!\w))?(?:/\d{1,4})?(?!\w|[.,:/\-]\d)"
)
_NEAR = 40  # characters between a street word and a house number that still read as one address


@dataclass(frozen=True)
class _Address:
    street_forms: frozenset[str]
    houses: frozenset[str]


def _house(value: str) -> str:
    return re.sub(r"\s", "", value).casefold()


def _parse_address(address: str) -> _Address:
    forms: set[str] = set()
    houses: set[str] = set()
    for part in address.split(","):
        keys = {word_key(w) for w in WORD_RE.findall(part)}
        if keys & _AREA_WORDS:
            continue
        for word in WORD_RE.findall(part):
            key = word_key(word)
            if key not in _PLACE_WORDS and len(key) >= 3:
                forms |= inflected_keys(word)
        houses |= {_house(m.group(0)) for m in _HOUSE_RE.finditer(part)}
    return _Address(frozenset(forms), frozenset(houses))


def _addresses(text: str, addresses: Sequence[str]) -> Iterator[Finding]:
    parsed = [a for a in map(_parse_address, addresses) if a.street_forms and a.houses]
    if not parsed:
        return
    words = [(m.start(), m.end(), word_key(m.group(0))) for m in WORD_RE.finditer(text)]
    houses = [(m.start(), m.end(), _house(m.group(0))) for m in _HOUSE_RE.finditer(text)]
    for address in parsed:
        for w_start, w_end, key in words:
            if key not in address.street_forms:
                continue
            # The address's house number right after the street word (only place words such
            # as "д." or "үй" and commas between), or right before it ("15 Abai street").
            near = [
                (h_start, h_end)
                for h_start, h_end, house in houses
                if house in address.houses
                and (
                    (h_start >= w_end and _joins(text[w_end:h_start], ",."))
                    or (h_end <= w_start and _joins(text[h_end:w_start], "."))
                )
            ]
            if near:
                h_start, h_end = min(near, key=lambda h: abs(h[0] - w_start))
                start, end = min(w_start, h_start), max(w_end, h_end)
                yield Finding(start, end, text[start:end], "address")


def _joins(gap: str, punctuation: str) -> bool:
    """Whether the text between a street word and a number holds only place words and spaces."""
    if len(gap) > _NEAR:
        return False
    rest = WORD_RE.sub(lambda m: "" if word_key(m.group(0)) in _PLACE_WORDS else "x", gap)
    return all(ch.isspace() or ch in punctuation for ch in rest)


# Any street address: a street word with a house number after it (ул. Абая 15, Абай көшесі,
# 15 үй, мкр Самал-2, д. 5), or a house number before the street's name and word (15 Abai
# street). Between them only capitalised words (the street's name), place words and commas.
_STREET_WORD = (
    r"(?:ул\.|ул|улиц[аеуы]|пр\.|пр-т|просп\.?|проспект\w*|мкр\.?|микрорайон\w*|пер\."
    r"|переул\w*|бульвар\w*|б-р|шоссе|көше\w*|даңғыл\w*|шағын\s?аудан\w*|ш\.а\.|тұйық\w*"
    r"|street|st\.?|avenue|ave\.?|road|rd\.?|lane|boulevard|blvd\.?|microdistrict)"
)
# Street words written after the street's name (Абай көшесі, Abai street): the finding
# starts at the name.
_AFTER_NAME = re.compile(
    r"(?:көше|даңғыл|шағын|тұйық|street|st\b|avenue|ave\b|road|rd\b|lane|boulevard|blvd)",
    re.IGNORECASE,
)
_CAPITAL = r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w\-]*"
_HOUSE_WORD = r"(?:д\.|дом|үй|house|No\.?|№|корпус|корп\.)"
_HOUSE = r"\d{1,4}(?:\s?[a-zA-Zа-яА-ЯәӘ](?!\w))?(?:/\d{1,4})?(?!\w|[.,:/\-]\d)"
_GAP = rf"(?:[\s,]+(?:{_CAPITAL}|{_HOUSE_WORD}))"
_STREET_THEN_HOUSE = re.compile(
    rf"(?<![\w\-])(?P<word>{_STREET_WORD})(?![\w]){_GAP}{{0,3}}[\s,]*{_HOUSE_WORD}?\s*{_HOUSE}",
    re.IGNORECASE,
)
_HOUSE_THEN_STREET = re.compile(
    rf"(?<![\w.,/\-]){_HOUSE}(?:\s+{_CAPITAL}){{1,3}}\s+{_STREET_WORD}(?![\w])"
)
_NAME_BEFORE = re.compile(rf"{_CAPITAL}\s+$")


def _any_addresses(text: str) -> Iterator[Finding]:
    for m in _STREET_THEN_HOUSE.finditer(text):
        start = m.start()
        if _AFTER_NAME.match(m.group("word")):
            name = _NAME_BEFORE.search(text, max(0, start - _NEAR), start)
            start = name.start() if name is not None else start
        yield Finding(start, m.end(), text[start : m.end()], "address")
    for m in _HOUSE_THEN_STREET.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "address")


# --- reference numbers -------------------------------------------------------------------------


def _numbers(text: str, numbers: Sequence[str]) -> Iterator[Finding]:
    for number in numbers:
        number = number.strip()
        if not number:
            continue
        # The whole number with any separators between its parts (KZ 75 2026 000001).
        parts = [re.escape(p) for p in re.split(r"[\s\-/.]+", number) if p]
        whole = r"[\s\-/.]*".join(parts)
        for m in re.finditer(rf"(?<![\w]){whole}(?![\w])", text, re.IGNORECASE):
            yield Finding(m.start(), m.end(), m.group(0), "case_number")
        sequence = re.search(r"(\d+)\D*$", number)
        if sequence is None:
            continue
        digits = sequence.group(1)
        if len(digits) >= 4:
            for m in re.finditer(rf"(?<![\w]){digits}(?![\w])", text):
                yield Finding(m.start(), m.end(), m.group(0), "case_number")
        # "№ 1", "#0001", "N 1": the sequence as the case's number, leading zeros or not.
        value = int(digits)
        for m in re.finditer(r"(?:№|#|\bN[o°]?\.?)\s*0*(\d+)\b", text):
            if int(m.group(1)) == value:
                yield Finding(m.start(), m.end(), m.group(0), "case_number")


# Any Kelisim case number: the region's code, the year and the sequence (KZ-75-2026-000001).
_ANY_CASE_NUMBER_RE = re.compile(
    r"(?<![\w])KZ[\s\-/.]*\d{2}[\s\-/.]+\d{4}[\s\-/.]+\d{1,6}(?![\w])", re.IGNORECASE
)


def _any_case_numbers(text: str) -> Iterator[Finding]:
    for m in _ANY_CASE_NUMBER_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "case_number")


# --- dates -------------------------------------------------------------------------------------

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


def _dates(text: str, dates: Sequence[date]) -> Iterator[Finding]:
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
