"""Sessions: the agenda and its materials, convening, attendance, holding and closing (their
planning, rescheduling and cancelling: handlers/planning.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import func, select

from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.councils import SessionClosed, SessionConvened, SessionHeld
from kelisim.localtime import local_date
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import lifecycle, permissions
from services.councils.models import AgendaItem, Attendance, Document, Session
from services.councils.queries import (
    agenda,
    get,
    present_usernames,
    quorum,
    session_with_council,
    sitting_members,
    took_part_in_votes,
)
from services.councils.schemas import AttendanceUpdate, ItemCreate


@dataclass(frozen=True, kw_only=True)
class AddItem(Command):
    session_id: str
    body: ItemCreate


def add_item(cmd: AddItem, uow: UnitOfWork) -> AgendaItem:
    """The secretary puts an item on the agenda before the session is held."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    lifecycle.check(
        "session", "add_item", session.status, permissions.role_in(db, council, cmd.principal)
    )
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
    role = permissions.role_in(db, council, cmd.principal)
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
    role = permissions.role_in(db, council, cmd.principal)
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
    role = permissions.role_in(db, council, cmd.principal)
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
    role = permissions.role_in(db, council, cmd.principal)
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
    role = permissions.role_in(db, council, cmd.principal)
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
