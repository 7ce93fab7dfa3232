"""The gateway's identity routes: logging in, the caller's own account, user administration."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.identity.api import auth, keys, me, sessions, users

router = APIRouter()
for module in (auth, me, sessions, users, keys):
    router.include_router(module.router)

__all__ = ["router"]
