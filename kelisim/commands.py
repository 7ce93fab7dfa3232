"""The one command path: a route builds a command, `ctx.run` executes its handler once.

A route parses and authorises, builds a `Command` (the caller and any `If-Match` ride on it)
and calls `ctx.run(request, handler, cmd)`. The runner opens the unit of work, calls
`handler(cmd, uow)`, shapes the answer, applies `Idempotency-Key` to creations and commits
once. A handler that raises `Problem` leaves the database and the audit trail untouched.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kelisim.auth import Principal
from kelisim.uow import SYSTEM, Actor, UnitOfWork

if TYPE_CHECKING:
    from kelisim.service import ServiceContext

# The metadata of a command field left out of its fingerprint: a secret (a password), which a
# plain digest in `idempotency_record` would expose to guessing; the command carries a keyed
# digest of it instead.
UNPRINTED = {"fingerprint": False}
C = TypeVar("C", bound="Command")
R = TypeVar("R")
X = TypeVar("X")


@dataclass(frozen=True, kw_only=True)
class Command:
    """What every command carries: who sends it, and the version they read (`If-Match`)."""

    principal: Principal
    if_match: str | None = None


def actor(request: Request, principal: Principal) -> Actor:
    """The acting user and the request's trace, for audit entries and events."""
    return Actor(principal.sub)


def run(
    ctx: ServiceContext,
    request: Request,
    handler: Callable[[C, UnitOfWork], R],
    cmd: C,
) -> R:
    """Run `handler(cmd, uow)` in one unit of work that commits once; return its result.

    With an `Idempotency-Key`, a repeat of the same command by the same caller is answered
    with the first answer instead (see kelisim.idempotency).
    """
    from kelisim.idempotency import request_key, run_once

    key = request_key(request)
    if key is not None:
        return run_once(
            ctx,
            request,
            cmd.principal,
            lambda uow: handler(cmd, uow),
            key=key,
            payload=fingerprint_of(cmd),
        )
    with ctx.uow(actor(request, cmd.principal)) as uow:
        result = handler(cmd, uow)
        uow.commit()
    return result


def replay_if_answered(ctx: ServiceContext, request: Request, cmd: Command) -> None:
    """Answer a repeat of `cmd` under its `Idempotency-Key` now, as `run` would (Replayed)."""
    from kelisim.idempotency import replay_if_answered as replay

    replay(ctx, request, cmd.principal, payload=fingerprint_of(cmd))


def run_system(ctx: ServiceContext, handler: Callable[[X, UnitOfWork], R], cmd: X) -> R:
    """Run a handler of the service's own work (a worker, not a request) in one unit of work."""
    with ctx.uow(SYSTEM) as uow:
        result = handler(cmd, uow)
        uow.commit()
    return result


def create(
    ctx: ServiceContext,
    request: Request,
    handler: Callable[[C, UnitOfWork], R],
    cmd: C,
    *,
    shape: Callable[[R, UnitOfWork], BaseModel],
    status: int = 201,
) -> JSONResponse:
    """Run a creating handler once per `Idempotency-Key`; a repeat gets the first answer."""
    from kelisim.idempotency import create_once

    def produce(uow: UnitOfWork) -> dict[str, Any]:
        result = handler(cmd, uow)
        uow.session.flush()
        return shape(result, uow).model_dump(mode="json")

    return create_once(
        ctx, request, cmd.principal, produce, payload=fingerprint_of(cmd), status=status
    )


def fingerprint_of(cmd: Command) -> bytes:
    """The bytes that make two creations the same request: the command without its caller."""
    fields = {
        f.name: getattr(cmd, f.name)
        for f in dataclasses.fields(cmd)
        if f.name not in ("principal", "if_match") and f.metadata.get("fingerprint", True)
    }
    return repr(sorted((k, _plain(v)) for k, v in fields.items())).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, bytes | bytearray):  # an upload: its digest stands for it
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return value
