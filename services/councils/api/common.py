"""What every councils route shares: running a handler in one unit of work, reading."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session as DbSession

from kelisim.auth import Principal
from kelisim.db import new_session
from kelisim.idempotency import create_once
from kelisim.service import ServiceContext, actor_of
from kelisim.uow import UnitOfWork
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
) -> JSONResponse:
    """Run a creating handler, honouring `Idempotency-Key` (see kelisim.idempotency)."""

    def produce(uow: UnitOfWork) -> dict[str, Any]:
        result = handler(cmd, uow)
        uow.session.flush()
        return shape(result, uow.session).model_dump(mode="json")

    return create_once(ctx, request, principal, produce, payload=payload)


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
