"""Who is calling the gateway: bearer token, personal API key or web session cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import bindparam
from sqlalchemy.engine import Engine, Row
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from gateway.auth import (
    API_KEY_PREFIX,
    CSRF_HEADER,
    SESSION_COOKIE,
    Keys,
    csrf_matches,
    hash_api_key,
    read_access_token,
    unauthenticated,
)
from gateway.identity.sessions import is_live
from gateway.models import ApiKey, User
from gateway.schemas import UserPublic
from kelisim import web
from kelisim.auth import Principal
from kelisim.db import DriverStatement, new_session, reader, table_of
from kelisim.problems import Problem
from kelisim.service import ContextDep, ServiceContext
from kelisim.uow import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# What a request knows of its caller's account: the fields `UserPublic` shows (no password
# hash), read from the row without the ORM (a mapped `User` cost a sixth of a proxied read)
# and never written through.
Account = UserPublic
ACCOUNT_FIELDS = tuple(UserPublic.model_fields)


def account_of(source: User | Row[Any] | tuple[Any, ...]) -> Account:
    """A loaded `User`, or a row of its columns (SQLAlchemy's or the driver's named tuple),
    as the account a request carries."""
    return Account.model_construct(**{name: getattr(source, name) for name in ACCOUNT_FIELDS})


@dataclass(frozen=True)
class Caller:
    """An authenticated, active user and how they proved it."""

    user: Account
    via: Literal["bearer", "api_key", "session"]
    session_id: str | None = None

    def principal(self) -> Principal:
        """The identity the gateway vouches for in service tokens."""
        user = self.user
        return Principal(
            sub=user.username,
            user_id=user.id,
            roles=frozenset(user.roles),
            regions=frozenset(user.regions),
            councils=frozenset(user.councils),
            name=user.full_name,
            lang=user.lang,
        )

    def actor(self, request: Request) -> Actor:
        return Actor(self.user.username)


# Dependencies are `async def` (FastAPI would run a plain `def` one in its thread pool, one
# hop per request); the account lookup runs where reads are cheapest (ServiceContext.read).
async def get_keys(request: Request) -> Keys:
    return request.app.state.keys


async def current_caller(
    request: Request,
    ctx: ContextDep,
    keys: Annotated[Keys, Depends(get_keys)],
    bearer: Annotated[str | None, Depends(oauth2_scheme)],
) -> Caller:
    """The caller, or 401; a cookie session must show its CSRF token on unsafe methods."""
    if bearer and bearer.startswith(API_KEY_PREFIX):  # may stamp the key's use: a write
        caller = await run_in_threadpool(_identify, request, ctx, keys, bearer)
    else:
        caller = await ctx.read(_identify, request, ctx, keys, bearer)
    web.note_user(request, caller.user.id)
    return caller


def _identify(request: Request, ctx: ServiceContext, keys: Keys, bearer: str | None) -> Caller:
    if bearer:
        if bearer.startswith(API_KEY_PREFIX):
            return Caller(_user_of_api_key(ctx.engine, bearer), "api_key")
        claims = read_access_token(keys, ctx.settings, bearer, kind="access")
        return Caller(_user_of_claims(ctx.engine, claims), "bearer")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise unauthenticated()
    claims = read_access_token(keys, ctx.settings, cookie, kind="session")
    if request.method not in SAFE_METHODS and not csrf_matches(
        keys, claims["jti"], request.headers.get(CSRF_HEADER)
    ):
        raise Problem(403, "csrf-failed", "The CSRF token is missing or wrong.")
    user = _user_of_claims(ctx.engine, claims, web=True)
    return Caller(user, "session", session_id=claims["jti"])


# Built once: every request through the gateway runs it (see services/cases/queries.py). The
# ORM's `session.get` cost the gateway a fifth of a proxied read (py-spy, session 14).
_ACCOUNT = table_of(User)
_USER = select(_ACCOUNT.c.token_epoch, *(_ACCOUNT.c[name] for name in ACCOUNT_FIELDS)).where(
    _ACCOUNT.c.id == bindparam("id")
)


def _user_of_claims(engine: Engine, claims: dict, *, web: bool = False) -> Account:
    """The active account a token names, if its epoch (and, for a cookie, its session) is live.

    Read by the driver with the columns' own conversions (`DriverStatement.typed_rows`):
    through `Connection.execute` the lookup was a twentieth of a proxied read.
    """
    with reader(engine).connect() as conn:
        found = DriverStatement.of(_USER, conn.dialect).typed_rows(conn, {"id": claims["sub"]})
        row = found[0] if found else None
        live = not web or is_live(conn, str(claims.get("jti", "")), str(claims["sub"]))
    if row is None or not row.active or row.token_epoch != claims.get("ep") or not live:
        raise unauthenticated("invalid-token", "The access token is no longer valid.")
    return account_of(row)


def _user_of_api_key(engine: Engine, key: str) -> Account:
    """The active owner of an unrevoked API key; 401 otherwise."""
    now = datetime.now(UTC)
    with new_session(engine) as session:
        row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key))).first()
        user = session.get(User, row.user_id) if row is not None else None
        if row is None or row.revoked_at is not None or user is None or not user.active:
            raise unauthenticated("invalid-api-key", "The API key is not valid.")
        last = row.last_used_at
        # Stamp the use at most once a minute: a busy feed poller should not write every call.
        if last is None or last < now - timedelta(minutes=1):
            row.last_used_at = now
            session.add(row)
            session.commit()
        return account_of(user)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


async def interactive_caller(caller: CurrentCaller) -> Caller:
    """A person at a screen (token or session): API keys cannot manage accounts or keys."""
    if caller.via == "api_key":
        raise Problem(403, "api-key-not-allowed", "API keys cannot be used for this.")
    return caller


InteractiveCaller = Annotated[Caller, Depends(interactive_caller)]


async def admin_caller(caller: InteractiveCaller) -> Caller:
    """An admin, logged in interactively; 403 otherwise."""
    if "admin" not in caller.user.roles:
        raise Problem(403, "forbidden", "Only an admin manages users.")
    return caller


AdminCaller = Annotated[Caller, Depends(admin_caller)]
