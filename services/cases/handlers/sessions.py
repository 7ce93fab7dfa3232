"""Mediation sessions: scheduled, held, postponed or cancelled, with place and attendance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import col, select

from kelisim.clock import now
from kelisim.events.cases import SessionScheduled, SessionUpdated
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.steps import (
    CaseCommand,
    aggregate,
    open_case_step,
    party_of,
    record_step,
)
from services.cases.models import Case, MediationSession
from services.cases.schemas import SessionCreate, SessionUpdate

MEDIATION_ENDED = "mediation_ended"

# From which session state each new state may be reached.
SESSION_MOVES: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"postponed"}),
    "held": frozenset({"scheduled", "postponed"}),
    "postponed": frozenset({"scheduled", "postponed"}),
    "cancelled": frozenset({"scheduled", "postponed"}),
}


@dataclass(frozen=True, kw_only=True)
class ScheduleSession(CaseCommand):
    body: SessionCreate


@dataclass(frozen=True, kw_only=True)
class UpdateSession(CaseCommand):
    session_id: str
    body: SessionUpdate


def schedule_session(cmd: ScheduleSession, uow: UnitOfWork) -> tuple[Case, MediationSession]:
    """Schedule a session in a mediation room."""
    step = open_case_step(uow, cmd, "schedule_session")
    case, body = step.case, cmd.body
    session = MediationSession(case_id=case.id, scheduled_at=body.scheduled_at, place=body.place)
    uow.session.add(session)
    case = record_step(
        uow, step, session=session.id, scheduled_at=body.scheduled_at.isoformat(), place=body.place
    )
    uow.emit(
        SessionScheduled(
            case_ref=case.id,
            session_ref=session.id,
            region=case.region,
            scheduled_at=body.scheduled_at,
        ),
        aggregate=aggregate(case),
    )
    return case, session


def update_session(cmd: UpdateSession, uow: UnitOfWork) -> tuple[Case, MediationSession]:
    """Record that a session was held (attendance, notes), postponed or cancelled."""
    step = open_case_step(uow, cmd, "update_session")
    case, body = step.case, cmd.body
    session = uow.session.get(MediationSession, cmd.session_id)
    if session is None or session.case_id != case.id:
        raise Problem(404, "not-found", "No such session in this case.")
    if session.status not in SESSION_MOVES[body.status]:
        raise Problem(
            409,
            "invalid-session-transition",
            f"A {session.status} session cannot become {body.status}.",
        )
    if body.status == "postponed" and body.scheduled_at is None:
        raise Problem(422, "date-required", "A postponed session needs its new date.")
    when = body.scheduled_at or session.scheduled_at
    if body.status == "held" and when > now():
        raise Problem(
            422,
            "session-in-future",
            "A session dated in the future cannot have been held.",
            scheduled_at=when.isoformat(),
        )
    attendance = [party_of(uow, case, pid).id for pid in dict.fromkeys(body.attendance)]
    before = session.status
    session.status = body.status
    session.scheduled_at = body.scheduled_at or session.scheduled_at
    session.place = body.place or session.place
    session.attendance = ",".join(attendance)
    session.reason = body.reason
    session.reason_code = None
    if body.notes is not None:
        session.notes = body.notes
    uow.session.add(session)
    notes_digest = hashlib.sha256(body.notes.encode()).hexdigest() if body.notes else None
    case = record_step(
        uow,
        step,
        session=session.id,
        session_before=before,
        session_status=body.status,
        attendance=attendance,
        notes_sha256=notes_digest,
    )
    uow.session.flush()  # refresh reads the stored row: the change must be in it
    uow.session.refresh(session)  # the stored time, read back as aware UTC
    uow.emit(
        SessionUpdated(
            case_ref=case.id,
            session_ref=session.id,
            region=case.region,
            status=body.status,
            scheduled_at=session.scheduled_at,
        ),
        aggregate=aggregate(case),
    )
    return case, session


def cancel_pending(uow: UnitOfWork, case: Case) -> list[str]:
    """The sessions still ahead when a case's mediation ends (settled, not settled,
    terminated, withdrawn): cancelled, each announced as a cancelled session; their ids."""
    pending = uow.session.exec(
        select(MediationSession).where(
            MediationSession.case_id == case.id,
            col(MediationSession.status).in_(("scheduled", "postponed")),
        )
    ).all()
    for session in pending:
        session.status = "cancelled"
        # Its own reason: a postponement's reason no longer says why the session is off.
        session.reason = None
        session.reason_code = MEDIATION_ENDED
        uow.session.add(session)
        uow.emit(
            SessionUpdated(
                case_ref=case.id,
                session_ref=session.id,
                region=case.region,
                status="cancelled",
                scheduled_at=session.scheduled_at,
            ),
            aggregate=aggregate(case),
        )
    return [session.id for session in pending]
