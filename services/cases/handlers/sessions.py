"""Mediation sessions: scheduled, held, postponed or cancelled, with place and attendance."""

from __future__ import annotations

import hashlib

from kelisim.events.cases import SessionScheduled, SessionUpdated
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.common import Target, aggregate, begin, finish, party_of
from services.cases.models import Case, MediationSession, utc
from services.cases.schemas import SessionCreate, SessionUpdate

# From which session state each new state may be reached.
SESSION_MOVES: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"postponed"}),
    "held": frozenset({"scheduled", "postponed"}),
    "postponed": frozenset({"scheduled", "postponed"}),
    "cancelled": frozenset({"scheduled", "postponed"}),
}


def schedule_session(
    target: Target, cmd: SessionCreate, uow: UnitOfWork
) -> tuple[Case, MediationSession]:
    """Schedule a session in a mediation room."""
    current = begin(uow, target, "schedule_session")
    case = current.case
    session = MediationSession(case_id=case.id, scheduled_at=cmd.scheduled_at, place=cmd.place)
    uow.session.add(session)
    case = finish(
        uow, current, session=session.id, scheduled_at=cmd.scheduled_at.isoformat(), place=cmd.place
    )
    uow.emit(
        SessionScheduled(
            case_ref=case.id,
            session_ref=session.id,
            region=case.region,
            scheduled_at=cmd.scheduled_at,
        ),
        aggregate=aggregate(case),
    )
    return case, session


def update_session(
    target: Target, session_id: str, cmd: SessionUpdate, uow: UnitOfWork
) -> tuple[Case, MediationSession]:
    """Record that a session was held (attendance, notes), postponed or cancelled."""
    current = begin(uow, target, "update_session")
    case = current.case
    session = uow.session.get(MediationSession, session_id)
    if session is None or session.case_id != case.id:
        raise Problem(404, "not-found", "No such session in this case.")
    if session.status not in SESSION_MOVES[cmd.status]:
        raise Problem(
            409,
            "invalid-session-transition",
            f"A {session.status} session cannot become {cmd.status}.",
        )
    if cmd.status == "postponed" and cmd.scheduled_at is None:
        raise Problem(422, "date-required", "A postponed session needs its new date.")
    attendance = [party_of(uow, case, pid).id for pid in dict.fromkeys(cmd.attendance)]
    before = session.status
    session.status = cmd.status
    session.scheduled_at = cmd.scheduled_at or session.scheduled_at
    session.place = cmd.place or session.place
    session.attendance = ",".join(attendance)
    session.reason = cmd.reason
    if cmd.notes is not None:
        session.notes = cmd.notes
    uow.session.add(session)
    notes_digest = hashlib.sha256(cmd.notes.encode()).hexdigest() if cmd.notes else None
    case = finish(
        uow,
        current,
        session=session.id,
        session_before=before,
        session_status=cmd.status,
        attendance=attendance,
        notes_sha256=notes_digest,
    )
    uow.emit(
        SessionUpdated(
            case_ref=case.id,
            session_ref=session.id,
            region=case.region,
            status=cmd.status,
            scheduled_at=utc(session.scheduled_at),
        ),
        aggregate=aggregate(case),
    )
    return case, session
