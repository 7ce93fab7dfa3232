"""Practice notes: drafted from a closed case, edited, submitted once anonymous; the review.

Drafting is open to the case's mediator and the coordinators of its region once the case is
closed (settled, not settled, terminated). Submission checks every text against what
identifies the case (kelisim.anonymity) and, only when nothing does, publishes the note's
checked text under its own random id. The library's review comes back as an event, and the
note's author is told (`cases.practice_note.published` / `returned`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kelisim import practice_drafts as drafts
from kelisim import practice_notes as notes
from kelisim.events import Envelope
from kelisim.events.practice import (
    CasePracticeNotePublished,
    CasePracticeNoteReturned,
    CasePracticeNoteSubmitted,
    PracticeNoteReviewed,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases import lifecycle, permissions
from services.cases.handlers.steps import CaseCommand
from services.cases.models import Case, PracticeNote
from services.cases.practice import identifying, may_read, note_etag
from services.cases.schemas import PracticeNoteCreate, PracticeNoteUpdate

# Which cases a note may be drafted from, and by whom (as a case step that moves nothing).
DRAFTING = lifecycle.Step(
    sources=frozenset(
        {lifecycle.SETTLED, lifecycle.NOT_SETTLED, lifecycle.TERMINATED, lifecycle.CLOSED}
    ),
    roles=lifecycle.BOTH,
    declared=True,
)


@dataclass(frozen=True, kw_only=True)
class DraftNote(CaseCommand):
    body: PracticeNoteCreate


def _texts(body: PracticeNoteCreate | PracticeNoteUpdate) -> str:
    return json.dumps(drafts.texts_of(body), ensure_ascii=False)


def draft(cmd: DraftNote, uow: UnitOfWork) -> PracticeNote:
    """Start a practice note from a closed case the caller mediated or coordinates."""
    case = permissions.readable(cmd.principal, uow.session.get(Case, cmd.case_id))
    role = permissions.acting_role(cmd.principal, case, "draft_practice_note", DRAFTING)
    if case.status not in DRAFTING.sources:
        raise Problem(
            409,
            "case-not-closed",
            "A practice note is drafted from a closed case.",
            case_status=case.status,
            allowed_from=sorted(DRAFTING.sources),
        )
    body = cmd.body
    note = PracticeNote(
        case_id=case.id,
        author=cmd.principal.sub,
        author_role=role,
        region=case.region,
        category=body.category or case.category,
        # A case closed after its settlement keeps "settled" as its outcome.
        outcome=case.outcome or case.status,
        language=body.language,
        texts=_texts(body),
    )
    uow.session.add(note)
    uow.audit(
        "practice_note.drafted",
        "practice_note",
        note.id,
        after={"case_id": case.id, "role": role, "languages": sorted(body.texts)},
    )
    return note


def _own_note(
    uow: UnitOfWork, cmd: drafts.EditNote[Any] | drafts.SubmitNote, action: str
) -> PracticeNote:
    """The caller's note, locked: 404 if unreadable, 403 if another's, 409/412 on state/version."""

    def authorise(note: PracticeNote) -> None:
        if not may_read(cmd.principal, note, uow.session.get(Case, note.case_id)):
            raise Problem(404, "not-found", "No such practice note.")
        if note.author != cmd.principal.sub:
            raise Problem(403, "forbidden", "Only the note's author edits and submits it.")

    return drafts.own_note(uow, PracticeNote, cmd, action, authorise=authorise, etag=note_etag)


def edit(cmd: drafts.EditNote[PracticeNoteUpdate], uow: UnitOfWork) -> PracticeNote:
    """Change a draft or a returned note (If-Match: the version its author read)."""
    note = _own_note(uow, cmd, "edit")
    before = {"language": note.language, "category": note.category}
    note.language = cmd.body.language
    note.category = cmd.body.category or note.category
    note.texts = _texts(cmd.body)
    after = {
        "language": note.language,
        "category": note.category,
        "languages": sorted(cmd.body.texts),
    }
    drafts.record_edit(uow, note, before, after)
    return note


def submit(cmd: drafts.SubmitNote, uow: UnitOfWork) -> PracticeNote:
    """Check the note against its case and, if nothing identifies the case, send it for review."""
    note = _own_note(uow, cmd, "submit")
    case = uow.session.get(Case, note.case_id)
    assert case is not None  # _own_note found it
    texts = json.loads(note.texts)
    notes.require_anonymous(texts, identifying(uow.session, case))
    drafts.submit(uow, note, CasePracticeNoteSubmitted, texts=texts, author_role=note.author_role)
    return note


def reviewed(envelope: Envelope, data: PracticeNoteReviewed, uow: UnitOfWork) -> None:
    """Consumer handler: the library published the note, or returned it with a remark."""
    audited = {"reviewer_region": data.reviewer_region}
    drafts.review(
        uow, PracticeNote, data, source_kind="case", told=TOLD, title=_title, audited=audited
    )


# What tells the note's author of the library's decision, by the note's new status.
TOLD = {notes.PUBLISHED: CasePracticeNotePublished, notes.RETURNED: CasePracticeNoteReturned}


def _title(note: PracticeNote) -> str:
    return str(json.loads(note.texts)[note.language]["title"])
