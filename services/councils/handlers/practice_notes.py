"""Practice notes from an implemented recommendation: drafted by the council's secretary,
submitted once they name none of the item's private persons; the library's review comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from kelisim import practice_notes as notes
from kelisim import preconditions
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events import Envelope
from kelisim.events.practice import CouncilPracticeNoteSubmitted, PracticeNoteReviewed
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


@dataclass(frozen=True, kw_only=True)
class EditCouncilNote(Command):
    note_id: str
    body: CouncilNoteUpdate


@dataclass(frozen=True, kw_only=True)
class SubmitCouncilNote(Command):
    note_id: str


def _texts(body: CouncilNoteCreate | CouncilNoteUpdate) -> dict[str, dict[str, str]]:
    return {lang: text.model_dump() for lang, text in body.texts.items()}


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
        texts=_texts(cmd.body),
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
    uow: UnitOfWork, cmd: EditCouncilNote | SubmitCouncilNote, action: str
) -> PracticeNote:
    """The caller's note, locked, while they are still the council's secretary."""
    note = uow.session.exec(
        select(PracticeNote).where(PracticeNote.id == cmd.note_id).with_for_update()
    ).first()
    council = uow.session.get(Council, note.council_id) if note is not None else None
    if note is None or council is None or note.author != cmd.principal.sub:
        raise Problem(404, "not-found", "No such practice note.")
    if not is_secretary(uow.session, council, cmd.principal):
        raise Problem(403, "forbidden", "Only the council's secretary edits its practice notes.")
    notes.require_status(action, note.status)
    preconditions.require(cmd.if_match, note_etag(note))
    return note


def edit(cmd: EditCouncilNote, uow: UnitOfWork) -> PracticeNote:
    """Change a draft or a returned note, and the persons it must not name."""
    note = _own_note(uow, cmd, "edit")
    before = {"language": note.language, "category": note.category, "persons": len(note.persons)}
    note.language = cmd.body.language
    note.category = cmd.body.category
    note.texts = _texts(cmd.body)
    note.persons = list(cmd.body.persons)
    note.updated_at = now()
    note.version += 1
    uow.session.add(note)
    uow.audit(
        "practice_note.edited",
        "practice_note",
        note.id,
        before=before,
        after={"language": note.language, "category": note.category, "persons": len(note.persons)},
    )
    return note


def submit(cmd: SubmitCouncilNote, uow: UnitOfWork) -> PracticeNote:
    """Check the note against the item's persons; if it names none, send it for review."""
    note = _own_note(uow, cmd, "submit")
    notes.require_anonymous(note.texts, identifying(uow.session, note))
    before = {"status": note.status, "revision": note.revision}
    moment = now()
    note.status = notes.SUBMITTED
    note.revision += 1
    note.submitted_at = note.updated_at = moment
    note.version += 1
    uow.session.add(note)
    uow.audit(
        "practice_note.submitted",
        "practice_note",
        note.id,
        before=before,
        after={"status": note.status, "revision": note.revision},
    )
    uow.emit(
        CouncilPracticeNoteSubmitted(
            note_id=note.id,
            revision=note.revision,
            region=note.region,
            category=note.category,
            outcome=note.outcome,  # type: ignore[arg-type]
            language=note.language,  # type: ignore[arg-type]
            texts=notes.event_texts(note.texts),
            author_role="council_secretary",
            submitted_at=moment,
        ),
        aggregate=f"practice_note:{note.id}",
    )
    return note


def reviewed(envelope: Envelope, data: PracticeNoteReviewed, uow: UnitOfWork) -> None:
    """Consumer handler: the library published a note drafted here, or returned it."""
    if data.source_kind != "recommendation":
        return
    note = uow.session.get(PracticeNote, data.note_id)
    if note is None:
        return
    status = notes.review_outcome(note.status, note.revision, data)
    if status is None:
        return
    before = {"status": note.status}
    note.status = status
    note.remark = data.remark
    note.reviewed_at = data.reviewed_at
    note.updated_at = now()
    note.version += 1
    uow.session.add(note)
    uow.audit(
        f"practice_note.{status}",
        "practice_note",
        note.id,
        before=before,
        after={"status": status, "revision": note.revision, "remark": data.remark},
    )
