"""Mediation sessions: the list, scheduling one, recording it held, postponed or cancelled."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim.pagination import Page
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, reading
from services.cases import queries
from services.cases.api.common import PREFIX, CaseReader
from services.cases.handlers import sessions
from services.cases.handlers.sessions import ScheduleSession, UpdateSession
from services.cases.schemas import SessionCreate, SessionPublic, SessionUpdate

router = APIRouter(prefix=PREFIX, tags=["cases"])


@router.get("/{case_id}/sessions", response_model=Page[SessionPublic])
def list_sessions(case_id: str, principal: CaseReader, ctx: ContextDep) -> Page[SessionPublic]:
    """The case's sessions (one page: a case's own); notes only for the assigned mediator."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        return Page[SessionPublic](items=queries.sessions_of(db, principal, case))


@router.post("/{case_id}/sessions", status_code=201, response_model=SessionPublic)
def schedule_session(
    case_id: str,
    body: SessionCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> SessionPublic:
    """Schedule a mediation session."""
    cmd = ScheduleSession(principal=principal, if_match=if_match, case_id=case_id, body=body)
    case, session = ctx.run(request, sessions.schedule_session, cmd)
    response.headers["ETag"] = queries.etag(case)
    return queries.session_public(session, notes=True)


@router.patch("/{case_id}/sessions/{session_id}", response_model=SessionPublic)
def update_session(
    case_id: str,
    session_id: str,
    body: SessionUpdate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> SessionPublic:
    """Record a session held (attendance, notes), postponed or cancelled."""
    cmd = UpdateSession(
        principal=principal, if_match=if_match, case_id=case_id, session_id=session_id, body=body
    )
    case, session = ctx.run(request, sessions.update_session, cmd)
    response.headers["ETag"] = queries.etag(case)
    return queries.session_public(session, notes=True)
