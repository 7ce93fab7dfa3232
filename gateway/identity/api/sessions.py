"""Web sessions: a user lists and ends their own; an admin signs a user out everywhere."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.deps import AdminCaller, InteractiveCaller
from gateway.identity import sessions
from gateway.identity.users import get_user
from gateway.schemas import SessionPublic, SessionsEnded
from kelisim.db import new_session
from kelisim.pagination import Page
from kelisim.service import ContextDep

router = APIRouter(tags=["identity"])


@router.get("/api/v1/me/sessions", response_model=Page[SessionPublic])
def my_sessions(caller: InteractiveCaller, ctx: ContextDep) -> Page[SessionPublic]:
    """The caller's signed-in browsers still honoured, newest first (one page: their own)."""
    with new_session(ctx.engine) as session:
        rows = sessions.live_sessions(session, caller.user.id)
    return Page[SessionPublic](
        items=[
            SessionPublic.model_validate(
                {**r.model_dump(), "current": r.id == caller.session_id}, from_attributes=True
            )
            for r in rows
        ]
    )


@router.delete("/api/v1/me/sessions/{session_id}", status_code=204)
def end_session(
    session_id: str, request: Request, caller: InteractiveCaller, ctx: ContextDep
) -> Response:
    """End one of the caller's sessions; its cookie stops working at once."""
    with ctx.uow(caller.actor(request)) as uow:
        sessions.revoke_session(uow, session_id, caller.user.id, "signed-out")
        uow.commit()
    return Response(status_code=204)


@router.post("/api/v1/me/sessions/revoke-all", response_model=SessionsEnded)
def sign_out_everywhere(
    request: Request, caller: InteractiveCaller, ctx: ContextDep
) -> SessionsEnded:
    """Sign out everywhere: every session and every access token of the caller ends."""
    with ctx.uow(caller.actor(request)) as uow:
        user = get_user(uow.session, caller.user.id)
        ended = sessions.revoke_all(uow, user, "signed-out-everywhere")
        uow.commit()
    return SessionsEnded(ended=ended)


@router.post("/api/v1/users/{user_id}/sessions/revoke-all", response_model=SessionsEnded)
def sign_user_out(
    user_id: str, request: Request, caller: AdminCaller, ctx: ContextDep
) -> SessionsEnded:
    """An admin signs a user out everywhere (a lost laptop): sessions and tokens end."""
    with ctx.uow(caller.actor(request)) as uow:
        user = get_user(uow.session, user_id)
        ended = sessions.revoke_all(uow, user, "revoked-by-admin")
        uow.commit()
    return SessionsEnded(ended=ended)
