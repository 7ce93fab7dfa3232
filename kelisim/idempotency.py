"""`Idempotency-Key` on every state-changing request of every service: the first answer, once.

The same rules everywhere, scoped to the caller: the same key with the same request (method,
path, command) is answered with the first answer and changes nothing; the same key with
another request is refused (422); a twin arriving while the first is still being answered
gets 409 `request-in-progress` (retry). So a client that lost an answer (a 504 at the
gateway, a dropped connection) retries with the same key and never has it done twice.

Creations (`ctx.create`) store their answer in the creation's own transaction. Every other
command (`ctx.run`) stores a claim in the command's transaction and its answer once the route
has shaped it (`AnswerRecorder`, before the answer leaves the service).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import Row, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kelisim.auth import Principal
from kelisim.clock import new_id
from kelisim.commands import actor
from kelisim.problems import Problem
from kelisim.tables import Backbone
from kelisim.uow import UnitOfWork

if TYPE_CHECKING:
    from kelisim.service import ServiceContext

Produce = Callable[[UnitOfWork], dict[str, Any]]
R = TypeVar("R")
MAX_KEY = 200
PENDING = 0  # the status of a claim whose answer is not stored yet
CLAIM = "kelisim.idempotency_claim"  # request state: the claim the recorder completes
PASS = "kelisim.idempotency_pass"  # request state: an answer with no claim to record
ANSWER = "kelisim.answer"  # marks a stored answer that carries headers (commands)
KEPT_HEADERS = ("content-type", "etag", "location")


class Replayed(Exception):
    """The request was answered before: this is the first answer (not a failure)."""

    def __init__(self, response: Response) -> None:
        super().__init__("replayed")
        self.response = response


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
    try:
        with ctx.uow(actor(request, principal)) as uow:
            if key is not None:
                prior = _prior(uow, principal.sub, key)
                if prior is not None:
                    return _replay_created(prior, digest)
            answer = produce(uow)
            if key is not None:
                _insert(uow, principal.sub, key, digest, status, json.dumps(answer))
            uow.commit()
    except IntegrityError:
        prior = None if key is None else _twin(ctx, request, principal, key)
        if prior is None:
            raise
        return _replay_created(prior, digest)
    return JSONResponse(answer, status_code=status)


def run_once(
    ctx: ServiceContext,
    request: Request,
    principal: Principal,
    work: Callable[[UnitOfWork], R],
    *,
    key: str,
    payload: bytes,
) -> R:
    """Run `work` in one unit of work with a claim on `key`; a repeat raises `Replayed`."""
    digest = fingerprint(request, payload)
    claim = new_id()
    try:
        with ctx.uow(actor(request, principal)) as uow:
            prior = _prior(uow, principal.sub, key)
            if prior is not None:
                raise Replayed(_replay(prior, digest))
            # The claim goes first: a concurrent twin waits on its unique key, not on the work.
            _insert(uow, principal.sub, key, digest, PENDING, "", record_id=claim)
            result = work(uow)
            uow.commit()
    except IntegrityError:
        prior = _twin(ctx, request, principal, key)
        if prior is None:
            raise
        raise Replayed(_replay(prior, digest)) from None
    request.state.__setattr__(CLAIM, claim)
    return result


def replay_if_answered(
    ctx: ServiceContext, request: Request, principal: Principal, *, payload: bytes
) -> None:
    """Raise `Replayed` (or 409 while it is being answered) for a key answered before.

    For a command whose costly work runs before its unit of work (an early-warning round):
    its retry is answered at once instead of doing that work again first.
    """
    key = request_key(request)
    if key is None:
        return
    with ctx.uow(actor(request, principal)) as uow:
        prior = _prior(uow, principal.sub, key)
    if prior is not None:
        raise Replayed(_replay(prior, fingerprint(request, payload)))


def install(app: FastAPI, ctx: ServiceContext) -> None:
    """Answer replays, and record the answers of claimed commands before they leave."""

    @app.exception_handler(Replayed)
    async def _replayed(_request: Request, exc: Replayed) -> Response:
        return exc.response

    app.add_middleware(AnswerRecorder, engine=ctx.engine, tables=ctx.tables)


class AnswerRecorder:
    """ASGI middleware: stores the answer of a claimed command, then sends it."""

    def __init__(self, app: ASGIApp, *, engine: Engine, tables: Backbone) -> None:
        self.app = app
        self.engine = engine
        self.tables = tables

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keyed = scope["type"] == "http" and any(
            name == b"idempotency-key" for name, _ in scope.get("headers", ())
        )
        if not keyed:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        held: list[Message] = []

        async def hold(message: Message) -> None:
            # No claim when the answer starts (a refusal, a replay, a proxied request at the
            # gateway): nothing to record, so the answer streams through unheld.
            if message["type"] == "http.response.start" and state.get(CLAIM) is None:
                state[PASS] = True
            if state.get(PASS):
                await send(message)
                return
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                claim = state.get(CLAIM)
                if claim is not None:
                    await asyncio.to_thread(self._store, claim, held)
                for kept in held:
                    await send(kept)
                held.clear()

        await self.app(scope, receive, hold)

    def _store(self, claim: str, messages: list[Message]) -> None:
        start = messages[0]
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in start.get("headers", ())
            if name.decode("latin-1").lower() in KEPT_HEADERS
        }
        body = b"".join(m.get("body", b"") for m in messages[1:])
        stored = json.dumps({ANSWER: {"headers": headers, "body": body.decode("utf-8", "replace")}})
        table = self.tables.idempotency
        with self.engine.begin() as conn:
            conn.execute(
                table.update()
                .where(table.c.id == claim)
                .values(status=start["status"], response=stored)
            )


# An idempotency_record row: id, username, key, request_sha256, status, response, created_at.
Record = Row[str, str, str, str, int, str, datetime]


def _insert(
    uow: UnitOfWork,
    username: str,
    key: str,
    digest: str,
    status: int,
    response: str,
    *,
    record_id: str | None = None,
) -> None:
    uow.conn.execute(
        uow.tables.idempotency.insert().values(
            id=record_id or new_id(),
            username=username,
            key=key,
            request_sha256=digest,
            status=status,
            response=response,
            created_at=datetime.now(UTC),
        )
    )


def _prior(uow: UnitOfWork, username: str, key: str) -> Record | None:
    table = uow.tables.idempotency
    return uow.conn.execute(
        select(table).where(table.c.username == username, table.c.key == key)
    ).first()


def _twin(ctx: ServiceContext, request: Request, principal: Principal, key: str) -> Record | None:
    """The record of a concurrent twin that won the race for the key (None: another conflict)."""
    with ctx.uow(actor(request, principal)) as uow:
        return _prior(uow, principal.sub, key)


def _check(prior: Record, digest: str) -> None:
    if prior.request_sha256 != digest:
        raise Problem(
            422, "idempotency-key-reused", "This Idempotency-Key was used for another request."
        )
    if prior.status == PENDING:
        raise Problem(
            409,
            "request-in-progress",
            "A request with this Idempotency-Key was carried out and is still being answered; "
            "retry with the same key.",
            headers={"Retry-After": "1"},
        )


def _replay_created(prior: Record, digest: str) -> JSONResponse:
    _check(prior, digest)
    stored = json.loads(prior.response)
    if isinstance(stored, dict) and set(stored) == {ANSWER}:
        stored = json.loads(stored[ANSWER]["body"])
    return JSONResponse(stored, status_code=prior.status, headers={"Idempotent-Replayed": "true"})


def _replay(prior: Record, digest: str) -> Response:
    """The first answer, as it left the service (body, media type, ETag, Location)."""
    _check(prior, digest)
    stored = json.loads(prior.response)
    if isinstance(stored, dict) and set(stored) == {ANSWER}:
        headers = dict(stored[ANSWER]["headers"])
        body = stored[ANSWER]["body"].encode()
    else:  # a creation's answer: its JSON body
        headers, body = {"content-type": "application/json"}, prior.response.encode()
    headers["Idempotent-Replayed"] = "true"
    return Response(body, status_code=prior.status, headers=headers)
