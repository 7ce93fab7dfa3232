"""Events the cases service consumes: a liaison's acknowledgement of an escalation."""

from __future__ import annotations

from kelisim.bus.consumer import ConsumerSpec
from kelisim.events import Envelope
from kelisim.events.notifications import EscalationAcknowledged
from kelisim.uow import UnitOfWork
from services.cases.handlers import escalation


def on_escalation_acknowledged(
    envelope: Envelope, data: EscalationAcknowledged, uow: UnitOfWork
) -> None:
    """Record "accepted by police at ..." on the escalation and the case's timeline."""
    escalation.acknowledge(data, uow)


CONSUMERS = [
    ConsumerSpec(
        "NOTIFICATIONS", {"notifications.escalation.acknowledged": on_escalation_acknowledged}
    ),
]
