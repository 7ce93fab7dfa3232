"""Routes for recusals and votes on agenda items."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kelisim.pagination import Page
from kelisim.service import ContextDep, CurrentPrincipal, reading
from services.councils import answers, permissions, queries
from services.councils.api.common import PREFIX
from services.councils.handlers import voting as handlers
from services.councils.models import AgendaItem
from services.councils.schemas import ItemPublic, RecusalCreate, VoteCreate, VotePublic

router = APIRouter(prefix=PREFIX, tags=["councils"])


def _item(ctx: ContextDep, item_id: str) -> ItemPublic:
    with reading(ctx) as db:
        return answers.item_public(db, queries.get(db, AgendaItem, item_id))


@router.get("/items/{item_id}", response_model=ItemPublic)
def read_item(item_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """An agenda item with its materials, recusals and result, for the council's members."""
    with reading(ctx) as db:
        item, _, council = queries.item_with_context(db, item_id)
        permissions.require_member(db, council, principal)
        return answers.item_public(db, item)


@router.get("/items/{item_id}/votes", response_model=Page[VotePublic])
def list_votes(item_id: str, principal: CurrentPrincipal, ctx: ContextDep) -> Page[VotePublic]:
    """The open votes cast on an item, by name, for the council's members (one page)."""
    with reading(ctx) as db:
        item, _, council = queries.item_with_context(db, item_id)
        permissions.require_member(db, council, principal)
        votes = queries.votes_of(db, item)
    return Page[VotePublic](
        items=[VotePublic.model_validate(v, from_attributes=True) for v in votes]
    )


@router.post("/items/{item_id}/recusal", status_code=201, response_model=ItemPublic)
def declare_recusal(
    item_id: str,
    body: RecusalCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """A member declares a conflict of interest on the item."""
    cmd = handlers.DeclareRecusal(principal=principal, item_id=item_id, body=body)
    ctx.run(request, handlers.declare_recusal, cmd)
    return _item(ctx, item_id)


@router.post("/items/{item_id}/vote/open", response_model=ItemPublic)
def open_vote(item_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The secretary opens the vote on the item (a quorum is required)."""
    cmd = handlers.OpenVote(principal=principal, item_id=item_id)
    ctx.run(request, handlers.open_vote, cmd)
    return _item(ctx, item_id)


@router.post("/items/{item_id}/votes", status_code=201, response_model=VotePublic)
def cast_vote(
    item_id: str,
    body: VoteCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """A member votes for, against or abstains, once, by name."""
    cmd = handlers.CastVote(principal=principal, item_id=item_id, body=body)
    vote = ctx.run(request, handlers.cast_vote, cmd)
    return VotePublic.model_validate(vote, from_attributes=True)


@router.post("/items/{item_id}/vote/close", response_model=ItemPublic)
def close_vote(item_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The secretary closes the vote; the service computes and freezes the result."""
    cmd = handlers.CloseVote(principal=principal, item_id=item_id)
    ctx.run(request, handlers.close_vote, cmd)
    return _item(ctx, item_id)
