"""`ETag`/`If-Match` on edits two admins may make, and the shared `Idempotency-Key` runner."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kelisim.auth import Principal
from kelisim.idempotency import create_once_async
from kelisim.problems import Problem
from kelisim.service import ServiceContext
from kelisim.uow import UnitOfWork
from services.notifications.models import aware


def etag(entity_id: str, updated_at: datetime) -> str:
    """A weak validator of an entity's version."""
    stamp = aware(updated_at).isoformat()  # type: ignore[union-attr]
    return '"' + hashlib.sha256(f"{entity_id}|{stamp}".encode()).hexdigest()[:32] + '"'


def check_if_match(wanted: str | None, current: str) -> None:
    """Refuse an edit made against a version that has changed since (412)."""
    if wanted is not None and wanted.strip() not in (current, "*"):
        raise Problem(412, "precondition-failed", "It changed since you read it; reload.")


async def create_once(
    ctx: ServiceContext,
    request: Request,
    principal: Principal,
    run: Callable[[UnitOfWork], BaseModel],
) -> JSONResponse:
    """Run a creating command once per `Idempotency-Key` (see kelisim.idempotency)."""
    return await create_once_async(
        ctx, request, principal, lambda uow: run(uow).model_dump(mode="json")
    )
