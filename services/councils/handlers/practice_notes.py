"""Practice notes from an implemented recommendation: drafted by the council's secretary,
submitted once they name none of the item's private persons; the library's review comes back
and the note's author is told (`councils.practice_note.published` / `returned`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kelisim import practice_drafts as drafts
from kelisim import practice_notes as notes
from kelisim.commands import Command
from kelisim.events import Envelope
from kelisim.events.practice import (
    CouncilPracticeNotePublished,
    CouncilPracticeNoteReturned,
    CouncilPracticeNoteSubmitted,
    PracticeNoteReviewed,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils.models import Council, PracticeNote
from services.councils.practice import identifying, is_secretary, note_etag
from services.councils.public import DONE, status_of
from services.councils.queries import recommendation_with_council, responses_of
from services.councils.schemas import CouncilNoteCreate, CouncilNoteUpdate

# The library's outcome of an implemented recommendation, from its public status.
OUTCOMES = {"implemented": "implemented_on_time", "implemented_late": "implemented_late"}
NATIONAL = "KZ"  # the region of a note from a republic-level council


@dataclass(frozen=True, kw_only=True)
class DraftCouncilNote(Command):
    recommendation_id: str
    body: CouncilNoteCreate


def draft(cmd: DraftCouncilNote, uow: UnitOfWork) -> PracticeNote:
    """Start a note from a recommendation of the caller's council that was implemented."""
    db = uow.session
    recommendation, council = recommendation_with_council(db, cmd.recommendation_id)
    if not is_secretary(db, council, cmd.principal):
        raise Problem(403, "forbidden", "Only the council's secretary drafts its practice notes.")
    if recommendation.status not in DONE:
        raise Problem(
            409,
            "not-implemented",
            "A practice note is drafted from a recommendation that was implemented.",
            recommendation_status=recommendation.status,
        )
    public_status, _ = status_of(recommendation, responses_of(db, recommendation), date.max)
    note = PracticeNote(
        recommendation_id=recommendation.id,
        council_id=council.id,
        author=cmd.principal.sub,
        region=council.region or NATIONAL,
        category=cmd.body.category,
        outcome=OUTCOMES[public_status],
        language=cmd.body.language,
        texts=drafts.texts_of(cmd.body),
        persons=list(cmd.body.persons),
    )
    db.add(note)
    uow.audit(
        "practice_note.drafted",
        "practice_note",
        note.id,
        after={
            "recommendation_id": recommendation.id,
            "languages": sorted(cmd.body.texts),
            "persons_declared": len(cmd.body.persons),
        },
    )
    return note


def _own_note(
    uow: UnitOfWork, cmd: drafts.EditNote[Any] | drafts.SubmitNote, action: str
) -> PracticeNote:
    """The caller's note, locked, while they are still the council's secretary."""

    def authorise(note: PracticeNote) -> None:
        council = uow.session.get(Council, note.council_id)
        if council is None or note.author != cmd.principal.sub:
            raise Problem(404, "not-found", "No such practice note.")
        if not is_secretary(uow.session, council, cmd.principal):
            raise Problem(
                403, "forbidden", "Only the council's secretary edits its practice notes."
            )

    return drafts.own_note(uow, PracticeNote, cmd, action, authorise=authorise, etag=note_etag)


def edit(cmd: drafts.EditNote[CouncilNoteUpdate], uow: UnitOfWork) -> PracticeNote:
    """Change a draft or a returned note, and the persons it must not name."""
    note = _own_note(uow, cmd, "edit")
    before = {"language": note.language, "category": note.category, "persons": len(note.persons)}
    note.language = cmd.body.language
    note.category = cmd.body.category
    note.texts = drafts.texts_of(cmd.body)
    note.persons = list(cmd.body.persons)
    after = {"language": note.language, "category": note.category, "persons": len(note.persons)}
    drafts.record_edit(uow, note, before, after)
    return note


def submit(cmd: drafts.SubmitNote, uow: UnitOfWork) -> PracticeNote:
    """Check the note against the item's persons; if it names none, send it for review."""
    note = _own_note(uow, cmd, "submit")
    notes.require_anonymous(note.texts, identifying(uow.session, note))
    drafts.submit(
        uow, note, CouncilPracticeNoteSubmitted, texts=note.texts, author_role="council_secretary"
    )
    return note


def reviewed(envelope: Envelope, data: PracticeNoteReviewed, uow: UnitOfWork) -> None:
    """Consumer handler: the library published a note drafted here, or returned it."""
    drafts.review(uow, PracticeNote, data, source_kind="recommendation", told=TOLD, title=_title)


# What tells the note's author of the library's decision, by the note's new status.
TOLD = {
    notes.PUBLISHED: CouncilPracticeNotePublished,
    notes.RETURNED: CouncilPracticeNoteReturned,
}


def _title(note: PracticeNote) -> str:
    return str(note.texts[note.language]["title"])
