"""The caller's own account: who they are, their settings and password, their API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlmodel import col, select

from gateway.auth import Keys, new_api_key, set_session_cookie
from gateway.deps import CurrentCaller, InteractiveCaller, get_keys
from gateway.identity import account, api_keys
from gateway.models import ApiKey
from gateway.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    Me,
    MeUpdate,
    PasswordChange,
    UserPublic,
)
from kelisim.db import new_session
from kelisim.pagination import Page
from kelisim.service import ContextDep

router = APIRouter(tags=["identity"])
KeysDep = Annotated[Keys, Depends(get_keys)]


@router.get("/api/v1/me", response_model=Me)
def me(caller: CurrentCaller) -> Me:
    """The caller's own account: roles, scopes, language."""
    return Me.model_validate({**caller.user.model_dump(), "authenticated_by": caller.via})


@router.patch("/api/v1/me", response_model=Me)
async def update_me(
    body: MeUpdate, request: Request, caller: InteractiveCaller, ctx: ContextDep
) -> Me:
    """Change one's own language or e-mail digest; any other field is refused (422), since
    roles, scopes and the profile are the admin's. Audited and announced as an admin's change."""
    user = await run_in_threadpool(account.update_settings, ctx, caller, request, body)
    public = UserPublic.model_validate(user, from_attributes=True)
    return Me.model_validate({**public.model_dump(), "authenticated_by": caller.via})


@router.post("/api/v1/me/password", status_code=204)
async def change_password(
    body: PasswordChange,
    request: Request,
    caller: InteractiveCaller,
    ctx: ContextDep,
    keys: KeysDep,
) -> Response:
    """Change one's own password: the current one is checked (throttled as the login is:
    429 with Retry-After), the new one meets the admin's rules (422 `weak-password`); a wrong
    current one is 422 `wrong-current-password` and changes nothing. Every other session and
    token ends, this bearer token too; a web session that changed it gets a fresh cookie."""
    fresh = await run_in_threadpool(
        account.change_password,
        ctx,
        keys,
        caller,
        request,
        body.current_password,
        body.new_password,
    )
    response = Response(status_code=204)
    if fresh is not None:
        set_session_cookie(response, ctx.settings, fresh)
    return response


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


@router.get("/api/v1/me/api-keys", response_model=Page[ApiKeyPublic])
def list_api_keys(caller: InteractiveCaller, ctx: ContextDep) -> Page[ApiKeyPublic]:
    """The caller's API keys, never the keys themselves (one page: a person's own)."""
    with new_session(ctx.engine) as session:
        rows = session.exec(
            select(ApiKey)
            .where(ApiKey.user_id == caller.user.id)
            .order_by(col(ApiKey.created_at), col(ApiKey.id))
        ).all()
    return Page[ApiKeyPublic](items=[_key_public(r) for r in rows])


@router.delete("/api/v1/me/api-keys/{key_id}", status_code=204)
def revoke_api_key(
    key_id: str, request: Request, caller: InteractiveCaller, ctx: ContextDep
) -> Response:
    """Revoke one of the caller's API keys; it stops working at once."""
    with ctx.uow(caller.actor(request)) as uow:
        api_keys.revoke(uow, key_id, caller.user.id)
        uow.commit()
    return Response(status_code=204)
