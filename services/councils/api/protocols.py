"""Routes for the minutes (protocols)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import select

from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.councils import permissions, views
from services.councils.api.common import PREFIX, create, execute, language, reading
from services.councils.handlers import protocols as handlers
from services.councils.handlers.loading import get, protocol_with_council
from services.councils.models import Council, Protocol
from services.councils.schemas import ProtocolEdit, ProtocolPublic, RemarkCreate, RemarkPublic

router = APIRouter(prefix=PREFIX, tags=["councils"])


def _read(ctx: ContextDep, protocol_id: str, lang: str) -> ProtocolPublic:
    with reading(ctx) as db:
        return views.protocol_public(db, get(db, Protocol, protocol_id), lang)


@router.post("/sessions/{session_id}/protocol", status_code=201, response_model=ProtocolPublic)
def draft_protocol(session_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The secretary drafts the minutes from the closed session's record."""
    cmd = handlers.DraftProtocol(session_id, principal)
    lang = language(None, principal)
    return create(
        ctx,
        request,
        principal,
        handlers.draft,
        cmd,
        shape=lambda protocol, db: views.protocol_public(db, protocol, lang),
    )


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
        protocol, council = protocol_with_council(db, protocol_id)
        if protocol.status == "published":
            if not permissions.can_read_published(db, council, principal):
                raise Problem(403, "forbidden", "Published minutes are for the council's members.")
        else:
            permissions.require_member(db, council, principal)
        response.headers["ETag"] = handlers.etag(protocol)
        return views.protocol_public(db, protocol, language(lang, principal))


@router.get("/{council_id}/protocols", response_model=list[ProtocolPublic])
def list_protocols(
    council_id: str, principal: CurrentPrincipal, ctx: ContextDep, lang: str | None = None
):
    """The council's minutes, for its members (they name people: analysts read none)."""
    with reading(ctx) as db:
        council = get(db, Council, council_id)
        if permissions.membership(db, council, principal) is None:
            raise Problem(403, "not-a-member", "You are not a current member of this council.")
        query = select(Protocol).where(Protocol.council_id == council.id)
        protocols = db.exec(query.order_by(Protocol.drafted_at)).all()
        return [views.protocol_public(db, p, language(lang, principal)) for p in protocols]


@router.patch("/protocols/{protocol_id}", response_model=ProtocolPublic)
def edit_protocol(
    protocol_id: str,
    body: ProtocolEdit,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary edits the notes of unapproved minutes; published minutes refuse (409)."""
    cmd = handlers.EditProtocol(protocol_id, body, principal, request.headers.get("if-match"))
    protocol = execute(ctx, request, principal, handlers.edit, cmd)
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
    cmd = handlers.Remark(protocol_id, body, principal)
    remark = execute(ctx, request, principal, handlers.remark, cmd)
    return RemarkPublic.model_validate(remark, from_attributes=True)


def _protocol_step(name: str, handler, summary: str, status: int = 200):  # type: ignore[no-untyped-def]
    def step(protocol_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
        cmd = handlers.ProtocolCommand(protocol_id, principal)
        lang = language(None, principal)
        if status == 201:
            return create(
                ctx,
                request,
                principal,
                handler,
                cmd,
                shape=lambda protocol, db: views.protocol_public(db, protocol, lang),
            )
        protocol = execute(ctx, request, principal, handler, cmd)
        return _read(ctx, protocol.id, lang)

    step.__doc__ = summary
    router.add_api_route(
        f"/protocols/{{protocol_id}}/{name}",
        step,
        methods=["POST"],
        status_code=status,
        response_model=ProtocolPublic,
        name=f"{name}_protocol",
        summary=summary,
    )


_protocol_step("circulate", handlers.circulate, "The secretary circulates the draft to members.")
_protocol_step("approve", handlers.approve, "The secretary approves the minutes.")
_protocol_step("sign", handlers.sign, "The chair or the secretary signs approved minutes.")
_protocol_step("publish", handlers.publish, "The secretary publishes signed minutes.")
_protocol_step(
    "corrections", handlers.correct, "The secretary starts a correction of published minutes.", 201
)
