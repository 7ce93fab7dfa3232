"""Administration of everyone's personal API keys: who holds which key, and revoking one.

Revoking cannot be undone, so it takes two steps without any script: the list's button
opens a page naming the key and its holder, whose form revokes it; a POST without that
form's confirmation revokes nothing and shows the page.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlmodel import col, select

from gateway.identity import api_keys
from gateway.models import ApiKey, User
from gateway.web.client import ServiceError
from gateway.web.view import FormView, PageView, View, redirect
from kelisim.db import new_session
from kelisim.problems import Problem

router = APIRouter(include_in_schema=False)


def _key_of(view: View, key_id: str) -> tuple[ApiKey, User] | None:
    with new_session(view.request.app.state.ctx.engine) as session:
        found = session.exec(
            select(ApiKey, User).where(ApiKey.id == key_id, ApiKey.user_id == User.id)
        ).first()
        return (found[0], found[1]) if found else None


@router.get("/admin/api-keys")
async def key_list(view: PageView, revoked: str = "") -> Response:
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

    keys = await run_in_threadpool(load)
    done = next(
        (
            {"name": k.name, "holder": u.full_name}
            for k, u in keys
            if k.id == revoked and k.revoked_at
        ),
        None,
    )
    return view.render("admin/api_keys.html", keys=keys, revoked=done)


@router.get("/admin/api-keys/{key_id}/revoke")
async def confirm_revoke(key_id: str, view: PageView) -> Response:
    """The confirmation of a revocation: which key, whose, and that it cannot be undone."""
    found = await run_in_threadpool(_key_of, view, key_id)
    if found is None:
        raise ServiceError(404, "api-key-not-found")
    key, holder = found
    if key.revoked_at is not None:
        return redirect("/admin/api-keys")
    return view.render("admin/api_key_revoke.html", key=key, holder=holder)


@router.post("/admin/api-keys/{key_id}/revoke")
async def revoke_key(key_id: str, view: FormView) -> Response:
    """Revoke someone's API key once confirmed; it stops working at once (audited)."""
    if view.field("confirm") != "yes":
        return redirect(f"/admin/api-keys/{key_id}/revoke")
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
    return redirect(f"/admin/api-keys?revoked={key_id}")
