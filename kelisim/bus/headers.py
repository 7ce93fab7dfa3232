"""Message headers that carry context across services: trace and acting user."""

from __future__ import annotations

import re

TRACEPARENT = "traceparent"
ACTOR = "Kelisim-Actor"
MSG_ID = "Nats-Msg-Id"

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


def trace_id(traceparent: str | None) -> str | None:
    """The trace id a W3C `traceparent` names (kelisim.tracing writes them)."""
    match = _TRACEPARENT.match(traceparent or "")
    return match.group(1) if match else None
