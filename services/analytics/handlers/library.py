"""The library of practice: notes as their events make them, review and "useful" by members.

Every state of the library comes from an event, so a rebuild from the streams gives the same
library: a submitted note (`cases.`/`councils.practice_note.submitted`, a resubmission
replaces the text under review), a review and a mark (`analytics.practice_note.*`, which
this service publishes itself). A command applies its own event at once, through the same
function as the consumer (which then finds it applied), so the reviewer's next page shows
the decision; the consumer is what a rebuild replays.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from sqlalchemy import delete
from sqlmodel import col

from kelisim import preconditions
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events import Envelope
from kelisim.events import practice as pe
from kelisim.problems import Problem
from kelisim.settings import Settings
from kelisim.uow import UnitOfWork
from services.analytics.models import PracticeNote, PracticeNoteMark, PracticeNoteTerm
from services.analytics.terms import counts

UNDER_REVIEW, PUBLISHED, RETURNED = "under_review", "published", "returned"


@dataclass(frozen=True, kw_only=True)
class ReviewNote(Command):
    note_id: str
    decision: str  # approve | return
    remark: str = ""


@dataclass(frozen=True, kw_only=True)
class MarkUseful(Command):
    note_id: str
    marker: str


def etag(note: PracticeNote) -> str:
    return preconditions.etag_of({"id": note.note_id, "revision": note.revision})


def marker_of(settings: Settings, user_id: str) -> str:
    """The keyed hash standing for a member in marks and events (the key: the audit key's)."""
    from kelisim.anchors import load_signing_key

    raw = load_signing_key(settings).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key = hashlib.sha256(b"kelisim-library-marker:" + raw).digest()
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()


# --- applying events (live consumer, commands and rebuild alike) ---------------------------


def note_submitted(_env: Envelope, data: pe.CasePracticeNoteSubmitted, uow: UnitOfWork) -> None:
    """A new note, or a newer revision replacing the text (back under review)."""
    note = uow.session.get(PracticeNote, data.note_id, with_for_update=True)
    if note is not None and note.revision >= data.revision:
        return  # a duplicate or an older revision arriving late
    texts = {lang: text.model_dump() for lang, text in data.texts.items()}
    fields: dict[str, Any] = {
        "source_kind": data.source_kind,
        "revision": data.revision,
        "region": data.region,
        "category": data.category,
        "outcome": data.outcome,
        "language": data.language,
        "languages": ",".join(sorted(texts)),
        "texts": texts,
        "author_role": data.author_role,
        "submitted_at": data.submitted_at,
        "status": UNDER_REVIEW,
        "remark": "",
        "reviewer_region": None,
        "reviewed_at": None,
        "published_at": None,
    }
    if note is None:
        note = PracticeNote(note_id=data.note_id, **fields)
    else:
        for name, value in fields.items():
            setattr(note, name, value)
    uow.session.add(note)
    uow.session.flush()
    stale = delete(PracticeNoteTerm).where(col(PracticeNoteTerm.note_id) == note.note_id)
    uow.session.execute(stale)
    tally = counts((lang, value) for lang, text in texts.items() for value in text.values())
    uow.session.add_all(
        PracticeNoteTerm(note_id=note.note_id, term=term, count=n) for term, n in tally.items()
    )


def note_reviewed(_env: Envelope | None, data: pe.PracticeNoteReviewed, uow: UnitOfWork) -> None:
    """Apply a decision on the revision it was taken on (a later revision is reviewed anew)."""
    note = uow.session.get(PracticeNote, data.note_id, with_for_update=True)
    if note is None or note.revision != data.revision or note.status != UNDER_REVIEW:
        return
    note.status = PUBLISHED if data.decision == "approved" else RETURNED
    note.remark = data.remark
    note.reviewer_region = data.reviewer_region
    note.reviewed_at = data.reviewed_at
    note.published_at = data.reviewed_at if data.decision == "approved" else None
    uow.session.add(note)


def has_mark(uow: UnitOfWork, note_id: str, marker: str) -> bool:
    found: PracticeNoteMark | None = uow.session.get(PracticeNoteMark, (note_id, marker))
    return found is not None


def marked_useful(
    _env: Envelope | None, data: pe.PracticeNoteMarkedUseful, uow: UnitOfWork
) -> None:
    """Count a member's mark once."""
    note = uow.session.get(PracticeNote, data.note_id, with_for_update=True)
    if note is None or has_mark(uow, data.note_id, data.marker):
        return
    mark = PracticeNoteMark(note_id=data.note_id, marker=data.marker, marked_at=data.marked_at)
    uow.session.add(mark)
    note.useful += 1
    uow.session.add(note)


HANDLERS = {
    "CASES": {"cases.practice_note.submitted": note_submitted},
    "COUNCILS": {"councils.practice_note.submitted": note_submitted},
    "ANALYTICS": {
        "analytics.practice_note.reviewed": note_reviewed,
        "analytics.practice_note.marked_useful": marked_useful,
    },
}


# --- commands ------------------------------------------------------------------------------


def _state(note: PracticeNote) -> dict[str, object]:
    return {"status": note.status, "revision": note.revision, "remark": note.remark}


def review_note(cmd: ReviewNote, uow: UnitOfWork) -> PracticeNote:
    """Approve or return a note under review: a coordinator of another region than its own."""
    note = uow.session.get(PracticeNote, cmd.note_id, with_for_update=True)
    if note is None:
        raise Problem(404, "not-found", "No note by this id.")
    if note.region in cmd.principal.regions:
        raise Problem(403, "own-region", "A note of your own region is reviewed by another region.")
    if note.status != UNDER_REVIEW:
        raise Problem(409, "not-under-review", "This note is not waiting for a review.")
    preconditions.require(cmd.if_match, etag(note))
    remark = cmd.remark.strip()
    if cmd.decision == "return" and not remark:
        raise Problem(422, "remark-required", "Say what to change when returning a note.")
    before = _state(note)
    data = pe.PracticeNoteReviewed(
        note_id=note.note_id,
        revision=note.revision,
        source_kind=note.source_kind,
        decision="approved" if cmd.decision == "approve" else "returned",
        remark=remark,
        reviewer_region=min(cmd.principal.regions),
        reviewed_at=now(),
    )
    note_reviewed(None, data, uow)
    uow.audit(f"practice_note.{data.decision}", "practice_note", note.note_id,
              before=before, after=_state(note))  # fmt: skip
    uow.emit(data, aggregate=f"practice_note:{note.note_id}")
    return note


def mark_useful(cmd: MarkUseful, uow: UnitOfWork) -> PracticeNote:
    """Mark a published note useful, once per member."""
    note = uow.session.get(PracticeNote, cmd.note_id, with_for_update=True)
    if note is None or note.status != PUBLISHED:
        raise Problem(404, "not-found", "No published note by this id.")
    if has_mark(uow, note.note_id, cmd.marker):
        raise Problem(409, "already-marked", "You have already marked this note useful.")
    data = pe.PracticeNoteMarkedUseful(note_id=note.note_id, marker=cmd.marker, marked_at=now())
    before = note.useful
    marked_useful(None, data, uow)
    uow.audit("practice_note.marked_useful", "practice_note", note.note_id,
              before={"useful": before}, after={"useful": note.useful})  # fmt: skip
    uow.emit(data, aggregate=f"practice_note:{note.note_id}")
    return note
