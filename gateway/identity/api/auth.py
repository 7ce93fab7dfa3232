"""Logging in and out: the OAuth2 password flow for a bearer token, and the web session."""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm

from gateway.auth import (
    LANG_PICK_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Keys,
    clear_lang_pick_cookie,
    clear_session_cookie,
    csrf_matches,
    issue_access_token,
    read_access_token,
    safe_next,
    set_session_cookie,
)
from gateway.deps import get_keys
from gateway.identity import oauth, sessions, users
from gateway.identity.account import client_address
from gateway.identity.login import login
from gateway.models import User
from gateway.schemas import AccessToken
from kelisim.problems import Problem
from kelisim.service import ContextDep, ServiceContext
from kelisim.uow import Actor

router = APIRouter(tags=["identity"])
KeysDep = Annotated[Keys, Depends(get_keys)]


def _login(ctx: ServiceContext, request: Request, username: str, password: str) -> User:
    return login(
        ctx.engine,
        partial(ctx.uow, Actor(username or "anonymous")),
        username,
        password,
        client_address(request),
        ctx.settings,
    )


def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    ctx: ContextDep,
    keys: KeysDep,
) -> AccessToken:
    """Exchange a username and password for a bearer access token (OAuth2 password flow).

    A refusal is problem details (application/problem+json) that also carry RFC 6749's
    `error` and `error_description`: 400 `invalid_grant` for a wrong username or password
    (the same answer whether or not the account exists) or a deactivated account, 400
    `invalid_request` for a missing or malformed field, 400 `unsupported_grant_type` for a
    grant_type other than `password`; 429 with Retry-After after too many failures, without
    checking the password.
    """
    try:
        user = _login(ctx, request, form.username, form.password)
    except Problem as problem:
        raise oauth.refusal(problem) from None
    seconds = ctx.settings.access_token_minutes * 60
    access = issue_access_token(keys, ctx.settings, user.id, user.token_epoch, seconds=seconds)
    return AccessToken(access_token=access, expires_in=seconds)


router.add_api_route(
    "/api/v1/auth/token",
    token,
    methods=["POST"],
    response_model=AccessToken,
    route_class_override=oauth.TokenRoute,
)


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
    """Log in from the web form (double-submit CSRF cookie); sets the session cookie.

    A language the visitor picked before logging in becomes the account's (audited and
    announced as the account's own change), so the pages and the e-mails speak it from now on.
    """
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise Problem(403, "csrf-failed", "The login form has expired; reload it.")
    user = _login(ctx, request, username, password)
    seconds = ctx.settings.session_hours * 3600
    with ctx.uow(Actor(user.username)) as uow:
        users.adopt_language(user.id, request.cookies.get(LANG_PICK_COOKIE), uow)
        row = sessions.open_session(uow, user, seconds, client_address(request))
        uow.commit()
    session = issue_access_token(
        keys, ctx.settings, user.id, user.token_epoch, seconds=seconds, kind="session", jti=row.id
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, ctx.settings, session)
    clear_lang_pick_cookie(response, ctx.settings)
    return response


@router.post("/logout", include_in_schema=False)
def web_logout(
    request: Request,
    ctx: ContextDep,
    keys: KeysDep,
    csrf_token: Annotated[str, Form()] = "",
    everywhere: Annotated[str, Form()] = "",
) -> Response:
    """Log out: the session ends on the server; `everywhere` ends all the account's sessions."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            claims = read_access_token(keys, ctx.settings, cookie, kind="session")
        except Problem:
            claims = None  # an expired or foreign cookie: nothing to end, just clear it
        if claims is not None:
            if not csrf_matches(keys, claims["jti"], csrf_token):
                raise Problem(403, "csrf-failed", "The CSRF token is missing or wrong.")
            _end(ctx, request, str(claims["sub"]), str(claims["jti"]), everywhere=bool(everywhere))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, ctx.settings)
    return response


def _end(
    ctx: ServiceContext, request: Request, user_id: str, jti: str, *, everywhere: bool
) -> None:
    """Revoke this session (or all of the account's); an unknown account changes nothing."""
    with ctx.uow(Actor(user_id)) as uow:
        user = uow.session.get(User, user_id)
        if user is None:
            return
        uow.actor = Actor(user.username)
        if everywhere:
            sessions.revoke_all(uow, user, "signed-out-everywhere")
        else:
            try:
                sessions.revoke_session(uow, jti, user_id, "signed-out")
            except Problem:
                return  # a cookie from before server-side sessions: nothing to revoke
        uow.commit()
