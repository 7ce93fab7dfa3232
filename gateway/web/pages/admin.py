"""Administration: users with roles and scopes; webhook endpoints and their deliveries."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import col, select

from gateway.identity import councils, passwords, users
from gateway.models import User
from gateway.schemas import UserCreate, UserUpdate
from gateway.web.client import ServiceError
from gateway.web.view import (
    FormErrors,
    FormView,
    PageView,
    View,
    form_errors,
    problem_errors,
    redirect,
    validation_errors,
)
from kelisim.auth import REGIONAL_ROLES
from kelisim.db import new_session
from kelisim.problems import Problem

router = APIRouter(include_in_schema=False)
NOTIFICATIONS = "/api/v1/notifications"
ENDPOINT_STEPS = ("enabled", "disabled", "deleted")  # what the webhooks page says was done


def _admin(view: View) -> None:
    if not view.has("admin"):
        raise ServiceError(403, "forbidden")


def _account_fields(view: View) -> dict[str, Any]:
    form = view.form
    assert form is not None
    return {
        "full_name": view.field("full_name").strip(),
        "email": view.field("email").strip() or None,
        "lang": view.field("lang", "kk"),
        "email_digest": view.field("email_digest") == "on",
        "roles": [str(r) for r in form.getlist("roles")],
        "regions": [str(r) for r in form.getlist("regions")],
        "councils": [str(c) for c in form.getlist("councils")],
    }


@router.get("/admin/users")
async def user_list(view: PageView, saved: str = "") -> Response:
    """Every staff account with its roles and scopes (and which one was just saved)."""
    _admin(view)
    engine = view.request.app.state.ctx.engine

    def load() -> list[User]:
        with new_session(engine) as session:
            return list(session.exec(select(User).order_by(col(User.username))).all())

    accounts = await run_in_threadpool(load)
    done = next((a for a in accounts if a.username == saved), None)
    # Saved before a regional role needed a region: such an account signs in and sees nothing.
    unscoped = [
        a for a in accounts if a.active and not a.regions and REGIONAL_ROLES.intersection(a.roles)
    ]
    return view.render("admin/users.html", accounts=accounts, saved=done, unscoped=unscoped)


async def _user_form(
    view: View,
    account: User | None,
    errors: FormErrors | None = None,
    status: int = 200,
    known: list[Any] | None = None,
) -> Response:
    """The account form; councils are offered by name (none when the service is down)."""
    shortest = passwords.min_length(view.request.app.state.ctx.settings)
    return view.render(
        "admin/user_form.html",
        status=status,
        account=account,
        errors=errors,
        password_min=shortest,
        councils=await view.services.items(councils.COUNCILS) if known is None else known,
    )


async def _check_councils(view: View, added: set[str]) -> list[Any] | None:
    """The councils listed, after checking the `added` ones exist (a Problem if not)."""
    if not added:
        return None
    known = await view.services.every(councils.COUNCILS)
    councils.require_known(added, [c["id"] for c in known])
    return known


@router.get("/admin/users/new")
async def new_user(view: PageView) -> Response:
    """The form of a new account."""
    _admin(view)
    return await _user_form(view, None)


@router.post("/admin/users/new")
async def create_user(view: FormView) -> Response:
    """Create an account; errors come back next to the fields."""
    _admin(view)
    ctx = view.request.app.state.ctx
    try:
        cmd = UserCreate(
            username=view.field("username").strip(),
            password=view.field("password"),
            **_account_fields(view),
        )
    except ValidationError as exc:
        return await _user_form(view, None, validation_errors(view, exc), 422)
    try:
        known = await _check_councils(view, set(cmd.councils))
    except Problem as problem:
        return await _user_form(view, None, problem_errors(view, problem), problem.status)

    def save() -> None:
        with ctx.uow(view.caller.actor(view.request)) as uow:  # type: ignore[union-attr]
            users.create_user(cmd, uow, ctx.settings)
            uow.commit()

    try:
        await run_in_threadpool(save)
    except Problem as problem:
        field = {"username-taken": "username", "weak-password": "password"}.get(problem.kind)
        return await _user_form(
            view, None, problem_errors(view, problem, field), problem.status, known
        )
    return redirect(f"/admin/users?saved={cmd.username}")


def _load_user(view: View, user_id: str) -> User:
    with new_session(view.request.app.state.ctx.engine) as session:
        try:
            return users.get_user(session, user_id)
        except Problem as problem:
            raise ServiceError(404, problem.kind) from problem


@router.get("/admin/users/{user_id}")
async def edit_user(user_id: str, view: PageView) -> Response:
    """The form of an account's roles and scopes."""
    _admin(view)
    return await _user_form(view, await run_in_threadpool(_load_user, view, user_id))


@router.post("/admin/users/{user_id}")
async def update_user(user_id: str, view: FormView) -> Response:
    """Change roles, scopes, language or the active flag of an account."""
    _admin(view)
    ctx = view.request.app.state.ctx
    account = await run_in_threadpool(_load_user, view, user_id)
    try:
        cmd = UserUpdate(**_account_fields(view), active=view.field("active") == "on")
    except ValidationError as exc:
        return await _user_form(view, account, validation_errors(view, exc), 422)
    try:
        known = await _check_councils(view, set(cmd.councils or ()) - set(account.councils))
    except Problem as problem:
        return await _user_form(view, account, problem_errors(view, problem), problem.status)
    acting = view.caller.user.id  # type: ignore[union-attr]

    def save() -> None:
        with ctx.uow(view.caller.actor(view.request)) as uow:  # type: ignore[union-attr]
            users.update_user(user_id, cmd, uow, acting_user_id=acting)
            uow.commit()

    try:
        await run_in_threadpool(save)
    except Problem as problem:
        return await _user_form(view, account, problem_errors(view, problem), problem.status, known)
    return redirect(f"/admin/users?saved={account.username}")


async def _webhooks(
    view: View,
    errors: FormErrors | None = None,
    status: int = 200,
    created: Any = None,
    rotated: Any = None,
    done: str = "",
) -> Response:
    endpoints, deliveries = await asyncio.gather(
        view.services.get(f"{NOTIFICATIONS}/endpoints"),
        view.services.maybe(f"{NOTIFICATIONS}/deliveries", {"items": []}, limit=50),
    )
    return view.render(
        "admin/webhooks.html",
        status=status,
        endpoints=endpoints["items"],
        deliveries=deliveries["items"],
        errors=errors,
        created=created,
        rotated=rotated,
        done=done if done in ENDPOINT_STEPS else "",
    )


@router.get("/admin/webhooks")
async def webhooks(view: PageView, done: str = "") -> Response:
    """Liaison webhook endpoints (secrets masked) and the latest deliveries."""
    _admin(view)
    return await _webhooks(view, done=done)


@router.post("/admin/webhooks")
async def create_endpoint(view: FormView) -> Response:
    """Register a region's liaison endpoint; the generated secret is shown once."""
    _admin(view)
    body = {
        "region": view.field("region"),
        "url": view.field("url").strip(),
        "description": view.field("description"),
        "generate_secret": True,
    }
    try:
        created = await view.services.post(f"{NOTIFICATIONS}/endpoints", body)
    except ServiceError as error:
        return await _webhooks(view, form_errors(view, error), error.status)
    view.form = None  # registered: the form starts empty for the next one
    return await _webhooks(view, created=created, status=201)


async def _switch(view: View, endpoint_id: str, enabled: bool) -> Response:
    _admin(view)
    path = f"{NOTIFICATIONS}/endpoints/{endpoint_id}"
    try:
        await view.services.call("PATCH", path, json={"enabled": enabled})
    except ServiceError as error:
        return await _webhooks(view, form_errors(view, error), error.status)
    return redirect(f"/admin/webhooks?done={'enabled' if enabled else 'disabled'}")


@router.post("/admin/webhooks/{endpoint_id}/disable")
async def disable_endpoint(endpoint_id: str, view: FormView) -> Response:
    """Turn an endpoint off: nothing is sent to it until it is turned on again."""
    return await _switch(view, endpoint_id, False)


@router.post("/admin/webhooks/{endpoint_id}/enable")
async def enable_endpoint(endpoint_id: str, view: FormView) -> Response:
    """Turn an endpoint on again."""
    return await _switch(view, endpoint_id, True)


@router.get("/admin/webhooks/{endpoint_id}/delete")
async def confirm_delete(endpoint_id: str, view: PageView) -> Response:
    """The confirmation of a deletion: which endpoint, and that it cannot be undone."""
    _admin(view)
    endpoint = await view.services.get(f"{NOTIFICATIONS}/endpoints/{endpoint_id}")
    return view.render("admin/webhook_delete.html", endpoint=endpoint)


@router.post("/admin/webhooks/{endpoint_id}/delete")
async def delete_endpoint(endpoint_id: str, view: FormView) -> Response:
    """Delete an endpoint once confirmed; its waiting deliveries go to the dead letters."""
    _admin(view)
    if view.field("confirm") != "yes":
        return redirect(f"/admin/webhooks/{endpoint_id}/delete")
    try:
        await view.services.call("DELETE", f"{NOTIFICATIONS}/endpoints/{endpoint_id}")
    except ServiceError as error:
        return await _webhooks(view, form_errors(view, error), error.status)
    return redirect("/admin/webhooks?done=deleted")


@router.post("/admin/webhooks/{endpoint_id}/rotate")
async def rotate_secret(endpoint_id: str, view: FormView) -> Response:
    """Rotate an endpoint's secret; the new one is shown once, the last old one still verifies."""
    _admin(view)
    try:
        rotated = await view.services.post(
            f"{NOTIFICATIONS}/endpoints/{endpoint_id}/secret-rotation"
        )
    except ServiceError as error:
        return await _webhooks(view, form_errors(view, error), error.status)
    return await _webhooks(view, rotated=rotated)


@router.post("/admin/webhooks/deliveries/{delivery_id}/replay")
async def replay(delivery_id: str, view: FormView) -> Response:
    """Send a delivery again."""
    _admin(view)
    try:
        await view.services.post(f"{NOTIFICATIONS}/deliveries/{delivery_id}/replay")
    except ServiceError as error:
        return await _webhooks(view, form_errors(view, error), error.status)
    return redirect("/admin/webhooks")
