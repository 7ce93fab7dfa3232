"""The gateway's identity routes: logging in, the caller's own account, user administration."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.identity.api import auth, keys, me, sessions, users
from kelisim import web

router = APIRouter()
for module in (auth, me, sessions, users, keys):
    web.include(router, module.router)

__all__ = ["router"]
