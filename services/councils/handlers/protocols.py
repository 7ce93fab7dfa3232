"""Minutes: drafted from the session's record, circulated, approved, signed, published.

A published protocol never changes; a correction is a new protocol linked to it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim import preconditions
from kelisim.auth import Principal
from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.councils import ProtocolCirculated, ProtocolPublished
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import lifecycle, permissions
from services.councils.minutes.publication import SignedDocument, printed
from services.councils.minutes.record import record_of
from services.councils.models import (
    Council,
    Member,
    Protocol,
    ProtocolDocument,
    ProtocolRemark,
)
from services.councils.queries import (
    protocol_etag,
    protocol_with_council,
    session_with_council,
)
from services.councils.rendering import content_sha256
from services.councils.schemas import CorrectionCreate, ProtocolUpdate, RemarkCreate

__all__ = ["content_sha256"]


@dataclass(frozen=True, kw_only=True)
class DraftProtocol(Command):
    session_id: str


def draft_protocol(cmd: DraftProtocol, uow: UnitOfWork) -> Protocol:
    """The secretary drafts the minutes from the closed session's record."""
    db = uow.session
    session, council = session_with_council(db, cmd.session_id, lock=True)
    member = permissions.membership(db, council, cmd.principal)
    lifecycle.check("session", "draft_protocol", session.status, member.role if member else None)
    existing = db.exec(
        select(Protocol).where(
            Protocol.session_id == session.id, col(Protocol.corrects_id).is_(None)
        )
    ).first()
    if existing is not None:
        raise Problem(
            409,
            "protocol-exists",
            "The session's minutes are already drafted.",
            protocol_id=existing.id,
        )
    protocol = Protocol(
        session_id=session.id, council_id=council.id, content=record_of(db, session, council)
    )
    db.add(protocol)
    uow.audit(
        "protocol.drafted",
        "protocol",
        protocol.id,
        after={"session_id": session.id, "sha256": content_sha256(protocol.content)},
    )
    return protocol


def _advance(
    db: DbSession, principal: Principal, protocol_id: str, action: str
) -> tuple[Protocol, Council, Member]:
    """Load the protocol, refuse any change to a published one, check role and state."""
    protocol, council = protocol_with_council(db, protocol_id, lock=True)
    member = _allowed(db, principal, protocol, council, action)
    protocol.status = lifecycle.check("protocol", action, protocol.status, member.role)
    return protocol, council, member


def _allowed(
    db: DbSession, principal: Principal, protocol: Protocol, council: Council, action: str
) -> Member:
    """The caller's membership if `action` is allowed now: 409 on published minutes, 403, 409."""
    member = permissions.membership(db, council, principal)
    if protocol.status == "published" and action != "correct" and member is not None:
        raise Problem(
            409,
            "protocol-immutable",
            "A published protocol never changes; issue a correction instead.",
            sha256=protocol.sha256,
        )
    lifecycle.check("protocol", action, protocol.status, member.role if member else None)
    assert member is not None
    return member


etag = protocol_etag


@dataclass(frozen=True, kw_only=True)
class EditProtocol(Command):
    protocol_id: str
    body: ProtocolUpdate


def edit_protocol(cmd: EditProtocol, uow: UnitOfWork) -> Protocol:
    """The secretary edits the notes of unapproved minutes (e.g. to take in remarks)."""
    db = uow.session
    protocol, _, _ = _advance(db, cmd.principal, cmd.protocol_id, "edit")
    preconditions.require(cmd.if_match, etag(protocol))
    before = protocol.content.get("notes")
    content = copy.deepcopy(protocol.content)
    content["notes"] = cmd.body.notes
    protocol.content = content
    db.add(protocol)
    uow.audit(
        "protocol.edited",
        "protocol",
        protocol.id,
        before={"notes": before},
        after={"notes": cmd.body.notes},
    )
    return protocol


def _transition(uow: UnitOfWork, principal: Principal, protocol_id: str, action: str) -> Protocol:
    db = uow.session
    before = db.get(Protocol, protocol_id)
    state = before.status if before else None
    protocol, _, _ = _advance(db, principal, protocol_id, action)
    db.add(protocol)
    uow.audit(
        f"protocol.{action}",
        "protocol",
        protocol.id,
        before={"status": state},
        after={"status": protocol.status},
    )
    return protocol


@dataclass(frozen=True, kw_only=True)
class CirculateProtocol(Command):
    protocol_id: str


def circulate_protocol(cmd: CirculateProtocol, uow: UnitOfWork) -> Protocol:
    """The secretary circulates the draft to members for remarks; they are told."""
    protocol = _transition(uow, cmd.principal, cmd.protocol_id, "circulate")
    council_id = protocol.council_id
    uow.emit(
        ProtocolCirculated(
            council_id=council_id,
            session_id=protocol.session_id,
            protocol_id=protocol.id,
            region=protocol.content["council"]["region"],
        ),
        aggregate=f"council:{council_id}",
    )
    return protocol


@dataclass(frozen=True, kw_only=True)
class ApproveProtocol(Command):
    protocol_id: str


def approve_protocol(cmd: ApproveProtocol, uow: UnitOfWork) -> Protocol:
    """The secretary approves the minutes after the remarks."""
    return _transition(uow, cmd.principal, cmd.protocol_id, "approve")


@dataclass(frozen=True, kw_only=True)
class MakeRemark(Command):
    protocol_id: str
    body: RemarkCreate


def make_remark(cmd: MakeRemark, uow: UnitOfWork) -> ProtocolRemark:
    """A member makes a remark on circulated minutes."""
    db = uow.session
    protocol, _, member = _advance(db, cmd.principal, cmd.protocol_id, "remark")
    row = ProtocolRemark(protocol_id=protocol.id, username=member.username, text=cmd.body.text)
    db.add(row)
    uow.audit(
        "protocol.remark",
        "protocol",
        protocol.id,
        after={"username": member.username, "text": cmd.body.text},
    )
    return row


@dataclass(frozen=True, kw_only=True)
class SignProtocol(Command):
    protocol_id: str


def sign_protocol(cmd: SignProtocol, uow: UnitOfWork) -> Protocol:
    """The chair and the secretary each sign approved minutes; both signatures make it signed."""
    db = uow.session
    protocol, _, member = _advance(db, cmd.principal, cmd.protocol_id, "sign")
    field = "signed_by_chair" if member.role == "chair" else "signed_by_secretary"
    if getattr(protocol, field) is not None:
        raise Problem(409, "already-signed", f"The {member.role} has already signed.")
    setattr(protocol, field, member.username)
    setattr(protocol, f"{field}_at", now())
    if protocol.signed_by_chair and protocol.signed_by_secretary:
        protocol.status = "signed"
    db.add(protocol)
    uow.audit(
        "protocol.signed",
        "protocol",
        protocol.id,
        after={"by": member.username, "as": member.role, "status": protocol.status},
    )
    return protocol


@dataclass(frozen=True, kw_only=True)
class PublishProtocol(Command):
    protocol_id: str
    published_at: datetime
    sha256: str
    documents: tuple[SignedDocument, ...]
    printed: tuple[str, ...]  # the recommendations the documents print, by id


def check_publishable(db: DbSession, principal: Principal, protocol_id: str) -> Protocol:
    """The protocol, if the caller may publish it now (403/409 otherwise); changes nothing."""
    protocol, council = protocol_with_council(db, protocol_id)
    _allowed(db, principal, protocol, council, "publish")
    return protocol


def publish_protocol(cmd: PublishProtocol, uow: UnitOfWork) -> Protocol:
    """The secretary publishes signed minutes with their signed PDFs; the SHA-256 is audited."""
    db = uow.session
    protocol, council, _ = _advance(db, cmd.principal, cmd.protocol_id, "publish")
    if content_sha256(protocol.content) != cmd.sha256:
        raise Problem(409, "protocol-changed", "The minutes changed while being published.")
    if tuple(r.id for r in printed(db, protocol, cmd.published_at)) != cmd.printed:
        raise Problem(
            409, "protocol-changed", "A recommendation was recorded while publishing the minutes."
        )
    protocol.sha256 = cmd.sha256
    protocol.published_at = cmd.published_at
    db.add(protocol)
    for document in cmd.documents:
        db.add(
            ProtocolDocument(
                protocol_id=protocol.id,
                lang=document.lang,
                sha256=document.sha256,
                unsigned_sha256=document.unsigned_sha256,
                size=len(document.content),
                content=document.content,
                signed_at=cmd.published_at,
            )
        )
    uow.audit(
        "protocol.published",
        "protocol",
        protocol.id,
        before={"status": "signed"},
        after={
            "status": "published",
            "sha256": protocol.sha256,
            "corrects_id": protocol.corrects_id,
            "documents": {d.lang: d.sha256 for d in cmd.documents},
        },
    )
    uow.emit(
        ProtocolPublished(
            council_id=council.id,
            session_id=protocol.session_id,
            protocol_id=protocol.id,
            region=council.region,
            sha256=protocol.sha256,
            council_name=council.name,
            session_title=protocol.content["session"]["title"],
            session_starts_at=protocol.content["session"]["starts_at"],
        ),
        aggregate=f"council:{council.id}",
    )
    return protocol


@dataclass(frozen=True, kw_only=True)
class CorrectProtocol(Command):
    protocol_id: str
    body: CorrectionCreate


def correct_protocol(cmd: CorrectProtocol, uow: UnitOfWork) -> Protocol:
    """The secretary starts a correction: a new draft linked to the published protocol."""
    db = uow.session
    original, council, _ = _advance(db, cmd.principal, cmd.protocol_id, "correct")
    content = copy.deepcopy(original.content)
    reason = cmd.body.reason.strip()
    content["corrects"] = {"protocol_id": original.id, "sha256": original.sha256, "reason": reason}
    correction = Protocol(
        session_id=original.session_id,
        council_id=council.id,
        corrects_id=original.id,
        content=content,
    )
    db.add(correction)
    uow.audit(
        "protocol.correction_drafted",
        "protocol",
        correction.id,
        after={"corrects_id": original.id, "corrects_sha256": original.sha256, "reason": reason},
    )
    return correction
