"""Routes for councils and their members."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import select

from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.councils import permissions
from services.councils.api.common import PREFIX, body_of, create, execute, reading
from services.councils.handlers import councils as handlers
from services.councils.handlers.loading import get
from services.councils.models import Council, Member
from services.councils.schemas import (
    CouncilCreate,
    CouncilPublic,
    CouncilUpdate,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
)

router = APIRouter(prefix=PREFIX, tags=["councils"])


def _council(council: Council, _: object) -> CouncilPublic:
    return CouncilPublic.model_validate(council, from_attributes=True)


def _member(member: Member, _: object) -> MemberPublic:
    return MemberPublic.model_validate(member, from_attributes=True)


@router.post("", status_code=201, response_model=CouncilPublic)
def create_council(
    body: CouncilCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """Create a council (admin, or a secretary in the council's region)."""
    if not permissions.can_create(principal, body.region):
        raise Problem(
            403, "forbidden", "Only an admin or a secretary of the region creates councils."
        )
    return create(
        ctx,
        request,
        principal,
        handlers.create_council,
        body,
        shape=_council,
        payload=body_of(body),
    )


@router.get("", response_model=list[CouncilPublic])
def list_councils(principal: CurrentPrincipal, ctx: ContextDep, region: str | None = None):
    """The councils the caller may see, optionally in one region."""
    with reading(ctx) as db:
        query = select(Council).order_by(Council.name)
        if region:
            query = query.where(Council.region == region)
        councils = [c for c in db.exec(query).all() if permissions.can_see_council(principal, c)]
    return [CouncilPublic.model_validate(c, from_attributes=True) for c in councils]


@router.get("/{council_id}", response_model=CouncilPublic)
def read_council(council_id: str, response: Response, principal: CurrentPrincipal, ctx: ContextDep):
    """One council's card (its ETag guards edits made at once)."""
    with reading(ctx) as db:
        council = get(db, Council, council_id)
    if not permissions.can_see_council(principal, council):
        raise Problem(403, "forbidden", "This council is outside your scope.")
    response.headers["ETag"] = handlers.etag(council)
    return CouncilPublic.model_validate(council, from_attributes=True)


@router.post("/{council_id}/members", status_code=201, response_model=MemberPublic)
def appoint_member(
    council_id: str,
    body: MemberCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Add a member with their council role, term and the body they represent."""
    cmd = handlers.AppointMember(council_id, body, principal)
    return create(
        ctx, request, principal, handlers.appoint_member, cmd, shape=_member, payload=body_of(body)
    )


@router.get("/{council_id}/members", response_model=list[MemberPublic])
def list_members(council_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """The council's members (for its members and those who manage it)."""
    with reading(ctx) as db:
        council = get(db, Council, council_id)
        if not permissions.can_manage(principal, council):
            permissions.require_member(db, council, principal)
        members = db.exec(
            select(Member).where(Member.council_id == council.id).order_by(Member.full_name)
        ).all()
    return [MemberPublic.model_validate(m, from_attributes=True) for m in members]


@router.patch("/{council_id}", response_model=CouncilPublic)
def update_council(
    council_id: str,
    body: CouncilUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Change the council's card, its quorum or its default decision rule."""
    cmd = handlers.UpdateCouncil(council_id, body, principal, request.headers.get("if-match"))
    council = execute(ctx, request, principal, handlers.update_council, cmd)
    response.headers["ETag"] = handlers.etag(council)
    return CouncilPublic.model_validate(council, from_attributes=True)


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
    cmd = handlers.UpdateMember(council_id, member_id, body, principal)
    member = execute(ctx, request, principal, handlers.update_member, cmd)
    return MemberPublic.model_validate(member, from_attributes=True)
