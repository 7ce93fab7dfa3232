"""Routes for councils and their members."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import col, select

from kelisim.pagination import Page
from kelisim.preconditions import IfMatch
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading, reads
from kelisim.uow import UnitOfWork
from services.councils import permissions
from services.councils.api.common import PREFIX
from services.councils.handlers import councils as handlers
from services.councils.models import Council, Member
from services.councils.queries import get, today
from services.councils.schemas import (
    CouncilCreate,
    CouncilPublic,
    CouncilUpdate,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
)

router = APIRouter(prefix=PREFIX, tags=["councils"])


def council_public(council: Council, _uow: UnitOfWork | None = None) -> CouncilPublic:
    return CouncilPublic.model_validate(council, from_attributes=True)


def member_public(member: Member, _uow: UnitOfWork | None = None) -> MemberPublic:
    """A member; a term already over is flagged (accepted, but they count towards no quorum)."""
    shown = MemberPublic.model_validate(member, from_attributes=True)
    if member.term_end is not None and member.term_end < today():
        shown.warnings = ["term-ended"]
    return shown


@router.post("", status_code=201, response_model=CouncilPublic)
def create_council(
    body: CouncilCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """Create a council (admin, or a secretary in the council's region)."""
    if not permissions.can_create(principal, body.region):
        raise Problem(
            403, "forbidden", "Only an admin or a secretary of the region creates councils."
        )
    cmd = handlers.CreateCouncil(principal=principal, body=body)
    return ctx.create(request, handlers.create_council, cmd, shape=council_public)


@router.get("", response_model=Page[CouncilPublic])
@reads
def list_councils(
    principal: CurrentPrincipal, ctx: ContextDep, region: str | None = None
) -> Page[CouncilPublic]:
    """The councils the caller may see, optionally in one region (one page: a few a region)."""
    with reading(ctx) as db:
        query = select(Council).order_by(col(Council.name))
        if region:
            query = query.where(Council.region == region)
        councils = [c for c in db.exec(query).all() if permissions.can_see_council(principal, c)]
    return Page[CouncilPublic](items=[council_public(c) for c in councils])


@router.get("/{council_id}", response_model=CouncilPublic)
@reads
def read_council(council_id: str, response: Response, principal: CurrentPrincipal, ctx: ContextDep):
    """One council's card (its ETag guards edits made at once)."""
    with reading(ctx) as db:
        council = get(db, Council, council_id)
    if not permissions.can_see_council(principal, council):
        raise Problem(403, "forbidden", "This council is outside your scope.")
    response.headers["ETag"] = handlers.etag(council)
    return council_public(council)


@router.post("/{council_id}/members", status_code=201, response_model=MemberPublic)
def appoint_member(
    council_id: str,
    body: MemberCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Add a member with their council role, term and the body they represent."""
    cmd = handlers.AppointMember(principal=principal, council_id=council_id, body=body)
    return ctx.create(request, handlers.appoint_member, cmd, shape=member_public)


@router.get("/{council_id}/members", response_model=Page[MemberPublic])
@reads
def list_members(
    council_id: str, principal: CurrentPrincipal, ctx: ContextDep
) -> Page[MemberPublic]:
    """The council's members, for its members and those who manage it (one page)."""
    with reading(ctx) as db:
        council = get(db, Council, council_id)
        if not permissions.can_manage(principal, council):
            permissions.require_member(db, council, principal)
        members = db.exec(
            select(Member).where(Member.council_id == council.id).order_by(col(Member.full_name))
        ).all()
    return Page[MemberPublic](items=[member_public(m) for m in members])


@router.patch("/{council_id}", response_model=CouncilPublic)
def update_council(
    council_id: str,
    body: CouncilUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
):
    """Change the council's card, its quorum or its default decision rule (If-Match honoured)."""
    cmd = handlers.UpdateCouncil(
        principal=principal, if_match=if_match, council_id=council_id, body=body
    )
    council = ctx.run(request, handlers.update_council, cmd)
    response.headers["ETag"] = handlers.etag(council)
    return council_public(council)


@router.patch("/{council_id}/members/{member_id}", response_model=MemberPublic)
def update_member(
    council_id: str,
    member_id: str,
    body: MemberUpdate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """End a member's term, or correct whom they represent."""
    cmd = handlers.UpdateMember(
        principal=principal, council_id=council_id, member_id=member_id, body=body
    )
    return member_public(ctx.run(request, handlers.update_member, cmd))
