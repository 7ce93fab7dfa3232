"""Analysts' proposals for the leadership: draft, edit (If-Match), submit, review."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import col, select

from kelisim import pagination
from kelisim.db import table_of
from kelisim.pagination import Cursor, Limit, Page
from kelisim.preconditions import IfMatch
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading
from kelisim.uow import UnitOfWork
from services.analytics import permissions
from services.analytics.api.common import PREFIX
from services.analytics.handlers.proposals import (
    DraftProposal,
    EditProposal,
    ReviewProposal,
    SubmitProposal,
    draft_proposal,
    edit_proposal,
    etag,
    review_proposal,
    submit_proposal,
    visible,
)
from services.analytics.models import Proposal
from services.analytics.schemas import (
    ProposalCreate,
    ProposalPublic,
    ProposalReview,
    ProposalUpdate,
)

router = APIRouter(prefix=f"{PREFIX}/proposals", tags=["analytics"])


def public(proposal: Proposal, _uow: UnitOfWork | None = None) -> ProposalPublic:
    return ProposalPublic.model_validate(proposal, from_attributes=True)


def _answer(proposal: Proposal, response: Response) -> ProposalPublic:
    response.headers["ETag"] = etag(proposal)
    return public(proposal)


@router.post("", status_code=201, response_model=ProposalPublic)
def draft(
    body: ProposalCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep
) -> JSONResponse:
    """Draft a proposal (Idempotency-Key honoured)."""
    permissions.require(principal, "draft_proposal")
    scope = frozenset(permissions.council_regions(principal))
    cmd = DraftProposal(principal=principal, body=body, scope=scope)
    return ctx.create(request, draft_proposal, cmd, shape=public)


@router.get("", response_model=Page[ProposalPublic])
def list_proposals(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
) -> Page[ProposalPublic]:
    """The proposals of a year (all years when none is given), newest first."""
    permissions.require(principal, "draft_proposal")
    query = select(Proposal)
    if year is not None:
        query = query.where(Proposal.year == year)
    if cursor:
        table = table_of(Proposal)  # its columns, as ColumnElements
        key = pagination.decode(cursor, datetime, str)
        query = query.where(
            pagination.after([table.c.created_at, table.c.id], key, descending=True)
        )
    order = (col(Proposal.created_at).desc(), col(Proposal.id).desc())
    scope = frozenset(permissions.council_regions(principal))
    rows: list[Proposal] = []
    with reading(ctx) as db:
        # Scope is decided on the rows (their regions are a JSON list): a year holds dozens.
        for proposal in db.exec(query.order_by(*order)):
            if visible(proposal, principal.sub, scope):
                rows.append(proposal)
                if len(rows) > limit:
                    break
    found, next_cursor = pagination.page(rows, limit, lambda p: (p.created_at, p.id))
    return Page[ProposalPublic](items=[public(p) for p in found], next_cursor=next_cursor)


@router.get("/{proposal_id}", response_model=ProposalPublic)
def get_proposal(
    proposal_id: str, response: Response, principal: CurrentPrincipal, ctx: ContextDep
) -> ProposalPublic:
    """One proposal, with its `ETag` for a later `If-Match`."""
    permissions.require(principal, "draft_proposal")
    with reading(ctx) as db:
        proposal = db.get(Proposal, proposal_id)
    scope = frozenset(permissions.council_regions(principal))
    if proposal is None or not visible(proposal, principal.sub, scope):
        raise Problem(404, "not-found", f"No proposal {proposal_id[:40]}.")
    return _answer(proposal, response)


@router.patch("/{proposal_id}", response_model=ProposalPublic)
def edit(
    proposal_id: str,
    body: ProposalUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> ProposalPublic:
    """Change a draft or returned proposal (its author; If-Match honoured)."""
    permissions.require(principal, "draft_proposal")
    cmd = EditProposal(
        principal=principal,
        if_match=if_match,
        proposal_id=proposal_id,
        body=body,
        scope=frozenset(permissions.council_regions(principal)),
    )
    return _answer(ctx.run(request, edit_proposal, cmd), response)


@router.post("/{proposal_id}/submit", response_model=ProposalPublic)
def submit(
    proposal_id: str,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> ProposalPublic:
    """Submit a proposal for review by a second analyst."""
    permissions.require(principal, "draft_proposal")
    cmd = SubmitProposal(principal=principal, if_match=if_match, proposal_id=proposal_id)
    return _answer(ctx.run(request, submit_proposal, cmd), response)


@router.post("/{proposal_id}/review", response_model=ProposalPublic)
def review(
    proposal_id: str,
    body: ProposalReview,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> ProposalPublic:
    """Approve (frozen into the report) or return a submitted proposal: not its author, and
    only an analyst whose regions cover the proposal's."""
    permissions.require(principal, "review_proposal")
    cmd = ReviewProposal(
        principal=principal,
        if_match=if_match,
        proposal_id=proposal_id,
        body=body,
        scope=frozenset(permissions.council_regions(principal)),
    )
    return _answer(ctx.run(request, review_proposal, cmd), response)
