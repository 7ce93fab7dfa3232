"""Sessions: planning, agenda and materials, convening, attendance, holding, closing;
rescheduling or cancelling before the sitting opens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session as DbSession
from sqlmodel import func, select

from kelisim.anonymity import Identifying, check
from kelisim.auth import Principal
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.councils import (
    SessionCancelled,
    SessionClosed,
    SessionConvened,
    SessionHeld,
    SessionPlanned,
    SessionRescheduled,
)
from kelisim.localtime import local_date
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import lifecycle, permissions
from services.councils.models import AgendaItem, Attendance, Council, Document, Session
from services.councils.queries import (
    agenda,
    get,
    present_usernames,
    quorum,
    session_with_council,
    sitting_members,
    took_part_in_votes,
)
from services.councils.schemas import (
    AttendanceUpdate,
    ItemCreate,
    SessionCancel,
    SessionCreate,
    SessionReschedule,
)


def _role(db: DbSession, council: Council, principal: Principal) -> str | None:
    member = permissions.membership(db, council, principal)
    return member.role if member else None


@dataclass(frozen=True, kw_only=True)
class PlanSession(Command):
    council_id: str
    body: SessionCreate


def plan_session(cmd: PlanSession, uow: UnitOfWork) -> Session:
    """The secretary plans a session of their council."""
    db = uow.session
    council = get(db, Council, cmd.council_id)
    lifecycle.check("session", "plan", "new", _role(db, council, cmd.principal))
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
class AddItem(Command):
    session_id: str
    body: ItemCreate


def add_item(cmd: AddItem, uow: UnitOfWork) -> AgendaItem:
    """The secretary puts an item on the agenda before the session is held."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    lifecycle.check("session", "add_item", session.status, _role(db, council, cmd.principal))
    count = db.exec(
        select(func.count()).select_from(AgendaItem).where(AgendaItem.session_id == session.id)
    ).one()
    item = AgendaItem(session_id=session.id, position=count + 1, **cmd.body.model_dump())
    db.add(item)
    uow.audit("item.added", "agenda_item", item.id, after=cmd.body.model_dump(mode="json"))
    return item


@dataclass(frozen=True, kw_only=True)
class AddMaterial(Command):
    item_id: str
    filename: str
    media_type: str
    content: bytes
    max_bytes: int


def add_material(cmd: AddMaterial, uow: UnitOfWork) -> Document:
    """The secretary attaches a document to an agenda item; its SHA-256 is kept and audited."""
    db = uow.session
    item = get(db, AgendaItem, cmd.item_id)
    session, council = session_with_council(db, item.session_id)
    role = _role(db, council, cmd.principal)
    lifecycle.check("session", "add_material", session.status, role)
    if not cmd.content:
        raise Problem(422, "empty-document", "The document is empty.")
    if len(cmd.content) > cmd.max_bytes:
        raise Problem(413, "document-too-large", f"Documents are limited to {cmd.max_bytes} bytes.")
    document = Document(
        item_id=item.id,
        filename=cmd.filename,
        media_type=cmd.media_type,
        size=len(cmd.content),
        sha256=hashlib.sha256(cmd.content).hexdigest(),
        content=cmd.content,
        uploaded_by=cmd.principal.sub,
    )
    db.add(document)
    uow.audit(
        "material.added",
        "document",
        document.id,
        after={"item_id": item.id, "filename": document.filename, "sha256": document.sha256},
    )
    return document


@dataclass(frozen=True, kw_only=True)
class ConveneSession(Command):
    session_id: str


@dataclass(frozen=True, kw_only=True)
class HoldSession(Command):
    session_id: str


@dataclass(frozen=True, kw_only=True)
class CloseSession(Command):
    session_id: str


def convene_session(cmd: ConveneSession, uow: UnitOfWork) -> Session:
    """The secretary convenes the session: members get the notice with date, place and agenda."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    role = _role(db, council, cmd.principal)
    session.status = lifecycle.check("session", "convene", session.status, role)
    items = agenda(db, session)
    if not items:
        raise Problem(409, "empty-agenda", "A session is convened with its agenda.")
    session.convened_at = now()
    db.add(session)
    members = sitting_members(db, session)
    uow.audit(
        "session.convened",
        "session",
        session.id,
        before={"status": "planned"},
        after={"status": session.status},
    )
    uow.emit(
        SessionConvened(
            council_id=council.id,
            session_id=session.id,
            region=council.region,
            starts_at=session.starts_at,
            place=session.place or session.online_link or "",
            online_link=session.online_link,
            agenda=[next(iter(i.titles.values())) for i in items],
            members=sorted(m.username for m in members),
            council_name=council.name,
            session_title=session.title,
        ),
        aggregate=f"council:{council.id}",
    )
    return session


@dataclass(frozen=True, kw_only=True)
class RegisterAttendance(Command):
    session_id: str
    body: AttendanceUpdate


def register_attendance(cmd: RegisterAttendance, uow: UnitOfWork) -> Session:
    """The secretary marks current members present or absent (never while a vote is open).

    A late arrival may still be marked present; a member the record already shows present
    (who voted, recused, or was counted at a closed vote) may not be marked absent, or the
    minutes would list them absent beside their vote and a quorum they made.
    """
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    role = _role(db, council, cmd.principal)
    lifecycle.check("session", "register_attendance", session.status, role)
    open_votes = [i for i in agenda(db, session) if i.vote_status == "open"]
    if open_votes:
        raise Problem(409, "vote-open", "Attendance is fixed while a vote is open.")
    current = {m.username for m in sitting_members(db, session)}
    unknown = sorted({m.username for m in cmd.body.marks} - current)
    if unknown:
        raise Problem(422, "not-a-member", "Only current members attend.", usernames=unknown)
    took_part = took_part_in_votes(db, session)
    leaving = sorted({m.username for m in cmd.body.marks if not m.present} & took_part)
    if leaving:
        raise Problem(
            409,
            "took-part-in-vote",
            "A member who voted, recused or was counted at a closed vote was present: "
            "they cannot be marked absent.",
            usernames=leaving,
        )
    changes = {}
    for mark in cmd.body.marks:
        row = db.exec(
            select(Attendance).where(
                Attendance.session_id == session.id, Attendance.username == mark.username
            )
        ).first()
        if row is None:
            row = Attendance(session_id=session.id, username=mark.username, present=mark.present)
        row.present = mark.present
        db.add(row)
        changes[mark.username] = mark.present
    uow.audit("session.attendance", "session", session.id, after=changes)
    return session


def hold_session(cmd: HoldSession, uow: UnitOfWork) -> Session:
    """The secretary opens the sitting; the quorum is computed from the attendance."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    role = _role(db, council, cmd.principal)
    session.status = lifecycle.check("session", "hold", session.status, role)
    session.held_at = now()
    before: dict[str, object] = {"status": "convened"}
    after: dict[str, object] = {"status": session.status}
    if local_date(session.held_at) < local_date(session.starts_at):
        # It sits ahead of its planned day: it moves to now, so that its page, the public
        # calendar (a new SEQUENCE) and its minutes give the one day it sat.
        before["starts_at"] = session.starts_at.isoformat()
        session.starts_at = session.held_at
        session.sequence += 1
        after["starts_at"] = session.starts_at.isoformat()
    db.add(session)
    members = sitting_members(db, session)
    result = quorum(council, members, present_usernames(db, session, members))
    uow.audit(
        "session.held",
        "session",
        session.id,
        before=before,
        after={**after, "quorum": result.model_dump()},
    )
    uow.emit(
        SessionHeld(
            council_id=council.id,
            session_id=session.id,
            region=council.region,
            present=result.present,
            members=result.members,
            quorum=result.reached,
        ),
        aggregate=f"council:{council.id}",
    )
    return session


def close_session(cmd: CloseSession, uow: UnitOfWork) -> Session:
    """The secretary closes the session once no vote is open."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    role = _role(db, council, cmd.principal)
    session.status = lifecycle.check("session", "close", session.status, role)
    if any(i.vote_status == "open" for i in agenda(db, session)):
        raise Problem(409, "vote-open", "Close the open vote before closing the session.")
    session.closed_at = now()
    db.add(session)
    uow.audit(
        "session.closed",
        "session",
        session.id,
        before={"status": "held"},
        after={"status": session.status},
    )
    uow.emit(
        SessionClosed(council_id=council.id, session_id=session.id, region=council.region),
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


def require_publishable(reason: str) -> None:
    """422 `personal-data-in-public-reason` when the reason holds what identifies anyone (a
    phone, e-mail, street address, exact date, IIN or BIN, bank account, document number or
    link: kelisim.anonymity, as for analytics' proposals): the public pages show it beside the
    session. The findings say the kind and position, never the words."""
    found = check(reason, Identifying())
    if found:
        raise Problem(
            422,
            "personal-data-in-public-reason",
            "The reason is shown on the public pages: remove the contacts, addresses, exact "
            "dates, IINs, bank account numbers, document numbers and links it holds.",
            findings=[{"kind": f.kind, "start": f.start, "end": f.end} for f in found],
            errors=[
                {
                    "loc": ["body", "reason"],
                    "type": "public_personal_data",
                    "msg": "Holds personal data.",
                }
            ],
        )


def reschedule_session(cmd: RescheduleSession, uow: UnitOfWork) -> Session:
    """The secretary moves a session not yet held to another time (and place), saying why."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    role = _role(db, council, cmd.principal)
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
    require_publishable(cmd.body.reason)
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
    role = _role(db, council, cmd.principal)
    before = session.status
    status = _before_sitting("cancel", session, role)
    require_publishable(cmd.body.reason)
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
