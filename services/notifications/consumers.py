"""What the notifications service consumes: event subject -> handler, inbox-guarded."""

from __future__ import annotations

from kelisim.bus.consumer import ConsumerSpec, Handler
from kelisim.events.envelope import registered_types, schema_for
from services.notifications.handlers.escalations import on_case_escalated
from services.notifications.handlers.notify import on_domain_event
from services.notifications.handlers.recipients import on_user_upserted


def consumable_subjects(*domains: str) -> list[str]:
    """The subjects of the registered event schemas of these domains."""
    subjects = {schema_for(t).subject for t in registered_types()}
    return sorted(s for s in subjects if s.split(".", 1)[0] in domains)


def _handlers(domain: str) -> dict[str, Handler]:
    """Every subject of a domain goes through the rules; an escalation is also kept and sent."""
    handlers: dict[str, Handler] = {s: on_domain_event for s in consumable_subjects(domain)}
    if domain == "cases":
        handlers["cases.case.escalated"] = on_case_escalated  # type: ignore[assignment]
    return handlers


def consumer_specs() -> list[ConsumerSpec]:
    """The streams and subjects this service consumes."""
    return [
        ConsumerSpec("CASES", _handlers("cases")),
        ConsumerSpec("COUNCILS", _handlers("councils")),
        ConsumerSpec("ANALYTICS", _handlers("analytics")),
        ConsumerSpec("IDENTITY", {"identity.user.upserted": on_user_upserted}),  # type: ignore[dict-item]
    ]
