"""The two values every record starts with: the current time (aware UTC) and a new id."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

_MS = (1 << 48) - 1
_RAND_B = (1 << 62) - 1


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A new record id: 32 lowercase hex digits laid out as a UUID version 7 (RFC 9562).

    The first twelve digits are the creation time in milliseconds, the rest is random (74
    bits). Ids made one after another sort together, so an index on them grows at its end:
    with random ids every insert rewrote a page at a random place of each such index, and
    on SQLite every page a commit touches is written whole to the WAL (issue 13, "What is
    left" in docs/architecture.md). An id says when its record was made; a reference that
    must not (one that must not be linked by its time to the record it stands for) is a
    `random_id`.
    """
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        (time.time_ns() // 1_000_000 & _MS) << 80
        | 0x7 << 76
        | (rand >> 62 & 0xFFF) << 64
        | 0b10 << 62
        | rand & _RAND_B
    )
    return f"{value:032x}"


def random_id() -> str:
    """A new identifier that is random in all its 122 bits (a UUID version 4): it tells
    nothing about when it was made."""
    return uuid.uuid4().hex
