"""The read side of council practice notes: who reads one, how it is shown, what its item names.

A note is read by its author and by the current secretaries of its council; only they see its
source (the recommendation and the persons declared). The anonymity check compares a note with
the private persons the secretary declared plus the personal names the item itself records:
its rapporteur and the recommendation's responsible official.
"""

from __future__ import annotations

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim import preconditions
from kelisim.anonymity import Identifying
from kelisim.auth import Principal
from kelisim.problems import Problem
from services.councils import permissions
from services.councils.models import AgendaItem, Council, PracticeNote, Recommendation
from services.councils.schemas import CouncilNotePublic, CouncilNoteSource

LIMIT = 200


def note_etag(note: PracticeNote) -> str:
    """The note's entity tag: an edit sent with `If-Match` must name the current one."""
    return preconditions.etag_of({"id": note.id, "version": note.version})


def is_secretary(db: DbSession, council: Council, principal: Principal) -> bool:
    member = permissions.membership(db, council, principal)
    return member is not None and member.role == "secretary"


def readable_note(db: DbSession, principal: Principal, note_id: str) -> tuple[PracticeNote, bool]:
    """The note and whether the caller sees its source; 404 for anyone else."""
    note = db.get(PracticeNote, note_id)
    council = db.get(Council, note.council_id) if note is not None else None
    if note is None or council is None:
        raise Problem(404, "not-found", "No such practice note.")
    secretary = is_secretary(db, council, principal)
    if not secretary and note.author != principal.sub:
        raise Problem(404, "not-found", "No such practice note.")
    return note, secretary


def shown_note(
    db: DbSession, principal: Principal, note_id: str
) -> tuple[PracticeNote, CouncilNotePublic]:
    """The note and how this caller sees it; 404 for anyone else."""
    note, source = readable_note(db, principal, note_id)
    return note, note_public(note, source=source)


def note_public(note: PracticeNote, *, source: bool) -> CouncilNotePublic:
    """The note; its source only to the council's secretaries."""
    shown = None
    if source:
        shown = CouncilNoteSource(
            council_id=note.council_id,
            recommendation_id=note.recommendation_id,
            persons=list(note.persons),
        )
    fields = note.model_dump(exclude={"recommendation_id", "council_id", "persons"})
    return CouncilNotePublic(**fields, source=shown)


def my_notes(db: DbSession, principal: Principal) -> list[CouncilNotePublic]:
    """The caller's own notes, the most recently changed first."""
    rows = db.exec(
        select(PracticeNote)
        .where(PracticeNote.author == principal.sub)
        .order_by(col(PracticeNote.updated_at).desc(), col(PracticeNote.id).desc())
        .limit(LIMIT)
    )
    return [note_public(n, source=is_secretary(db, _council(db, n), principal)) for n in rows]


def _council(db: DbSession, note: PracticeNote) -> Council:
    council = db.get(Council, note.council_id)
    assert council is not None  # a foreign key
    return council


def identifying(db: DbSession, note: PracticeNote) -> Identifying:
    """The persons a note must not name: those declared, the rapporteur, the responsible."""
    recommendation = db.get(Recommendation, note.recommendation_id)
    assert recommendation is not None
    item = db.get(AgendaItem, recommendation.item_id)
    names = list(note.persons) + [recommendation.responsible]
    if item is not None and item.rapporteur:
        names.append(item.rapporteur)
    return Identifying(names=[n for n in names if n.strip()])
