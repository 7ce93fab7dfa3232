"""Administration of everyone's personal API keys: who holds which key, and revoking one."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlmodel import col, select

from gateway.identity import api_keys
from gateway.models import ApiKey, User
from gateway.web.client import ServiceError
from gateway.web.view import FormView, PageView, redirect
from kelisim.db import new_session
from kelisim.problems import Problem

router = APIRouter(include_in_schema=False)


@router.get("/admin/api-keys")
async def key_list(view: PageView) -> Response:
    """Every personal API key with its holder, newest first (never the keys themselves)."""
    engine = view.request.app.state.ctx.engine

    def load() -> list[tuple[ApiKey, User]]:
        with new_session(engine) as session:
            query = (
                select(ApiKey, User)
                .where(ApiKey.user_id == User.id)
                .order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))
            )
            return [(key, user) for key, user in session.exec(query).all()]

    return view.render("admin/api_keys.html", keys=await run_in_threadpool(load))


@router.post("/admin/api-keys/{key_id}/revoke")
async def revoke_key(key_id: str, view: FormView) -> Response:
    """Revoke someone's API key; it stops working at once (audited)."""
    ctx = view.request.app.state.ctx
    caller = view.caller
    assert caller is not None

    def revoke() -> None:
        with ctx.uow(caller.actor(view.request)) as uow:
            row = uow.session.get(ApiKey, key_id)
            if row is None:
                raise Problem(404, "api-key-not-found", "No such API key.")
            api_keys.revoke(uow, key_id, row.user_id, by_admin=True)
            uow.commit()

    try:
        await run_in_threadpool(revoke)
    except Problem as problem:
        raise ServiceError(problem.status, problem.kind) from problem
    return redirect("/admin/api-keys")
