"""What identifies anyone, whoever's it is: any Kazakhstan phone number, e-mail address,
street address with its house number and Kelisim case number (any exact date: `dates`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kelisim.anonymity.text import Finding

# --- phones ------------------------------------------------------------------------------------

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


def phones(text: str) -> Iterator[Finding]:
    for m in _ANY_PHONE_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "phone")


# --- e-mails -----------------------------------------------------------------------------------

_ANY_EMAIL_RE = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def emails(text: str) -> Iterator[Finding]:
    for m in _ANY_EMAIL_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "email")


# --- addresses ---------------------------------------------------------------------------------

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
NEAR = 40  # characters between a street word and a house number that still read as one address


def addresses(text: str) -> Iterator[Finding]:
    for m in _STREET_THEN_HOUSE.finditer(text):
        start = m.start()
        if _AFTER_NAME.match(m.group("word")):
            name = _NAME_BEFORE.search(text, max(0, start - NEAR), start)
            start = name.start() if name is not None else start
        yield Finding(start, m.end(), text[start : m.end()], "address")
    for m in _HOUSE_THEN_STREET.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "address")


# --- reference numbers -------------------------------------------------------------------------


# Any Kelisim case number: the region's code, the year and the sequence (KZ-75-2026-000001).
_ANY_CASE_NUMBER_RE = re.compile(
    r"(?<![\w])KZ[\s\-/.]*\d{2}[\s\-/.]+\d{4}[\s\-/.]+\d{1,6}(?![\w])", re.IGNORECASE
)


def case_numbers(text: str) -> Iterator[Finding]:
    for m in _ANY_CASE_NUMBER_RE.finditer(text):
        yield Finding(m.start(), m.end(), m.group(0), "case_number")
