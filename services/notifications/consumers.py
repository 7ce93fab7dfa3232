"""What the notifications service consumes: event subject -> handler, inbox-guarded."""

from __future__ import annotations

from functools import partial

from kelisim.bus.consumer import ConsumerSpec, Handler
from kelisim.settings import Settings
from services.notifications.handlers.escalations import on_case_escalated
from services.notifications.handlers.notify import on_domain_event
from services.notifications.handlers.recipients import on_user_upserted
from services.notifications.handlers.rules import schemas_of
from services.notifications.handlers.security import on_login_burst


def _handlers(domain: str, base_url: str) -> dict[str, Handler]:
    """Every subject of a domain goes through the rules; an escalation is also kept and sent."""
    rules: Handler = partial(on_domain_event, base_url=base_url)
    handlers: dict[str, Handler] = {s: rules for s in sorted(schemas_of(domain))}
    if domain == "cases":
        handlers["cases.case.escalated"] = on_case_escalated  # type: ignore[assignment]
    return handlers


def consumer_specs(settings: Settings) -> list[ConsumerSpec]:
    """The streams and subjects this service consumes (links under the public address)."""
    base = settings.public_base_url()
    return [
        ConsumerSpec("CASES", _handlers("cases", base)),
        ConsumerSpec("COUNCILS", _handlers("councils", base)),
        ConsumerSpec("ANALYTICS", _handlers("analytics", base)),
        ConsumerSpec(
            "IDENTITY",
            {
                "identity.user.upserted": on_user_upserted,  # type: ignore[dict-item]
                "identity.login.burst_detected": on_login_burst,  # type: ignore[dict-item]
            },
        ),
    ]
