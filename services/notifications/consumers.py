"""What the notifications service consumes: event subject -> handler, inbox-guarded."""

from __future__ import annotations

from kelisim.bus.consumer import ConsumerSpec, Handler
from services.notifications.handlers.escalations import on_case_escalated
from services.notifications.handlers.notify import on_domain_event
from services.notifications.handlers.recipients import on_user_upserted
from services.notifications.handlers.rules import schemas_of
from services.notifications.handlers.security import on_login_burst


def _handlers(domain: str) -> dict[str, Handler]:
    """Every subject of a domain goes through the rules; an escalation is also kept and sent."""
    handlers: dict[str, Handler] = {s: on_domain_event for s in sorted(schemas_of(domain))}
    if domain == "cases":
        handlers["cases.case.escalated"] = on_case_escalated  # type: ignore[assignment]
    return handlers


def consumer_specs() -> list[ConsumerSpec]:
    """The streams and subjects this service consumes."""
    return [
        ConsumerSpec("CASES", _handlers("cases")),
        ConsumerSpec("COUNCILS", _handlers("councils")),
        ConsumerSpec("ANALYTICS", _handlers("analytics")),
        ConsumerSpec(
            "IDENTITY",
            {
                "identity.user.upserted": on_user_upserted,  # type: ignore[dict-item]
                "identity.login.burst_detected": on_login_burst,  # type: ignore[dict-item]
            },
        ),
    ]
