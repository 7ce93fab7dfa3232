"""`Idempotency-Key` on creating requests, for every service: a repeat gets the first answer.

The answer is stored in the same transaction as the creation, so a client retrying after a
lost response never creates twice; the same key sent with another request is refused (422).
Keys are scoped per user.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError

from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.service import ServiceContext, actor_of
from kelisim.uow import UnitOfWork

Produce = Callable[[UnitOfWork], dict[str, Any]]
MAX_KEY = 200


def request_key(request: Request) -> str | None:
    """The request's Idempotency-Key, checked for length."""
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise Problem(422, "invalid-idempotency-key", "An Idempotency-Key has 1 to 200 characters.")
    return key


def fingerprint(request: Request, payload: bytes) -> str:
    """What makes two requests the same request: method, path and body."""
    head = f"{request.method} {request.url.path}\n".encode()
    return hashlib.sha256(head + payload).hexdigest()


def create_once(
    ctx: ServiceContext,
    request: Request,
    principal: Principal,
    produce: Produce,
    *,
    payload: bytes,
    status: int = 201,
) -> JSONResponse:
    """Run `produce` (which commits nothing) in one unit of work, once per Idempotency-Key."""
    key = request_key(request)
    digest = fingerprint(request, payload)
    table = ctx.tables.idempotency
    try:
        with ctx.uow(actor_of(request, principal)) as uow:
            if key is not None:
                prior = _prior(uow, principal.sub, key)
                if prior is not None:
                    return _replay(prior, digest)
            answer = produce(uow)
            if key is not None:
                uow.conn.execute(
                    table.insert().values(
                        id=uuid.uuid4().hex,
                        username=principal.sub,
                        key=key,
                        request_sha256=digest,
                        status=status,
                        response=json.dumps(answer),
                        created_at=datetime.now(UTC),
                    )
                )
            uow.commit()
    except IntegrityError:
        if key is None:
            raise
        # A concurrent twin with the same key won the race: answer as it did.
        with ctx.uow(actor_of(request, principal)) as uow:
            prior = _prior(uow, principal.sub, key)
        if prior is None:
            raise
        return _replay(prior, digest)
    return JSONResponse(answer, status_code=status)


async def create_once_async(
    ctx: ServiceContext, request: Request, principal: Principal, produce: Produce
) -> JSONResponse:
    """`create_once` for async routes: reads the body, runs the transaction in a thread."""
    payload = await request.body()
    return await asyncio.to_thread(create_once, ctx, request, principal, produce, payload=payload)


# An idempotency_record row: id, username, key, request_sha256, status, response, created_at.
Record = Row[str, str, str, str, int, str, datetime]


def _prior(uow: UnitOfWork, username: str, key: str) -> Record | None:
    table = uow.tables.idempotency
    return uow.conn.execute(
        select(table).where(table.c.username == username, table.c.key == key)
    ).first()


def _replay(prior: Record, digest: str) -> JSONResponse:
    if prior.request_sha256 != digest:
        raise Problem(
            422, "idempotency-key-reused", "This Idempotency-Key was used for another request."
        )
    return JSONResponse(
        json.loads(prior.response),
        status_code=prior.status,
        headers={"Idempotent-Replayed": "true"},
    )
