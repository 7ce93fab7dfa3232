"""What every councils route shares: running a handler in one unit of work, reading."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from kelisim.auth import Principal
from kelisim.db import new_session
from kelisim.problems import Problem
from kelisim.service import ServiceContext, actor_of
from kelisim.uow import UnitOfWork
from services.councils.models import IdempotencyRecord
from services.councils.rendering import LANGS

PREFIX = "/api/v1/councils"
C = TypeVar("C")
R = TypeVar("R")


def execute(
    ctx: ServiceContext,
    request: Request,
    principal: Principal,
    handler: Callable[[C, UnitOfWork], R],
    cmd: C,
) -> R:
    """Run one handler in a unit of work that commits once."""
    with ctx.uow(actor_of(request, principal)) as uow:
        result = handler(cmd, uow)
        uow.commit()
    return result


def create(
    ctx: ServiceContext,
    request: Request,
    principal: Principal,
    handler: Callable[[C, UnitOfWork], R],
    cmd: C,
    *,
    shape: Callable[[R, DbSession], BaseModel],
    payload: bytes = b"",
) -> Any:
    """Run a creating handler, honouring `Idempotency-Key`: a repeat gets the first answer.

    The answer is stored in the same transaction as the creation, so a retried request
    after a lost response never creates twice; the same key with another request is refused.
    """
    key = request.headers.get("idempotency-key")
    if key is not None and not 0 < len(key) <= 200:
        raise Problem(422, "invalid-idempotency-key", "An Idempotency-Key has 1 to 200 characters.")
    fingerprint = hashlib.sha256(
        f"{request.method} {request.url.path}\n".encode() + payload
    ).hexdigest()
    try:
        with ctx.uow(actor_of(request, principal)) as uow:
            if key is not None:
                prior = uow.session.exec(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.username == principal.sub, IdempotencyRecord.key == key
                    )
                ).first()
                if prior is not None:
                    if prior.request_sha256 != fingerprint:
                        raise Problem(
                            422,
                            "idempotency-key-reused",
                            "This Idempotency-Key was used for another request.",
                        )
                    return JSONResponse(
                        prior.response,
                        status_code=prior.status,
                        headers={"Idempotent-Replayed": "true"},
                    )
            result = handler(cmd, uow)
            uow.session.flush()
            answer = shape(result, uow.session).model_dump(mode="json")
            if key is not None:
                uow.session.add(
                    IdempotencyRecord(
                        username=principal.sub,
                        key=key,
                        request_sha256=fingerprint,
                        status=201,
                        response=answer,
                    )
                )
            uow.commit()
    except IntegrityError as exc:
        if key is None:
            raise
        raise Problem(
            409, "idempotency-conflict", "A request with this Idempotency-Key is under way."
        ) from exc
    return answer


def body_of(model: BaseModel) -> bytes:
    """A request body's canonical bytes, for the idempotency fingerprint."""
    return model.model_dump_json().encode()


@contextmanager
def reading(ctx: ServiceContext) -> Iterator[DbSession]:
    """A read-only session."""
    with new_session(ctx.engine) as db:
        yield db


def language(lang: str | None, principal: Principal) -> str:
    """The language asked for, else the caller's, else the state language."""
    for candidate in (lang, principal.lang):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return "kk"
