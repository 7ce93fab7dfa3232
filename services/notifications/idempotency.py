"""`Idempotency-Key` on creating requests, and `ETag`/`If-Match` on edits two admins may make."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.service import ServiceContext, actor_of
from kelisim.uow import UnitOfWork
from services.notifications.models import IdempotencyRecord, aware


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
    """Run a creating command once per `Idempotency-Key`; a repeat gets the first answer."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= 200:
        raise Problem(422, "invalid-idempotency-key", "An Idempotency-Key has 1 to 200 characters.")
    payload = await request.body()
    fingerprint = hashlib.sha256(f"{request.url.path}\n".encode() + payload).hexdigest()
    return await asyncio.to_thread(_create, ctx, request, principal, run, key, fingerprint)


def _create(
    ctx: ServiceContext,
    request: Request,
    principal: Principal,
    run: Callable[[UnitOfWork], BaseModel],
    key: str | None,
    fingerprint: str,
) -> JSONResponse:
    try:
        with ctx.uow(actor_of(request, principal)) as uow:
            if key is not None:
                prior = uow.session.exec(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.username == principal.sub, IdempotencyRecord.key == key
                    )
                ).first()
                if prior is not None:
                    return _replayed(prior, fingerprint)
            answer: dict[str, Any] = run(uow).model_dump(mode="json")
            if key is not None:
                uow.session.add(
                    IdempotencyRecord(
                        username=principal.sub,
                        key=key,
                        request_sha256=fingerprint,
                        status=201,
                        response=json.dumps(answer),
                    )
                )
            uow.commit()
    except IntegrityError:
        # A concurrent twin won the race: answer as it did.
        with ctx.uow(actor_of(request, principal)) as uow:
            prior = uow.session.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.username == principal.sub, IdempotencyRecord.key == key
                )
            ).first()
            if prior is None:
                raise
            return _replayed(prior, fingerprint)
    return JSONResponse(answer, status_code=201)


def _replayed(prior: IdempotencyRecord, fingerprint: str) -> JSONResponse:
    if prior.request_sha256 != fingerprint:
        raise Problem(
            422, "idempotency-key-reused", "This Idempotency-Key was used for another request."
        )
    return JSONResponse(
        json.loads(prior.response),
        status_code=prior.status,
        headers={"Idempotent-Replayed": "true"},
    )
