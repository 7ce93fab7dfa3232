"""What every councils route shares: the prefix and the reader's language."""

from __future__ import annotations

from kelisim.auth import Principal
from services.councils.rendering import LANGS

PREFIX = "/api/v1/councils"


def language(lang: str | None, principal: Principal) -> str:
    """The language asked for, else the caller's, else the state language."""
    for candidate in (lang, principal.lang):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return "kk"
