"""What the notifications service consumes: event subject -> handler, inbox-guarded."""

from __future__ import annotations

from kelisim.bus.consumer import ConsumerSpec
from kelisim.events import Envelope
from kelisim.events.cases import CaseRegistered
from kelisim.events.councils import CouncilCreated
from kelisim.events.notifications import NotificationCreated
from kelisim.uow import UnitOfWork
from services.notifications.models import Notification


def _notify(uow: UnitOfWork, envelope: Envelope, role: str, region: str | None, summary: str) -> None:
    note = Notification(
        source_event_id=envelope.id,
        topic=envelope.nats_subject,
        audience_role=role,
        region=region,
        summary=summary,
    )
    uow.session.add(note)
    uow.audit("notification.created", "notification", note.id, after={"topic": note.topic, "role": role})
    uow.emit(
        NotificationCreated(
            notification_id=note.id, recipient=f"role:{role}", topic=note.topic,
            source_event_id=envelope.id,
        ),
        aggregate=f"notification:{note.id}",
    )


def on_case_registered(envelope: Envelope, data: CaseRegistered, uow: UnitOfWork) -> None:
    """Tell the region's coordinators that a case was registered."""
    _notify(uow, envelope, "coordinator", data.region, f"case {data.number} registered")


def on_council_created(envelope: Envelope, data: CouncilCreated, uow: UnitOfWork) -> None:
    """Tell council secretaries that a council was created."""
    _notify(uow, envelope, "council_secretary", data.region, f"council {data.name} created")


CONSUMERS = [
    ConsumerSpec("CASES", {"cases.case.registered": on_case_registered}),
    ConsumerSpec("COUNCILS", {"councils.council.created": on_council_created}),
]
