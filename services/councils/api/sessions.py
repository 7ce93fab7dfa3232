"""Routes for sessions: planning, agenda and materials, convening, attendance, results."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from kelisim import files, pagination
from kelisim.pagination import Cursor, Limit, Page
from kelisim.service import ContextDep, CurrentPrincipal, reading, reads
from kelisim.uow import UnitOfWork
from services.councils import answers, pages, permissions, queries
from services.councils.api.common import PREFIX, language
from services.councils.handlers import planning
from services.councils.handlers import sessions as handlers
from services.councils.models import AgendaItem, Council, Document, Session
from services.councils.schemas import (
    AttendanceUpdate,
    DocumentPublic,
    ItemCreate,
    ItemPublic,
    SessionCancel,
    SessionCreate,
    SessionDetail,
    SessionPublic,
    SessionReschedule,
)

router = APIRouter(prefix=PREFIX, tags=["councils"])


def session_public(session: Session, _uow: UnitOfWork | None = None) -> SessionPublic:
    return SessionPublic.model_validate(session, from_attributes=True)


def document_public(document: Document, _uow: UnitOfWork) -> DocumentPublic:
    return DocumentPublic.model_validate(document, from_attributes=True)


def item_public(item: AgendaItem, uow: UnitOfWork) -> ItemPublic:
    return answers.item_public(uow.session, item)


def _detail(ctx: ContextDep, session_id: str) -> SessionDetail:
    with reading(ctx) as db:
        session, council = queries.session_with_council(db, session_id)
        return answers.session_detail(db, session, council)


@router.post("/{council_id}/sessions", status_code=201, response_model=SessionPublic)
def plan_session(
    council_id: str,
    body: SessionCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary plans a session."""
    cmd = planning.PlanSession(principal=principal, council_id=council_id, body=body)
    return ctx.create(request, planning.plan_session, cmd, shape=session_public)


@router.get("/{council_id}/sessions", response_model=Page[SessionPublic])
@reads
def list_sessions(
    council_id: str,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
) -> Page[SessionPublic]:
    """The council's sessions by start, for its members."""
    order = [col(Session.starts_at), col(Session.id)]
    with reading(ctx) as db:
        council = queries.get(db, Council, council_id)
        permissions.require_member(db, council, principal)
        query = select(Session).where(Session.council_id == council.id)
        if cursor:
            query = query.where(pagination.after(order, pagination.decode(cursor, datetime, str)))
        rows = db.exec(query.order_by(*order).limit(limit + 1)).all()
    found, next_cursor = pagination.page(rows, limit, lambda s: (s.starts_at, s.id))
    return Page[SessionPublic](items=[session_public(s) for s in found], next_cursor=next_cursor)


@router.get("/sessions/{session_id}", response_model=SessionDetail)
@reads
def read_session(session_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """A session with its agenda, materials, attendance and quorum, for the council's members."""
    with reading(ctx) as db:
        return pages.session_page(db, session_id, principal)


@router.post("/sessions/{session_id}/items", status_code=201, response_model=ItemPublic)
def add_item(
    session_id: str,
    body: ItemCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary adds an agenda item with its rapporteur (and, optionally, its rule)."""
    cmd = handlers.AddItem(principal=principal, session_id=session_id, body=body)
    return ctx.create(request, handlers.add_item, cmd, shape=item_public)


@router.post("/items/{item_id}/materials", status_code=201, response_model=DocumentPublic)
async def add_material(
    item_id: str,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    filename: str = Query(min_length=1, max_length=1000),
):
    """The secretary uploads a document (the request body) as a material of an item."""
    # The body's size is bounded at the door (kelisim.limits: KELISIM_MAX_DOCUMENT_BYTES).
    cmd = handlers.AddMaterial(
        principal=principal,
        item_id=item_id,
        filename=files.safe_filename(filename),
        media_type=files.safe_media_type(request.headers.get("content-type")),
        content=await request.body(),
        max_bytes=ctx.settings.max_document_bytes,
    )
    return await run_in_threadpool(
        ctx.create, request, handlers.add_material, cmd, shape=document_public
    )


@router.get("/materials/{document_id}")
def read_material(document_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """A material's bytes, for the council's members, with its SHA-256."""
    with reading(ctx) as db:
        document = queries.get(db, Document, document_id)
        _, _, council = queries.item_with_context(db, document.item_id)
        permissions.require_member(db, council, principal)
    return files.attachment(
        document.content,
        document.filename,
        document.media_type,
        {"X-Content-SHA256": document.sha256},
    )


@router.post("/sessions/{session_id}/convene", response_model=SessionDetail)
def convene_session(
    session_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """The secretary convenes the session; members get the notice."""
    cmd = handlers.ConveneSession(principal=principal, session_id=session_id)
    ctx.run(request, handlers.convene_session, cmd)
    return _detail(ctx, session_id)


@router.post("/sessions/{session_id}/hold", response_model=SessionDetail)
def hold_session(session_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The secretary opens the sitting; the quorum is computed."""
    cmd = handlers.HoldSession(principal=principal, session_id=session_id)
    ctx.run(request, handlers.hold_session, cmd)
    return _detail(ctx, session_id)


@router.post("/sessions/{session_id}/close", response_model=SessionDetail)
def close_session(session_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The secretary closes the session."""
    cmd = handlers.CloseSession(principal=principal, session_id=session_id)
    ctx.run(request, handlers.close_session, cmd)
    return _detail(ctx, session_id)


@router.post("/sessions/{session_id}/reschedule", response_model=SessionDetail)
def reschedule_session(
    session_id: str,
    body: SessionReschedule,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary moves a session not yet held to a new time (and place), with a reason.

    The new time is still to come (422 `moved-into-past` otherwise, at `starts_at`)."""
    cmd = planning.RescheduleSession(principal=principal, session_id=session_id, body=body)
    ctx.run(request, planning.reschedule_session, cmd)
    return _detail(ctx, session_id)


@router.post("/sessions/{session_id}/cancel", response_model=SessionDetail)
def cancel_session(
    session_id: str,
    body: SessionCancel,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary calls off a session not yet held, with a reason; it is never held."""
    cmd = planning.CancelSession(principal=principal, session_id=session_id, body=body)
    ctx.run(request, planning.cancel_session, cmd)
    return _detail(ctx, session_id)


@router.put("/sessions/{session_id}/attendance", response_model=SessionDetail)
def register_attendance(
    session_id: str,
    body: AttendanceUpdate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary marks members present or absent."""
    cmd = handlers.RegisterAttendance(principal=principal, session_id=session_id, body=body)
    ctx.run(request, handlers.register_attendance, cmd)
    return _detail(ctx, session_id)


@router.get(
    "/sessions/{session_id}/results.csv",
    response_class=Response,
    responses=files.file_answer(files.CSV),
)
def export_results(
    session_id: str, principal: CurrentPrincipal, ctx: ContextDep, lang: str | None = None
):
    """The session's vote results by name, as CSV, for the council's members."""
    with reading(ctx) as db:
        session, council = queries.session_with_council(db, session_id)
        permissions.require_member(db, council, principal)
        body = answers.results_csv(db, session, council, language(lang, principal))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="session-{session_id}.csv"'},
    )
