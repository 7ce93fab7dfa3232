"""What every councils route shares: the prefix, a read-only session, the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session as DbSession

from kelisim.auth import Principal
from kelisim.db import read_session
from kelisim.service import ServiceContext
from services.councils.rendering import LANGS

PREFIX = "/api/v1/councils"


@contextmanager
def reading(ctx: ServiceContext) -> Iterator[DbSession]:
    """A read-only session."""
    with read_session(ctx.engine) as db:
        yield db


def language(lang: str | None, principal: Principal) -> str:
    """The language asked for, else the caller's, else the state language."""
    for candidate in (lang, principal.lang):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return "kk"
