"""What the notifications routes share: the prefix and a read-only session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from kelisim.db import read_session
from kelisim.service import ServiceContext

PREFIX = "/api/v1/notifications"


@contextmanager
def reading(ctx: ServiceContext) -> Iterator[Session]:
    """A read-only session."""
    with read_session(ctx.engine) as session:
        yield session
