"""User administration: admins create, list, change, deactivate accounts and reset passwords."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlmodel import col, select

from gateway.auth import Keys
from gateway.deps import AdminCaller, get_keys
from gateway.identity import councils, users
from gateway.models import User
from gateway.schemas import PasswordReset, UserCreate, UserPublic, UserUpdate
from kelisim import pagination, preconditions
from kelisim.commands import UNPRINTED, Command
from kelisim.db import new_session
from kelisim.pagination import Cursor, Limit, Page
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, ServiceContext
from kelisim.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/users", tags=["users"])


KeysDep = Annotated[Keys, Depends(get_keys)]


# The state-changing POSTs run through `ctx.run`, so `Idempotency-Key` is honoured as in
# every service (the answer of a retry is the first answer; no answer here carries a secret).
# A password enters the request's fingerprint only as an HMAC under the session secret, which
# the database does not hold.
@dataclass(frozen=True, kw_only=True)
class CreateUser(Command):
    body: UserCreate = field(metadata=UNPRINTED)
    profile: dict[str, Any]
    password_mac: str


@dataclass(frozen=True, kw_only=True)
class Deactivate(Command):
    user_id: str
    acting_user_id: str


@dataclass(frozen=True, kw_only=True)
class ResetPassword(Command):
    user_id: str
    body: PasswordReset = field(metadata=UNPRINTED)
    password_mac: str


def sealed(password: str, keys: Keys) -> str:
    """A password as it enters a fingerprint: keyed, so a stored digest cannot be guessed from."""
    return hmac.new(keys.session_secret, password.encode(), hashlib.sha256).hexdigest()


def etag(user: User) -> str:
    """A validator of the account's current state, for If-Match."""
    return preconditions.etag_of([user.id, user.updated_at, users.snapshot(user)])


def _public(user: User, response: Response | None = None) -> UserPublic:
    if response is not None:
        response.headers["ETag"] = etag(user)
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("", status_code=201, response_model=UserPublic)
async def create_user(
    body: UserCreate,
    request: Request,
    response: Response,
    caller: AdminCaller,
    ctx: ContextDep,
    keys: KeysDep,
) -> UserPublic:
    """Create a staff account with roles and scopes (`Idempotency-Key` honoured); its councils
    must exist (422 `unknown_council` at `councils`)."""
    calls = request.app.state.calls
    await councils.require_existing(calls, request, caller.principal(), body.councils)

    def handle(cmd: CreateUser, uow: UnitOfWork) -> User:
        return users.create_user(cmd.body, uow, ctx.settings)

    cmd = CreateUser(
        principal=caller.principal(),
        body=body,
        profile=body.model_dump(mode="json", exclude={"password"}),
        password_mac=sealed(body.password, keys),
    )
    user = await run_in_threadpool(ctx.run, request, handle, cmd)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return _public(user, response)


@router.get("", response_model=Page[UserPublic])
def list_users(
    caller: AdminCaller,
    ctx: ContextDep,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
    username: str | None = None,
) -> Page[UserPublic]:
    """Accounts ordered by username (keyset pagination: pass `next_cursor` as `cursor`)."""
    query = select(User).order_by(col(User.username)).limit(limit + 1)
    if cursor:
        (after,) = pagination.decode(cursor, str)
        query = query.where(col(User.username) > after)
    if username:
        query = query.where(User.username == username)
    with new_session(ctx.engine) as session:
        rows, next_cursor = pagination.page(
            list(session.exec(query).all()), limit, lambda u: (u.username,)
        )
    return Page[UserPublic](items=[_public(u) for u in rows], next_cursor=next_cursor)


@router.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: str, response: Response, caller: AdminCaller, ctx: ContextDep) -> UserPublic:
    """One account."""
    with new_session(ctx.engine) as session:
        user = users.get_user(session, user_id)
    return _public(user, response)


@router.patch("/{user_id}", response_model=UserPublic)
async def update_user(
    user_id: str,
    body: UserUpdate,
    request: Request,
    response: Response,
    caller: AdminCaller,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> UserPublic:
    """Change an account's profile, roles, scopes or active flag (If-Match honoured); councils
    it adds must exist (422 `unknown_council` at `councils`)."""
    if body.councils:
        account = await run_in_threadpool(_account, ctx, user_id)
        added = set(body.councils) - set(account.councils)
        await councils.require_existing(request.app.state.calls, request, caller.principal(), added)

    def change() -> User:
        with ctx.uow(caller.actor(request)) as uow:
            preconditions.require(if_match, etag(users.get_user(uow.session, user_id)))
            user = users.update_user(user_id, body, uow, acting_user_id=caller.user.id)
            uow.commit()
            return user

    return _public(await run_in_threadpool(change), response)


def _account(ctx: ServiceContext, user_id: str) -> User:
    with new_session(ctx.engine) as session:
        return users.get_user(session, user_id)


@router.post("/{user_id}/deactivate", response_model=UserPublic)
def deactivate_user(
    user_id: str, request: Request, response: Response, caller: AdminCaller, ctx: ContextDep
) -> UserPublic:
    """Deactivate an account: its tokens, sessions and API keys stop working at once."""

    def handle(cmd: Deactivate, uow: UnitOfWork) -> User:
        return users.update_user(
            cmd.user_id, UserUpdate(active=False), uow, acting_user_id=cmd.acting_user_id
        )

    cmd = Deactivate(principal=caller.principal(), user_id=user_id, acting_user_id=caller.user.id)
    user = ctx.run(request, handle, cmd)
    return _public(user, response)


@router.post("/{user_id}/password", status_code=204)
def reset_password(
    user_id: str,
    body: PasswordReset,
    request: Request,
    caller: AdminCaller,
    ctx: ContextDep,
    keys: KeysDep,
) -> Response:
    """Set a new password; the account's earlier tokens and sessions stop working."""

    def handle(cmd: ResetPassword, uow: UnitOfWork) -> None:
        users.reset_password(cmd.user_id, cmd.body.password, uow, ctx.settings)

    cmd = ResetPassword(
        principal=caller.principal(),
        user_id=user_id,
        body=body,
        password_mac=sealed(body.password, keys),
    )
    ctx.run(request, handle, cmd)
    return Response(status_code=204)
