"""Councils and their members."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from kelisim.auth import Principal
from kelisim.events.councils import CouncilCreated, MemberAppointed
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import permissions
from services.councils.handlers.loading import check_precondition, get, version_tag
from services.councils.models import Council, Member
from services.councils.schemas import CouncilCreate, CouncilUpdate, MemberCreate, MemberUpdate


def create_council(cmd: CouncilCreate, uow: UnitOfWork) -> Council:
    """Create a council at its level, with its quorum and default decision rule."""
    council = Council(**cmd.model_dump())
    uow.session.add(council)
    uow.audit("council.created", "council", council.id, after=cmd.model_dump(mode="json"))
    uow.emit(
        CouncilCreated(
            council_id=council.id, name=council.name, level=council.level, region=council.region
        ),
        aggregate=f"council:{council.id}",
    )
    return council


def _overlap(member: Member, new: MemberCreate) -> bool:
    """Whether two membership terms share a day (an open end runs forever)."""
    starts_before_end = member.term_end is None or new.term_start <= member.term_end
    ends_after_start = new.term_end is None or member.term_start <= new.term_end
    return starts_before_end and ends_after_start


@dataclass(frozen=True)
class AppointMember:
    council_id: str
    member: MemberCreate
    principal: Principal


def appoint_member(cmd: AppointMember, uow: UnitOfWork) -> Member:
    """Add a staff account to a council with its council role and term."""
    council = get(uow.session, Council, cmd.council_id)
    if not permissions.can_manage(cmd.principal, council):
        raise Problem(403, "forbidden", "Only an admin or the council's secretary adds members.")
    db = uow.session
    taken = db.exec(
        select(Member).where(
            Member.council_id == council.id, Member.username == cmd.member.username
        )
    ).first()
    if taken is not None:
        raise Problem(409, "already-a-member", f"{cmd.member.username} is already a member.")
    if cmd.member.role in ("chair", "secretary"):
        same_role = db.exec(
            select(Member).where(Member.council_id == council.id, Member.role == cmd.member.role)
        ).all()
        if any(_overlap(m, cmd.member) for m in same_role):
            raise Problem(
                409, "role-taken", f"The council already has a {cmd.member.role} for that term."
            )
    member = Member(council_id=council.id, **cmd.member.model_dump())
    db.add(member)
    uow.audit("member.appointed", "member", member.id, after=cmd.member.model_dump(mode="json"))
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
    return version_tag(
        {
            k: getattr(council, k)
            for k in ("name", "attached_to", "attached_kind", "quorum_percent", "decision_rule")
        }
    )


@dataclass(frozen=True)
class UpdateCouncil:
    council_id: str
    update: CouncilUpdate
    principal: Principal
    if_match: str | None = None


def update_council(cmd: UpdateCouncil, uow: UnitOfWork) -> Council:
    """Change a council's card, quorum or default rule (closed votes keep their result)."""
    council = get(uow.session, Council, cmd.council_id, lock=True)
    if not permissions.can_manage(cmd.principal, council):
        raise Problem(403, "forbidden", "Only an admin or the council's secretary changes it.")
    check_precondition(cmd.if_match, etag(council))
    changes = cmd.update.model_dump(exclude_unset=True)
    nullable = {"quorum_percent"}
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    before = {k: getattr(council, k) for k in changes}
    for key, value in changes.items():
        setattr(council, key, value)
    uow.session.add(council)
    uow.audit("council.updated", "council", council.id, before=before, after=changes)
    return council


@dataclass(frozen=True)
class UpdateMember:
    council_id: str
    member_id: str
    update: MemberUpdate
    principal: Principal


def update_member(cmd: UpdateMember, uow: UnitOfWork) -> Member:
    """End a member's term or correct whom they represent."""
    db = uow.session
    council = get(db, Council, cmd.council_id)
    if not permissions.can_manage(cmd.principal, council):
        raise Problem(403, "forbidden", "Only an admin or the council's secretary changes members.")
    member = get(db, Member, cmd.member_id, lock=True)
    if member.council_id != council.id:
        raise Problem(404, "not-found", f"No member {cmd.member_id} in this council.")
    changes = {k: v for k, v in cmd.update.model_dump(exclude_unset=True).items() if v is not None}
    if "term_end" in changes and changes["term_end"] < member.term_start:
        raise Problem(422, "invalid-term", "The term cannot end before it starts.")
    before = {k: getattr(member, k) for k in changes}
    for key, value in changes.items():
        setattr(member, key, value)
    db.add(member)
    uow.audit("member.updated", "member", member.id, before=before, after=changes)
    return member
