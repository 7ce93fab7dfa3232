"""Message headers that carry context across services: trace and acting user."""

from __future__ import annotations

import os
import re
import secrets

TRACEPARENT = "traceparent"
ACTOR = "Kelisim-Actor"
MSG_ID = "Nats-Msg-Id"

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def new_traceparent() -> str:
    """A fresh W3C traceparent (sampled)."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"


def child_traceparent(parent: str | None) -> str:
    """Continue a trace with a new span id, or start one when the parent is missing or bad."""
    match = _TRACEPARENT.match(parent or "")
    if not match:
        return new_traceparent()
    return f"00-{match.group(1)}-{os.urandom(8).hex()}-01"


def trace_id(traceparent: str | None) -> str | None:
    match = _TRACEPARENT.match(traceparent or "")
    return match.group(1) if match else None
