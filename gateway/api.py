"""The gateway's own routes for every user: log in (token or web session), me, API keys."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import col, select

from gateway.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Keys,
    clear_session_cookie,
    csrf_matches,
    issue_access_token,
    new_api_key,
    read_access_token,
    set_session_cookie,
)
from gateway.deps import CurrentCaller, InteractiveCaller, get_keys
from gateway.identity.login import login
from gateway.models import ApiKey, User
from gateway.schemas import AccessToken, ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Me
from kelisim.db import new_session
from kelisim.problems import Problem
from kelisim.service import ContextDep, ServiceContext
from kelisim.uow import Actor

router = APIRouter(tags=["identity"])
KeysDep = Annotated[Keys, Depends(get_keys)]


def _login(ctx: ServiceContext, request: Request, username: str, password: str) -> User:
    address = request.client.host if request.client else "unknown"
    return login(
        ctx.engine,
        lambda: ctx.uow(Actor(username or "anonymous")),
        username,
        password,
        address,
        ctx.settings,
    )


@router.post("/api/v1/auth/token", response_model=AccessToken)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    ctx: ContextDep,
    keys: KeysDep,
) -> AccessToken:
    """Exchange a username and password for a bearer access token (OAuth2 password flow)."""
    user = _login(ctx, request, form.username, form.password)
    seconds = ctx.settings.access_token_minutes * 60
    access = issue_access_token(keys, ctx.settings, user.id, user.token_epoch, seconds=seconds)
    return AccessToken(access_token=access, expires_in=seconds)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login", include_in_schema=False)
def web_login(
    request: Request,
    ctx: ContextDep,
    keys: KeysDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Log in from the web form (double-submit CSRF cookie); sets the session cookie."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise Problem(403, "csrf-failed", "The login form has expired; reload it.")
    user = _login(ctx, request, username, password)
    seconds = ctx.settings.session_hours * 3600
    session = issue_access_token(
        keys, ctx.settings, user.id, user.token_epoch, seconds=seconds, kind="session"
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, ctx.settings, session)
    return response


@router.post("/logout", include_in_schema=False)
def web_logout(
    request: Request, ctx: ContextDep, keys: KeysDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Log out of the web session (the form carries the session's CSRF token)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        claims = read_access_token(keys, ctx.settings, cookie, kind="session")
        if not csrf_matches(keys, claims["jti"], csrf_token):
            raise Problem(403, "csrf-failed", "The CSRF token is missing or wrong.")
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, ctx.settings)
    return response


@router.get("/api/v1/me", response_model=Me)
def me(caller: CurrentCaller) -> Me:
    """The caller's own account: roles, scopes, language."""
    return Me.model_validate({**caller.user.model_dump(), "authenticated_by": caller.via})


def _key_public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(row, from_attributes=True)


@router.post("/api/v1/me/api-keys", status_code=201, response_model=ApiKeyCreated)
def create_api_key(
    body: ApiKeyCreate, request: Request, caller: InteractiveCaller, ctx: ContextDep
) -> ApiKeyCreated:
    """Create a personal API key; the key is shown in this answer only."""
    key, prefix, digest = new_api_key()
    with ctx.uow(caller.actor(request)) as uow:
        row = ApiKey(user_id=caller.user.id, name=body.name, prefix=prefix, key_hash=digest)
        uow.session.add(row)
        uow.session.flush()
        uow.audit(
            "api_key.created",
            "api_key",
            row.id,
            after={"user_id": row.user_id, "name": row.name, "prefix": prefix},
        )
        uow.commit()
    return ApiKeyCreated(**_key_public(row).model_dump(), key=key)


@router.get("/api/v1/me/api-keys", response_model=list[ApiKeyPublic])
def list_api_keys(caller: InteractiveCaller, ctx: ContextDep) -> list[ApiKeyPublic]:
    """The caller's API keys (never the keys themselves)."""
    with new_session(ctx.engine) as session:
        rows = session.exec(
            select(ApiKey)
            .where(ApiKey.user_id == caller.user.id)
            .order_by(col(ApiKey.created_at), col(ApiKey.id))
        ).all()
    return [_key_public(r) for r in rows]


@router.delete("/api/v1/me/api-keys/{key_id}", status_code=204)
def revoke_api_key(
    key_id: str, request: Request, caller: InteractiveCaller, ctx: ContextDep
) -> Response:
    """Revoke one of the caller's API keys; it stops working at once."""
    with ctx.uow(caller.actor(request)) as uow:
        row = uow.session.get(ApiKey, key_id)
        if row is None or row.user_id != caller.user.id:
            raise Problem(404, "api-key-not-found", "No such API key.")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            uow.session.add(row)
            uow.audit("api_key.revoked", "api_key", row.id, after={"user_id": row.user_id})
            uow.commit()
    return Response(status_code=204)
