"""Routes for the minutes (protocols)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlmodel import col, select

from kelisim import pagination, signing
from kelisim.clock import now
from kelisim.pagination import Cursor, Limit, Page
from kelisim.preconditions import IfMatch
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading
from kelisim.uow import UnitOfWork
from services.councils import answers, permissions, queries
from services.councils.api.common import PREFIX, language
from services.councils.handlers import protocols as handlers
from services.councils.minutes import publication
from services.councils.models import Council, Protocol
from services.councils.schemas import (
    CorrectionCreate,
    ProtocolPublic,
    ProtocolUpdate,
    RemarkCreate,
    RemarkPublic,
)

router = APIRouter(prefix=PREFIX, tags=["councils"])


def _read(ctx: ContextDep, protocol_id: str, lang: str) -> ProtocolPublic:
    with reading(ctx) as db:
        return answers.protocol_public(db, queries.get(db, Protocol, protocol_id), lang)


def _in_language(lang: str) -> Callable[[Protocol, UnitOfWork], ProtocolPublic]:
    """The shape of a newly drafted protocol, in the drafter's language."""

    def shape(protocol: Protocol, uow: UnitOfWork) -> ProtocolPublic:
        return answers.protocol_public(uow.session, protocol, lang)

    return shape


@router.post("/sessions/{session_id}/protocol", status_code=201, response_model=ProtocolPublic)
def draft_protocol(session_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The secretary drafts the minutes from the closed session's record."""
    cmd = handlers.DraftProtocol(principal=principal, session_id=session_id)
    shape = _in_language(language(None, principal))
    return ctx.create(request, handlers.draft_protocol, cmd, shape=shape)


@router.get("/protocols/{protocol_id}", response_model=ProtocolPublic)
def read_protocol(
    protocol_id: str,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    lang: str | None = None,
):
    """Minutes in the reader's language, for the council's members only."""
    with reading(ctx) as db:
        protocol, council = queries.protocol_with_council(db, protocol_id)
        if protocol.status == "published":
            if not permissions.can_read_published(db, council, principal):
                raise Problem(403, "forbidden", "Published minutes are for the council's members.")
        else:
            permissions.require_member(db, council, principal)
        response.headers["ETag"] = handlers.etag(protocol)
        return answers.protocol_public(db, protocol, language(lang, principal))


@router.get("/{council_id}/protocols", response_model=Page[ProtocolPublic])
def list_protocols(
    council_id: str,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    lang: str | None = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
) -> Page[ProtocolPublic]:
    """The council's minutes as drafted, for its members (they name people: analysts read none)."""
    order = [col(Protocol.drafted_at), col(Protocol.id)]
    with reading(ctx) as db:
        council = queries.get(db, Council, council_id)
        if permissions.membership(db, council, principal) is None:
            raise Problem(403, "not-a-member", "You are not a current member of this council.")
        query = select(Protocol).where(Protocol.council_id == council.id)
        if cursor:
            query = query.where(pagination.after(order, pagination.decode(cursor, datetime, str)))
        rows = db.exec(query.order_by(*order).limit(limit + 1)).all()
        found, next_cursor = pagination.page(rows, limit, lambda p: (p.drafted_at, p.id))
        items = [answers.protocol_public(db, p, language(lang, principal)) for p in found]
        return Page[ProtocolPublic](items=items, next_cursor=next_cursor)


@router.patch("/protocols/{protocol_id}", response_model=ProtocolPublic)
def edit_protocol(
    protocol_id: str,
    body: ProtocolUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    if_match: IfMatch = None,
):
    """The secretary edits the notes of unapproved minutes; published minutes refuse (409)."""
    cmd = handlers.EditProtocol(
        principal=principal, if_match=if_match, protocol_id=protocol_id, body=body
    )
    protocol = ctx.run(request, handlers.edit_protocol, cmd)
    response.headers["ETag"] = handlers.etag(protocol)
    return _read(ctx, protocol_id, language(None, principal))


@router.post("/protocols/{protocol_id}/remarks", status_code=201, response_model=RemarkPublic)
def make_remark(
    protocol_id: str,
    body: RemarkCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """A member makes a remark on circulated minutes."""
    cmd = handlers.MakeRemark(principal=principal, protocol_id=protocol_id, body=body)
    remark = ctx.run(request, handlers.make_remark, cmd)
    return RemarkPublic.model_validate(remark, from_attributes=True)


@router.post("/protocols/{protocol_id}/circulate", response_model=ProtocolPublic)
def circulate_protocol(
    protocol_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """The secretary circulates the draft to members."""
    cmd = handlers.CirculateProtocol(principal=principal, protocol_id=protocol_id)
    ctx.run(request, handlers.circulate_protocol, cmd)
    return _read(ctx, protocol_id, language(None, principal))


@router.post("/protocols/{protocol_id}/approve", response_model=ProtocolPublic)
def approve_protocol(
    protocol_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """The secretary approves the minutes."""
    cmd = handlers.ApproveProtocol(principal=principal, protocol_id=protocol_id)
    ctx.run(request, handlers.approve_protocol, cmd)
    return _read(ctx, protocol_id, language(None, principal))


@router.post("/protocols/{protocol_id}/sign", response_model=ProtocolPublic)
def sign_protocol(protocol_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The chair or the secretary signs approved minutes."""
    cmd = handlers.SignProtocol(principal=principal, protocol_id=protocol_id)
    ctx.run(request, handlers.sign_protocol, cmd)
    return _read(ctx, protocol_id, language(None, principal))


@router.post("/protocols/{protocol_id}/publish", response_model=ProtocolPublic)
def publish_protocol(
    protocol_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """The secretary publishes signed minutes: their PDFs are rendered, signed and kept."""
    with reading(ctx) as db:
        protocol = handlers.check_publishable(db, principal, protocol_id)
        sha256 = handlers.content_sha256(protocol.content)
        published_at = now()
        facts = publication.facts_of(db, protocol, sha256, published_at)
        printed = tuple(issued.id for issued in facts.recommendations)
        content = protocol.content
    documents = publication.sign_documents(
        content, facts, signing.signer(ctx.settings), ctx.settings.public_base_url()
    )
    cmd = handlers.PublishProtocol(
        principal=principal,
        protocol_id=protocol_id,
        published_at=published_at,
        sha256=sha256,
        documents=tuple(documents),
        printed=printed,
    )
    ctx.run(request, handlers.publish_protocol, cmd)
    return _read(ctx, protocol_id, language(None, principal))


@router.post("/protocols/{protocol_id}/corrections", status_code=201, response_model=ProtocolPublic)
def correct_protocol(
    protocol_id: str,
    body: CorrectionCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary starts a correction of published minutes (a new draft linked to them),
    giving its reason."""
    cmd = handlers.CorrectProtocol(principal=principal, protocol_id=protocol_id, body=body)
    shape = _in_language(language(None, principal))
    return ctx.create(request, handlers.correct_protocol, cmd, shape=shape)
