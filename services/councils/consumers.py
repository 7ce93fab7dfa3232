"""Events the councils service consumes: the library's review of its practice notes."""

from __future__ import annotations

from kelisim.bus.consumer import ConsumerSpec
from kelisim.events import Envelope
from kelisim.events.practice import PracticeNoteReviewed
from kelisim.uow import UnitOfWork
from services.councils.handlers import practice_notes


def on_practice_note_reviewed(
    envelope: Envelope, data: PracticeNoteReviewed, uow: UnitOfWork
) -> None:
    """The library published a note drafted here, or returned it with a remark."""
    practice_notes.reviewed(envelope, data, uow)


CONSUMERS = [
    ConsumerSpec("ANALYTICS", {"analytics.practice_note.reviewed": on_practice_note_reviewed}),
]
