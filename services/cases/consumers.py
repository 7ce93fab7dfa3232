"""Events the cases service consumes: a liaison's acknowledgement, the staff directory, reviews."""

from __future__ import annotations

from kelisim.bus.consumer import ConsumerSpec
from kelisim.events import Envelope
from kelisim.events.identity import UserUpserted
from kelisim.events.notifications import EscalationAcknowledged
from kelisim.events.practice import PracticeNoteReviewed
from kelisim.uow import UnitOfWork
from services.cases.handlers import escalation, practice_notes
from services.cases.handlers.staff import record_staff_member


def on_escalation_acknowledged(
    envelope: Envelope, data: EscalationAcknowledged, uow: UnitOfWork
) -> None:
    """Record "accepted by police at ..." on the escalation and the case's timeline."""
    escalation.acknowledge(data, uow)


def on_user_upserted(envelope: Envelope, data: UserUpserted, uow: UnitOfWork) -> None:
    """Keep the staff directory that assignment checks mediators against."""
    record_staff_member(envelope, data, uow)


def on_practice_note_reviewed(
    envelope: Envelope, data: PracticeNoteReviewed, uow: UnitOfWork
) -> None:
    """The library published a note drafted here, or returned it with a remark."""
    practice_notes.reviewed(envelope, data, uow)


CONSUMERS = [
    ConsumerSpec(
        "NOTIFICATIONS", {"notifications.escalation.acknowledged": on_escalation_acknowledged}
    ),
    ConsumerSpec("IDENTITY", {"identity.user.upserted": on_user_upserted}),
    ConsumerSpec("ANALYTICS", {"analytics.practice_note.reviewed": on_practice_note_reviewed}),
]
