"""Logging in and out: the OAuth2 password flow for a bearer token, and the web session."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from gateway.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Keys,
    clear_session_cookie,
    csrf_matches,
    issue_access_token,
    read_access_token,
    set_session_cookie,
)
from gateway.deps import get_keys
from gateway.identity.login import login
from gateway.models import User
from gateway.schemas import AccessToken
from kelisim.problems import Problem
from kelisim.service import ContextDep, ServiceContext
from kelisim.uow import Actor

router = APIRouter(tags=["identity"])
KeysDep = Annotated[Keys, Depends(get_keys)]


def _login(ctx: ServiceContext, request: Request, username: str, password: str) -> User:
    address = request.client.host if request.client else "unknown"
    return login(
        ctx.engine,
        partial(ctx.uow, Actor(username or "anonymous")),
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
