"""Councils and their members."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from kelisim.auth import Principal
from kelisim.events.councils import CouncilCreated, MemberAppointed
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import permissions
from services.councils.handlers.loading import get
from services.councils.models import Council, Member
from services.councils.schemas import CouncilCreate, MemberCreate


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
