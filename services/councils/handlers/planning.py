"""Sessions before the sitting: planning, rescheduling and cancelling (the reason given for
either is published beside the session, so it must identify no one)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session as DbSession
from sqlmodel import select

from kelisim.anonymity import Identifying, require_none_in
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.councils import SessionCancelled, SessionPlanned, SessionRescheduled
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import lifecycle, permissions
from services.councils.models import Council, Member, Session
from services.councils.queries import get, session_with_council
from services.councils.schemas import SessionCancel, SessionCreate, SessionReschedule


@dataclass(frozen=True, kw_only=True)
class PlanSession(Command):
    council_id: str
    body: SessionCreate


def plan_session(cmd: PlanSession, uow: UnitOfWork) -> Session:
    """The secretary plans a session of their council."""
    db = uow.session
    council = get(db, Council, cmd.council_id)
    lifecycle.check("session", "plan", "new", permissions.role_in(db, council, cmd.principal))
    session = Session(council_id=council.id, **cmd.body.model_dump())
    db.add(session)
    uow.audit("session.planned", "session", session.id, after=cmd.body.model_dump(mode="json"))
    uow.emit(
        SessionPlanned(
            council_id=council.id,
            session_id=session.id,
            region=council.region,
            starts_at=cmd.body.starts_at,
        ),
        aggregate=f"council:{council.id}",
    )
    return session


@dataclass(frozen=True, kw_only=True)
class RescheduleSession(Command):
    session_id: str
    body: SessionReschedule


@dataclass(frozen=True, kw_only=True)
class CancelSession(Command):
    session_id: str
    body: SessionCancel


def _before_sitting(action: str, session: Session, role: str | None) -> str:
    """The state after `action`; a sitting that began is refused with its own kind (409)."""
    if role in lifecycle.SECRETARY and session.status in {"held", "closed"}:
        raise Problem(
            409,
            "session-already-held",
            "A sitting that has begun cannot be moved or cancelled.",
            state=session.status,
        )
    return lifecycle.check("session", action, session.status, role)


def require_publishable(db: DbSession, council: Council, reason: str) -> None:
    """422 `personal-data-in-public-reason` when the reason holds what identifies anyone (a
    name written with initials or a patronymic, a phone, e-mail, street address, exact date,
    IIN or BIN, bank account, document number or link: kelisim.anonymity, as for analytics'
    proposals), or the name of one of the council's members in any spelling ("Ахметов
    заболел"): the public pages show it beside the session. The findings say the kind and
    position, never the words."""
    members = db.exec(select(Member.full_name).where(Member.council_id == council.id)).all()
    require_none_in(
        reason,
        Identifying(names=list(members)),
        kind="personal-data-in-public-reason",
        detail="The reason is shown on the public pages: remove the names, contacts, addresses, "
        "exact dates, IINs, bank account numbers, document numbers and links it holds.",
        field="reason",
        error_type="public_personal_data",
    )


def reschedule_session(cmd: RescheduleSession, uow: UnitOfWork) -> Session:
    """The secretary moves a session not yet held to another time (and place), saying why."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    role = permissions.role_in(db, council, cmd.principal)
    _before_sitting("reschedule", session, role)
    # Members would be told it "now starts" at a time gone by. A new session may be planned in
    # the past (a sitting held on paper is recorded); a planned one is only moved ahead.
    if cmd.body.starts_at <= now():
        raise Problem(
            422,
            "moved-into-past",
            "A session is moved only to a time still to come.",
            starts_at=cmd.body.starts_at.isoformat(),
            errors=[
                {
                    "loc": ["body", "starts_at"],
                    "type": "moved_into_past",
                    "msg": "The new time has passed.",
                }
            ],
        )
    place = session.place if cmd.body.place is None else cmd.body.place
    if not place and not session.online_link:
        raise Problem(422, "place_or_link", "Give a place or an online link.")
    require_publishable(db, council, cmd.body.reason)
    before = {"starts_at": session.starts_at.isoformat(), "place": session.place}
    previous = session.starts_at
    session.starts_at = cmd.body.starts_at
    session.place = place
    session.sequence += 1
    session.moved_from = previous
    session.public_reason = cmd.body.reason
    db.add(session)
    uow.audit(
        "session.rescheduled",
        "session",
        session.id,
        before=before,
        after={
            "starts_at": session.starts_at.isoformat(),
            "place": place,
            "reason": cmd.body.reason,
        },
    )
    uow.emit(
        SessionRescheduled(
            council_id=council.id,
            session_id=session.id,
            region=council.region,
            starts_at=session.starts_at,
            place=place or session.online_link or "",
            previous_starts_at=previous,
            sequence=session.sequence,
            council_name=council.name,
            session_title=session.title,
            reason=cmd.body.reason,
        ),
        aggregate=f"council:{council.id}",
    )
    return session


def cancel_session(cmd: CancelSession, uow: UnitOfWork) -> Session:
    """The secretary calls off a session not yet held, saying why: it is never held."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    role = permissions.role_in(db, council, cmd.principal)
    before = session.status
    status = _before_sitting("cancel", session, role)
    require_publishable(db, council, cmd.body.reason)
    session.status = status
    session.cancelled_at = now()
    session.sequence += 1
    session.public_reason = cmd.body.reason
    db.add(session)
    uow.audit(
        "session.cancelled",
        "session",
        session.id,
        before={"status": before},
        after={"status": session.status, "reason": cmd.body.reason},
    )
    uow.emit(
        SessionCancelled(
            council_id=council.id,
            session_id=session.id,
            region=council.region,
            starts_at=session.starts_at,
            sequence=session.sequence,
            council_name=council.name,
            session_title=session.title,
            reason=cmd.body.reason,
        ),
        aggregate=f"council:{council.id}",
    )
    return session
