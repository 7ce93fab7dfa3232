"""A person's own account: their language, their e-mail digest and their password.

Roles, scopes, the profile and the active flag stay the admin's (gateway/identity/users.py);
both go through the same commands, so a person's change is audited and announced as an
admin's is. The current password is checked by the login's own throttled check, so this
form cannot be used to guess passwords faster than the login form.
"""

from __future__ import annotations

from functools import partial

from fastapi import Request

from gateway.auth import Keys, issue_access_token
from gateway.deps import Caller
from gateway.identity import sessions, users
from gateway.identity.login import INVALID, login
from gateway.identity.passwords import check_policy
from gateway.models import User
from gateway.schemas import MeUpdate, UserUpdate
from kelisim.problems import Problem
from kelisim.service import ServiceContext

WRONG_PASSWORD = "wrong-current-password"
WRONG_PASSWORD_TEXT = "The current password is wrong."


def client_address(request: Request) -> str:
    """The address the login throttle and the session list know a client by."""
    return request.client.host if request.client else "unknown"


def update_settings(ctx: ServiceContext, caller: Caller, request: Request, body: MeUpdate) -> User:
    """Change the caller's own language or e-mail digest (the admin's update path)."""
    change = UserUpdate.model_validate(body.model_dump(exclude_unset=True))
    with ctx.uow(caller.actor(request)) as uow:
        user = users.update_user(caller.user.id, change, uow, acting_user_id=caller.user.id)
        uow.commit()
    return user


def change_password(
    ctx: ServiceContext, keys: Keys, caller: Caller, request: Request, current: str, new: str
) -> str | None:
    """Replace the caller's password after checking the current one; every other session and
    token ends. Returns a fresh session token when the caller came with a session cookie,
    so the browser that changed it stays signed in (None for a bearer token, which ends)."""
    check_policy(new, ctx.settings)
    address = client_address(request)
    username = caller.user.username
    try:
        login(
            ctx.engine,
            partial(ctx.uow, caller.actor(request)),
            username,
            current,
            address,
            ctx.settings,
        )
    except Problem as problem:
        if problem.kind != INVALID.kind:
            raise  # too many attempts: 429 with Retry-After, as at the login
        error = {
            "loc": ["body", "current_password"],
            "msg": WRONG_PASSWORD_TEXT,
            "type": WRONG_PASSWORD,
        }
        raise Problem(422, WRONG_PASSWORD, WRONG_PASSWORD_TEXT, errors=[error]) from None
    seconds = ctx.settings.session_hours * 3600
    with ctx.uow(caller.actor(request)) as uow:
        user = users.reset_password(caller.user.id, new, uow, ctx.settings, by_owner=True)
        row = (
            sessions.open_session(uow, user, seconds, address) if caller.via == "session" else None
        )
        uow.commit()
    if row is None:
        return None
    return issue_access_token(
        keys, ctx.settings, user.id, user.token_epoch, seconds=seconds, kind="session", jti=row.id
    )
