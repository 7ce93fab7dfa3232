"""Finding cases: by number (whole or its sequence part), by a party's name in any spelling,
and by words of the description.

Names are compared through `kelisim.names`: every word of a party's name is stored as its
spelling-independent key (`party_name_word`, written at registration), so Жанар, Zhanar and
Janar find the same party, through an index rather than by scanning names. A query word
matches a stored word it begins (a prefix), or whose stem it is once a Kazakh or Russian case
ending is taken off (Әлиевой finds Әлиева). Names and descriptions are searched only in the
cases whose personal data the caller reads; the number in every case they may list.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select

from kelisim.db import LIKE_ESCAPE, containing
from kelisim.names import ENDING_KEYS, MIN_KEY_LENGTH, name_key, name_words, word_key
from kelisim.problems import Problem
from services.cases.models import Case, PartyNameWord
from services.cases.permissions import search_scope

FULL_NUMBER = re.compile(r"KZ-\d{2}-\d{4}-\d{1,6}", re.IGNORECASE)
SEQUENCE = re.compile(r"\d{1,6}")
_AFTER_Z = "{"  # the character after 'z': keys are plain a-z, so [p, p + '{') is "starts with p"


def party_words(name: str) -> list[str]:
    """The keys of a name's words, as stored for search."""
    return sorted({word_key(w)[:100] for w in name_words(name)} - {""})


def party_key(name: str) -> str:
    """The key of a whole name, as stored on the party."""
    return name_key(name)[:300]


def _stems(key: str) -> set[str]:
    """The query word's key and its stems without a known case ending."""
    stems = {key}
    for ending in ENDING_KEYS:
        if key.endswith(ending) and len(key) - len(ending) >= MIN_KEY_LENGTH:
            stems.add(key[: -len(ending)])
    return stems


def _name_matches(q: str) -> Any:
    """Cases with a party whose name has, for every query word, a word it begins or stems."""
    keys = [k for k in (word_key(w) for w in name_words(q)) if k]
    if not keys:
        return None
    conditions = []
    for key in keys:
        word = PartyNameWord.word
        prefixes = [and_(word >= s, word < s + _AFTER_Z) for s in sorted(_stems(key))]
        found = select(PartyNameWord.case_id).where(or_(*prefixes))
        conditions.append(Case.id.in_(found))  # type: ignore[attr-defined]
    return and_(*conditions)


def _description_matches(q: str, dialect: str) -> Any:
    """Full-text match on PostgreSQL (GIN index), a case-insensitive LIKE elsewhere."""
    if dialect == "postgresql":
        simple = literal_column("'simple'")
        vector = func.to_tsvector(simple, Case.description)
        return vector.op("@@")(func.plainto_tsquery(simple, q))
    return func.lower(Case.description).like(containing(q.lower()), escape=LIKE_ESCAPE)


def _number_matches(q: str) -> Any:
    """The case number, whole (any letter case) or its sequence part (000123 or 123)."""
    text = q.strip()
    if FULL_NUMBER.fullmatch(text):
        region, year, sequence = text.upper().rsplit("-", 2)
        return Case.number == f"{region}-{year}-{int(sequence):06d}"
    if SEQUENCE.fullmatch(text):
        return Case.number.like(f"%-{int(text):06d}")  # type: ignore[attr-defined]
    return None


def matches(principal: Any, q: str, dialect: str) -> Any:
    """The condition of a search `q` (the list's own scope still applies around it)."""
    number = _number_matches(q)
    try:
        personal = search_scope(principal)
    except Problem:
        if number is None:
            raise  # no number asked and no text the caller may search: 403 as before
        return number
    texts = [_description_matches(q, dialect)]
    names = _name_matches(q)
    if names is not None:
        texts.append(names)
    found = and_(personal, or_(*texts))
    return found if number is None else or_(number, found)
