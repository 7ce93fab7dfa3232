"""Councils and their members."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from kelisim import preconditions
from kelisim.commands import Command
from kelisim.events.councils import CouncilCreated, MemberAppointed
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import permissions, rules
from services.councils.models import Council, Member
from services.councils.queries import get
from services.councils.schemas import CouncilCreate, CouncilUpdate, MemberCreate, MemberUpdate


@dataclass(frozen=True, kw_only=True)
class CreateCouncil(Command):
    body: CouncilCreate


def create_council(cmd: CreateCouncil, uow: UnitOfWork) -> Council:
    """Create a council at its level, with its quorum and default decision rule."""
    council = Council(**cmd.body.model_dump())
    uow.session.add(council)
    uow.audit("council.created", "council", council.id, after=cmd.body.model_dump(mode="json"))
    uow.emit(
        CouncilCreated(
            council_id=council.id, name=council.name, level=council.level, region=council.region
        ),
        aggregate=f"council:{council.id}",
    )
    return council


@dataclass(frozen=True, kw_only=True)
class AppointMember(Command):
    council_id: str
    body: MemberCreate


def appoint_member(cmd: AppointMember, uow: UnitOfWork) -> Member:
    """Add a staff account to a council with its council role and term."""
    council = get(uow.session, Council, cmd.council_id)
    if not permissions.can_manage(cmd.principal, council):
        raise Problem(403, "forbidden", "Only an admin or the council's secretary adds members.")
    db = uow.session
    taken = db.exec(
        select(Member).where(Member.council_id == council.id, Member.username == cmd.body.username)
    ).first()
    if taken is not None:
        raise Problem(409, "already-a-member", f"{cmd.body.username} is already a member.")
    if cmd.body.role in ("chair", "secretary"):
        same_role = db.exec(
            select(Member).where(Member.council_id == council.id, Member.role == cmd.body.role)
        ).all()
        new = cmd.body
        if any(
            rules.terms_overlap(new.term_start, new.term_end, m.term_start, m.term_end)
            for m in same_role
        ):
            raise Problem(
                409, "role-taken", f"The council already has a {cmd.body.role} for that term."
            )
    member = Member(council_id=council.id, **cmd.body.model_dump())
    db.add(member)
    uow.audit("member.appointed", "member", member.id, after=cmd.body.model_dump(mode="json"))
    uow.emit(
        MemberAppointed(
            council_id=council.id,
            username=member.username,
            role=member.role,
            region=council.region,
        ),
        aggregate=f"council:{council.id}",
    )
    return member


def etag(council: Council) -> str:
    """The council card's version, for If-Match on edits."""
    return preconditions.etag_of(
        {
            k: getattr(council, k)
            for k in ("name", "attached_to", "attached_kind", "quorum_percent", "decision_rule")
        }
    )


@dataclass(frozen=True, kw_only=True)
class UpdateCouncil(Command):
    council_id: str
    body: CouncilUpdate


def update_council(cmd: UpdateCouncil, uow: UnitOfWork) -> Council:
    """Change a council's card, quorum or default rule (closed votes keep their result)."""
    council = get(uow.session, Council, cmd.council_id, lock=True)
    if not permissions.can_manage(cmd.principal, council):
        raise Problem(403, "forbidden", "Only an admin or the council's secretary changes it.")
    preconditions.require(cmd.if_match, etag(council))
    changes = cmd.body.model_dump(exclude_unset=True)
    nullable = {"quorum_percent"}
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    before = {k: getattr(council, k) for k in changes}
    for key, value in changes.items():
        setattr(council, key, value)
    uow.session.add(council)
    uow.audit("council.updated", "council", council.id, before=before, after=changes)
    return council


@dataclass(frozen=True, kw_only=True)
class UpdateMember(Command):
    council_id: str
    member_id: str
    body: MemberUpdate


def update_member(cmd: UpdateMember, uow: UnitOfWork) -> Member:
    """End a member's term or correct whom they represent."""
    db = uow.session
    council = get(db, Council, cmd.council_id)
    if not permissions.can_manage(cmd.principal, council):
        raise Problem(403, "forbidden", "Only an admin or the council's secretary changes members.")
    member = get(db, Member, cmd.member_id, lock=True)
    if member.council_id != council.id:
        raise Problem(404, "not-found", f"No member {cmd.member_id} in this council.")
    changes = {k: v for k, v in cmd.body.model_dump(exclude_unset=True).items() if v is not None}
    if "term_end" in changes and not rules.term_in_order(member.term_start, changes["term_end"]):
        raise Problem(422, "invalid-term", "The term cannot end before it starts.")
    before = {k: getattr(member, k) for k in changes}
    for key, value in changes.items():
        setattr(member, key, value)
    db.add(member)
    uow.audit("member.updated", "member", member.id, before=before, after=changes)
    return member
