"""The caller's own account: who they are, and their personal API keys."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import col, select

from gateway.auth import new_api_key
from gateway.deps import CurrentCaller, InteractiveCaller
from gateway.identity import api_keys
from gateway.models import ApiKey
from gateway.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Me
from kelisim.db import new_session
from kelisim.pagination import Page
from kelisim.service import ContextDep

router = APIRouter(tags=["identity"])


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
