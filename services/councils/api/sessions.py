"""Routes for sessions: planning, agenda and materials, convening, attendance, results."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.councils import permissions, views
from services.councils.api.common import PREFIX, body_of, create, execute, language, reading
from services.councils.handlers import sessions as handlers
from services.councils.handlers.loading import get, item_with_context, session_with_council
from services.councils.models import Council, Document, Session
from services.councils.schemas import (
    AttendanceRegister,
    DocumentPublic,
    ItemCreate,
    ItemPublic,
    SessionCreate,
    SessionDetail,
    SessionPublic,
)

router = APIRouter(prefix=PREFIX, tags=["councils"])


def _detail(ctx: ContextDep, session_id: str) -> SessionDetail:
    with reading(ctx) as db:
        session, council = session_with_council(db, session_id)
        return views.session_detail(db, session, council)


@router.post("/{council_id}/sessions", status_code=201, response_model=SessionPublic)
def plan_session(
    council_id: str,
    body: SessionCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary plans a session."""
    cmd = handlers.PlanSession(council_id, body, principal)
    return create(
        ctx,
        request,
        principal,
        handlers.plan_session,
        cmd,
        shape=lambda s, _: SessionPublic.model_validate(s, from_attributes=True),
        payload=body_of(body),
    )


@router.get("/{council_id}/sessions", response_model=list[SessionPublic])
def list_sessions(council_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """The council's sessions, for its members."""
    with reading(ctx) as db:
        council = get(db, Council, council_id)
        permissions.require_member(db, council, principal)
        sessions = db.exec(
            select(Session).where(Session.council_id == council.id).order_by(Session.starts_at)
        ).all()
    return [SessionPublic.model_validate(s, from_attributes=True) for s in sessions]


@router.get("/sessions/{session_id}", response_model=SessionDetail)
def read_session(session_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """A session with its agenda, materials, attendance and quorum, for the council's members."""
    with reading(ctx) as db:
        session, council = session_with_council(db, session_id)
        permissions.require_member(db, council, principal)
        return views.session_detail(db, session, council)


@router.post("/sessions/{session_id}/items", status_code=201, response_model=ItemPublic)
def add_item(
    session_id: str,
    body: ItemCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary adds an agenda item with its rapporteur (and, optionally, its rule)."""
    cmd = handlers.AddItem(session_id, body, principal)
    return create(
        ctx,
        request,
        principal,
        handlers.add_item,
        cmd,
        shape=lambda item, db: views.item_public(db, item),
        payload=body_of(body),
    )


@router.post("/items/{item_id}/materials", status_code=201, response_model=DocumentPublic)
async def add_material(
    item_id: str,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    filename: str = Query(min_length=1, max_length=300),
):
    """The secretary uploads a document (the request body) as a material of an item."""
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > handlers.MAX_MATERIAL_BYTES:
        raise Problem(413, "document-too-large", "Documents are limited to 20 MiB.")
    content = await request.body()
    media_type = request.headers.get("content-type", "application/octet-stream")[:100]
    cmd = handlers.AddMaterial(item_id, filename, media_type, content, principal)
    return await run_in_threadpool(
        create,
        ctx,
        request,
        principal,
        handlers.add_material,
        cmd,
        shape=lambda d, _: DocumentPublic.model_validate(d, from_attributes=True),
        payload=filename.encode() + b"\n" + content,
    )


@router.get("/materials/{document_id}")
def read_material(document_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """A material's bytes, for the council's members, with its SHA-256."""
    with reading(ctx) as db:
        document = get(db, Document, document_id)
        _, _, council = item_with_context(db, document.item_id)
        permissions.require_member(db, council, principal)
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "X-Content-SHA256": document.sha256,
            "Content-Disposition": f'attachment; filename="{document.filename}"',
        },
    )


def _session_step(name: str, summary: str):  # type: ignore[no-untyped-def]
    handler = getattr(handlers, name)

    def step(session_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
        execute(ctx, request, principal, handler, handlers.SessionCommand(session_id, principal))
        return _detail(ctx, session_id)

    step.__doc__ = summary
    router.add_api_route(
        f"/sessions/{{session_id}}/{name}",
        step,
        methods=["POST"],
        response_model=SessionDetail,
        name=f"{name}_session",
        summary=summary,
    )


_session_step("convene", "The secretary convenes the session; members get the notice.")
_session_step("hold", "The secretary opens the sitting; the quorum is computed.")
_session_step("close", "The secretary closes the session.")


@router.put("/sessions/{session_id}/attendance", response_model=SessionDetail)
def register_attendance(
    session_id: str,
    body: AttendanceRegister,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary marks members present or absent."""
    cmd = handlers.RegisterAttendance(session_id, body, principal)
    execute(ctx, request, principal, handlers.register_attendance, cmd)
    return _detail(ctx, session_id)


@router.get("/sessions/{session_id}/results.csv")
def export_results(
    session_id: str, principal: CurrentPrincipal, ctx: ContextDep, lang: str | None = None
):
    """The session's vote results by name, as CSV, for the council's members."""
    with reading(ctx) as db:
        session, council = session_with_council(db, session_id)
        permissions.require_member(db, council, principal)
        body = views.results_csv(db, session, council, language(lang, principal))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="session-{session_id}.csv"'},
    )
