"""What the API accepts, written once for every service: dates, times, texts, regions, fields.

Every request body is an `Input`: unknown fields are refused (422 `extra_forbidden`) and no
string anywhere in it may carry NUL, another control character, a lone surrogate or a
bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069: they reverse
the text around them on every page that shows it); line breaks and tabs are allowed, and a
`Line` allows none and must show something if it is not empty (not only spaces, zero-width
or other invisible characters: a name of those would be a blank). Dates (`Day`) and times
(`Moment`, with their UTC offset) lie between 2000-01-01 and 2100-12-31: nothing in
mediation or council work happens outside that range, and every date inside it can be
converted to any time zone and printed, so no stored value can break a page. Region codes
come from the one list in `kelisim.regions`.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from kelisim.regions import REGIONS, is_region

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
_FIRST = datetime.combine(EARLIEST, time.min, UTC)
_LAST = datetime.combine(LATEST, time.max, UTC)
LINE_BREAKS = frozenset("\t\n\r")


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_character(text: str, *, allowed: frozenset[str] = LINE_BREAKS) -> str | None:
    """The first control character, lone surrogate or bidirectional control in `text` (None
    when there is none)."""
    if text.isprintable():  # holds no control, surrogate or format character (nor a bidi one)
        return None
    for char in text:
        if char not in allowed and (
            unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS
        ):
            return char
    return None


def invisible(char: str) -> bool:
    """Whether a character shows nothing by itself: a space, or a format character (soft
    hyphen, zero-width space and joiners, word joiner, byte order mark: Unicode's Cf)."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def check_text(value: str) -> str:
    """A text: any characters but NUL, other control characters, lone surrogates and
    bidirectional controls."""
    if (char := control_character(value)) is not None:
        raise PydanticCustomError(
            "text_control_character",
            "Control characters are not allowed (found U+{code}).",
            {"code": f"{ord(char):04X}"},
        )
    return value


def check_line(value: str) -> str:
    """A one-line text: like a text, no line breaks or tabs either, and not blank."""
    if (char := control_character(value, allowed=frozenset())) is not None:
        raise PydanticCustomError(
            "text_control_character",
            "Control characters and line breaks are not allowed (found U+{code}).",
            {"code": f"{ord(char):04X}"},
        )
    if value and all(invisible(char) for char in value):
        raise PydanticCustomError(
            "text_blank", "Give visible text: this has only spaces or invisible characters."
        )
    return value


def check_day(value: date) -> date:
    """A date between 2000-01-01 and 2100-12-31."""
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError(
            "date_out_of_range",
            "Give a date between {earliest} and {latest}.",
            {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )
    return value


def check_moment(value: datetime) -> datetime:
    """An aware time between 2000-01-01 and 2100-12-31, in UTC: an answer gives a time as
    every later read of it does, whatever offset the client sent it with."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "Give the time with its UTC offset.")
    if not _FIRST <= value <= _LAST:
        raise PydanticCustomError(
            "datetime_out_of_range",
            "Give a time between {earliest} and {latest}.",
            {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )
    return value.astimezone(UTC)


def check_region(value: str) -> str:
    """One of the 20 first-level units of Kazakhstan (ISO 3166-2:KZ)."""
    if not is_region(value):
        raise PydanticCustomError(
            "unknown_region",
            "Not a region of Kazakhstan (ISO 3166-2:KZ): choose one of {codes}.",
            {"codes": ", ".join(REGIONS)},
        )
    return value


Text = Annotated[str, AfterValidator(check_text)]
Line = Annotated[str, AfterValidator(check_line)]
# An e-mail address: something, one @, something (the mail server says the rest).
Email = Annotated[
    str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"), AfterValidator(check_line)
]
# A phone number as people write it: digits with spaces, brackets, hyphens, a leading plus.
Phone = Annotated[
    str,
    Field(min_length=5, max_length=30, pattern=r"^\+?[0-9(][0-9 ()-]*$"),
    AfterValidator(check_line),
]
Day = Annotated[date, AfterValidator(check_day)]
Moment = Annotated[AwareDatetime, AfterValidator(check_moment)]
RegionCode = Annotated[str, AfterValidator(check_region)]


def _check_strings(value: Any) -> Any:
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check_strings(item)
    return value


class Input(BaseModel):
    """A request body: unknown fields refused, every string in it a `Text` at least."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return _check_strings(value)
