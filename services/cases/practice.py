"""The read side of practice notes: who may read a note, how it is shown, what its case reveals.

A note is read by its author and by those who may read its source case; the source (case id
and number) is shown only to the latter. Everything else about the case stays here: the
identifying facts the anonymity check compares a note against.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from kelisim import preconditions
from kelisim.anonymity import Identifying
from kelisim.auth import Principal
from kelisim.db import DriverStatement, table_of
from kelisim.localtime import local_date
from kelisim.problems import Problem
from services.cases import permissions
from services.cases.models import (
    Case,
    Consent,
    MediationSession,
    Obligation,
    Party,
    PracticeNote,
    Settlement,
    Signature,
)
from services.cases.schemas import PracticeNotePublic, PracticeNoteSource

# A moment pins the case down on the day it was in UTC and in Kazakhstan (UTC+5).
LIMIT = 200  # an author's notes on one page: a mediator writes a few a year


def note_etag(note: PracticeNote) -> str:
    """The note's entity tag: an edit sent with `If-Match` must name the current one."""
    return preconditions.etag_of({"id": note.id, "version": note.version})


def may_read(principal: Principal, note: PracticeNote, case: Case | None) -> bool:
    return note.author == principal.sub or (
        case is not None and permissions.can_read(principal, case)
    )


def readable_note(db: Session, principal: Principal, note_id: str) -> tuple[PracticeNote, Case]:
    """The note and its case if the caller may read the note; 404 otherwise."""
    note = db.get(PracticeNote, note_id)
    case = db.get(Case, note.case_id) if note is not None else None
    if note is None or case is None or not may_read(principal, note, case):
        raise Problem(404, "not-found", "No such practice note.")
    return note, case


def shown_note(
    db: Session, principal: Principal, note_id: str
) -> tuple[PracticeNote, PracticeNotePublic]:
    """The note and how this caller sees it; 404 for whoever may not read it."""
    note, case = readable_note(db, principal, note_id)
    return note, note_public(principal, note, case)


def note_public(principal: Principal, note: PracticeNote, case: Case) -> PracticeNotePublic:
    """The note as this caller may see it (its source only to readers of the case)."""
    source = None
    if permissions.can_read(principal, case):
        source = PracticeNoteSource(case_id=case.id, number=case.number)
    fields = note.model_dump(exclude={"case_id", "texts"})
    return PracticeNotePublic(**fields, texts=json.loads(note.texts), source=source)


def my_notes(db: Session, principal: Principal) -> list[PracticeNotePublic]:
    """The caller's own notes, the most recently changed first."""
    rows = db.exec(
        select(PracticeNote, Case)
        .join(Case, col(Case.id) == col(PracticeNote.case_id))
        .where(PracticeNote.author == principal.sub)
        .order_by(col(PracticeNote.updated_at).desc(), col(PracticeNote.id).desc())
        .limit(LIMIT)
    )
    return [note_public(principal, note, case) for note, case in rows]


def notes_of_case(db: Session, principal: Principal, case: Case) -> list[PracticeNotePublic]:
    """The notes drafted from a case the caller reads, oldest first."""
    rows = db.exec(
        select(PracticeNote)
        .where(PracticeNote.case_id == case.id)
        .order_by(col(PracticeNote.created_at), col(PracticeNote.id))
    )
    return [note_public(principal, note, case) for note in rows]


# What `identifying` reads, built once and run by the driver (kelisim.db.DriverStatement):
# it runs on every escalation, inside its unit of work, and needs a few columns, not entities.
_PARTY, _SESSION = table_of(Party), table_of(MediationSession)
_SETTLEMENT, _SIGNATURE = table_of(Settlement), table_of(Signature)
_CONSENT, _OBLIGATION = table_of(Consent), table_of(Obligation)
_CASE_ID = bindparam("case_id")
_PARTIES = (
    select(_PARTY.c.name, _PARTY.c.phone, _PARTY.c.email, _PARTY.c.address)
    .where(_PARTY.c.case_id == _CASE_ID)
    .order_by(_PARTY.c.position)
)
_SESSIONS = select(_SESSION.c.scheduled_at, _SESSION.c.place).where(_SESSION.c.case_id == _CASE_ID)
_SETTLEMENTS = select(_SETTLEMENT.c.id, _SETTLEMENT.c.signed_on).where(
    _SETTLEMENT.c.case_id == _CASE_ID
)
_CONSENT_DAYS = select(_CONSENT.c.given_on).where(_CONSENT.c.case_id == _CASE_ID)
_DUE_DAYS = select(_OBLIGATION.c.due_on).where(_OBLIGATION.c.case_id == _CASE_ID)
_SIGNED_DAYS = select(_SIGNATURE.c.signed_on).where(
    _SIGNATURE.c.settlement_id.in_(bindparam("settlements", expanding=True))
)


def identifying(db: Session, case: Case) -> Identifying:
    """What identifies a case: its parties, number and the dates of its steps."""
    conn = db.connection()

    def read(stmt: Any, **params: Any) -> list[Any]:
        return DriverStatement.of(stmt, conn.dialect).typed_rows(conn, params)

    parties = read(_PARTIES, case_id=case.id)
    sessions = read(_SESSIONS, case_id=case.id)
    settlements = read(_SETTLEMENTS, case_id=case.id)
    days: set[date] = {d for d in (case.agreement_signed_on, case.deadline) if d}
    moments: list[datetime | None] = [case.registered_at, case.closed_at]
    moments += [s.scheduled_at for s in sessions]
    days |= {d for m in moments if m is not None for d in (m.date(), local_date(m))}
    days |= {s.signed_on for s in settlements}
    days |= {row.given_on for row in read(_CONSENT_DAYS, case_id=case.id)}
    days |= {row.due_on for row in read(_DUE_DAYS, case_id=case.id)}
    if settlements:
        signed = read(_SIGNED_DAYS, settlements=[s.id for s in settlements])
        days |= {row.signed_on for row in signed}
    return Identifying(
        names=[p.name for p in parties],
        phones=[p.phone for p in parties if p.phone],
        emails=[p.email for p in parties if p.email],
        addresses=[p.address for p in parties if p.address] + [s.place for s in sessions],
        numbers=[case.number],
        dates=sorted(days),
    )
