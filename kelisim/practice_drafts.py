"""The steps of a practice note both drafting services take alike: edit, submit, review.

kelisim.practice_notes holds the rules (states, texts, the anonymity check, the public
fields); this module the handlers' shared steps on a stored note. Each service keeps what
is its own: which record a note is drafted from, who may draft and edit it, what identifies
its source, and how it stores the texts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlmodel import col, select

from kelisim import preconditions
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.practice import (
    CasePracticeNoteSubmitted,
    CouncilPracticeNoteSubmitted,
    PracticeNoteDecided,
    PracticeNoteReviewed,
)
from kelisim.practice_notes import (
    SUBMITTED,
    NoteTexts,
    event_texts,
    require_status,
    review_outcome,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork

B = TypeVar("B", bound=NoteTexts)


class StoredNote(Protocol):
    """The columns every service's practice-note table has."""

    id: str
    author: str
    region: str
    category: str
    outcome: str
    language: str
    status: str
    revision: int
    remark: str
    updated_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    version: int


N = TypeVar("N", bound=StoredNote)


@dataclass(frozen=True, kw_only=True)
class EditNote(Command, Generic[B]):
    note_id: str
    body: B


@dataclass(frozen=True, kw_only=True)
class SubmitNote(Command):
    note_id: str


def texts_of(body: NoteTexts) -> dict[str, dict[str, str]]:
    """A note's texts by language, as plain dicts to store."""
    return {lang: text.model_dump() for lang, text in body.texts.items()}


def own_note(
    uow: UnitOfWork,
    model: type[N],
    cmd: EditNote[Any] | SubmitNote,
    action: str,
    *,
    authorise: Callable[[N], None],
    etag: Callable[[N], str],
) -> N:
    """The note, locked: 404 if none, then `authorise` (404/403), then 409 state, 412 stale."""
    note = uow.session.exec(
        select(model).where(col(model.id) == cmd.note_id).with_for_update()
    ).first()
    if note is None:
        raise Problem(404, "not-found", "No such practice note.")
    authorise(note)
    require_status(action, note.status)
    preconditions.require(cmd.if_match, etag(note))
    return note


def record_edit(
    uow: UnitOfWork, note: StoredNote, before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Count an edit the service made to the note's fields, and audit it."""
    note.updated_at = now()
    note.version += 1
    uow.session.add(note)
    uow.audit("practice_note.edited", "practice_note", note.id, before=before, after=after)


def submit(
    uow: UnitOfWork,
    note: StoredNote,
    event: type[CasePracticeNoteSubmitted] | type[CouncilPracticeNoteSubmitted],
    *,
    texts: Mapping[str, Mapping[str, str]],
    author_role: str,
) -> None:
    """Send a note that passed the anonymity check for review: the next revision, audited,
    and its checked text as the service's `*.practice_note.submitted` event."""
    before = {"status": note.status, "revision": note.revision}
    moment = now()
    note.status = SUBMITTED
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
        event(
            note_id=note.id,
            revision=note.revision,
            region=note.region,
            category=note.category,
            outcome=note.outcome,
            language=note.language,
            texts=event_texts(texts),
            author_role=author_role,
            submitted_at=moment,
        ),
        aggregate=f"practice_note:{note.id}",
    )


def review(
    uow: UnitOfWork,
    model: type[N],
    data: PracticeNoteReviewed,
    *,
    source_kind: str,
    told: Mapping[str, type[PracticeNoteDecided]],
    title: Callable[[N], str],
    audited: Mapping[str, Any] | None = None,
) -> None:
    """Apply the library's review of a note drafted here (published or returned with a
    remark) and tell its author by the service's event in `told` for the new status
    (`*.practice_note.published` / `returned`, without the remark); a review of another
    source, an unknown note or an earlier revision changes nothing. `audited` adds to the
    audit entry's after-state."""
    if data.source_kind != source_kind:
        return
    note = uow.session.get(model, data.note_id)
    if note is None:
        return
    status = review_outcome(note.status, note.revision, data)
    if status is None:
        return  # a decision on an earlier revision: the current one awaits its own
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
        after={"status": status, "revision": note.revision, "remark": data.remark}
        | dict(audited or {}),
    )
    uow.emit(
        told[status](
            note_id=note.id,
            revision=note.revision,
            region=note.region,
            category=note.category,
            title=title(note),
            author=note.author,
            reviewed_at=data.reviewed_at,
        ),
        aggregate=f"practice_note:{note.id}",
    )
