"""What a source declares about itself, found however it is written: its phones in any
formatting, its e-mails (and the part before the @), its street addresses (a street word near
the house number) and its reference numbers, whole or by their sequence part (its names:
kelisim.names; its dates: `dates`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kelisim.anonymity.general import NEAR
from kelisim.anonymity.text import Finding
from kelisim.names import WORD_RE, inflected_keys, word_key

# --- phones ------------------------------------------------------------------------------------

_PHONE_RE = re.compile(r"\+?\d[\d\s().\-]{4,}\d")
_PHONE_TAIL = 7  # a local number without its area code still identifies


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def phones(text: str, declared: Sequence[str]) -> Iterator[Finding]:
    # Compare the last ten digits (the national number without +7 or 8); a shorter run of at
    # least seven digits matches the end of a declared number (a local number).
    known = [d[-10:] for d in map(_digits, declared) if len(d) >= _PHONE_TAIL]
    if not known:
        return
    for m in _PHONE_RE.finditer(text):
        digits = _digits(m.group(0))
        if len(digits) < _PHONE_TAIL:
            continue
        tail = digits[-10:]
        if any(k == tail or (len(tail) < 10 and k.endswith(tail)) for k in known):
            yield Finding(m.start(), m.end(), m.group(0).strip(), "phone")


# --- e-mails -----------------------------------------------------------------------------------

_MIN_LOCAL_PART = 4


def emails(text: str, declared: Sequence[str]) -> Iterator[Finding]:
    folded = text.casefold()
    for email in declared:
        email = email.strip().casefold()
        if not email:
            continue
        local = email.split("@", 1)[0]
        for needle in (email, local) if len(local) >= _MIN_LOCAL_PART else (email,):
            if needle not in folded:  # most texts hold none: skip compiling a pattern of its own
                continue
            for m in re.finditer(rf"(?<![\w.]){re.escape(needle)}(?![\w])", folded):
                yield Finding(m.start(), m.end(), text[m.start() : m.end()], "email")


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


def addresses(text: str, declared: Sequence[str]) -> Iterator[Finding]:
    parsed = [a for a in map(_parse_address, declared) if a.street_forms and a.houses]
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
    if len(gap) > NEAR:
        return False
    rest = WORD_RE.sub(lambda m: "" if word_key(m.group(0)) in _PLACE_WORDS else "x", gap)
    return all(ch.isspace() or ch in punctuation for ch in rest)


# --- reference numbers -------------------------------------------------------------------------


def numbers(text: str, declared: Sequence[str]) -> Iterator[Finding]:
    for number in declared:
        number = number.strip()
        if not number:
            continue
        # The whole number with any separators between its parts (KZ 75 2026 000001).
        parts = [p for p in re.split(r"[\s\-/.]+", number) if p]
        # A part of ASCII digits matches only as written, whatever the case: a text without one
        # holds no match and needs no pattern of this number's own compiled (each case has one).
        if not any(p.isascii() and p.isdigit() and p not in text for p in parts):
            whole = r"[\s\-/.]*".join(map(re.escape, parts))
            for m in re.finditer(rf"(?<![\w]){whole}(?![\w])", text, re.IGNORECASE):
                yield Finding(m.start(), m.end(), m.group(0), "case_number")
        sequence = re.search(r"(\d+)\D*$", number)
        if sequence is None:
            continue
        digits = sequence.group(1)
        if len(digits) >= 4 and digits in text:
            for m in re.finditer(rf"(?<![\w]){digits}(?![\w])", text):
                yield Finding(m.start(), m.end(), m.group(0), "case_number")
        # "№ 1", "#0001", "N 1": the sequence as the case's number, leading zeros or not.
        value = int(digits)
        for m in re.finditer(r"(?:№|#|\bN[o°]?\.?)\s*0*(\d+)\b", text):
            if int(m.group(1)) == value:
                yield Finding(m.start(), m.end(), m.group(0), "case_number")
