"""The two values every record starts with: the current time (aware UTC) and a new id."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A new random identifier: 32 lowercase hex digits."""
    return uuid.uuid4().hex
