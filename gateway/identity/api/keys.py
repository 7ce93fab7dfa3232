"""An admin's view of everyone's personal API keys: list them, revoke a lost or misused one."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import col, select

from gateway.deps import AdminCaller
from gateway.identity import api_keys
from gateway.identity.users import get_user
from gateway.models import ApiKey
from gateway.schemas import ApiKeyPublic
from kelisim.db import new_session
from kelisim.pagination import Page
from kelisim.service import ContextDep

router = APIRouter(prefix="/api/v1/users/{user_id}/api-keys", tags=["users"])


@router.get("", response_model=Page[ApiKeyPublic])
def user_api_keys(user_id: str, caller: AdminCaller, ctx: ContextDep) -> Page[ApiKeyPublic]:
    """A user's API keys, revoked ones included, never the keys themselves (one page)."""
    with new_session(ctx.engine) as session:
        get_user(session, user_id)
        rows = session.exec(
            select(ApiKey)
            .where(ApiKey.user_id == user_id)
            .order_by(col(ApiKey.created_at), col(ApiKey.id))
        ).all()
    return Page[ApiKeyPublic](
        items=[ApiKeyPublic.model_validate(r, from_attributes=True) for r in rows]
    )


@router.delete("/{key_id}", status_code=204)
def revoke_user_api_key(
    user_id: str, key_id: str, request: Request, caller: AdminCaller, ctx: ContextDep
) -> Response:
    """Revoke a user's API key; it stops working at once (revoking it again changes nothing)."""
    with ctx.uow(caller.actor(request)) as uow:
        api_keys.revoke(uow, key_id, user_id, by_admin=True)
        uow.commit()
    return Response(status_code=204)
