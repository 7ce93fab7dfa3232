"""The runtime every service shares: database, bus, relay, consumers, token check, ops routes.

A service's `app.py` calls `create_service_app` with its tables, routers and consumer
specs; nothing connects until the app starts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial, wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from kelisim import commands, health, idempotency, limits, observe, problems, tracing, web
from kelisim.anchors import run_anchor
from kelisim.auth import Principal, TokenError, load_public_key, verify_token
from kelisim.bus.connection import Bus
from kelisim.bus.consumer import Consumer, ConsumerSpec
from kelisim.bus.relay import OutboxRelay
from kelisim.bus.streams import ensure_streams
from kelisim.bus.wake import Wakes
from kelisim.db import make_engine, read_session
from kelisim.settings import Settings
from kelisim.tables import Backbone
from kelisim.uow import Actor, UnitOfWork
from kelisim.workers import cancel_all, raise_if_cancelling

log = structlog.get_logger("kelisim.service")
RELAY_WAKE = "relay"  # the wake-up (kelisim.bus.wake) that a replica sends the relay's holder

Worker = Callable[["ServiceContext"], Awaitable[None]]
RESTART_SECONDS = 1.0  # before a failed loop of the bus starts again (`supervised`)
C = TypeVar("C", bound=commands.Command)
R = TypeVar("R")
P = ParamSpec("P")


@dataclass
class ServiceContext:
    """Everything a service's routes, handlers and workers need, built once per app."""

    name: str
    settings: Settings
    engine: Engine
    tables: Backbone
    bus: Bus
    relay: OutboxRelay
    wakes: Wakes
    public_key: Ed25519PublicKey | None = None
    consumers: list[Consumer] = field(default_factory=list)
    streams_ready: bool = False

    @property
    def source(self) -> str:
        return f"/kelisim/{self.name}"

    @property
    def reads_on_loop(self) -> bool:
        """Whether a read runs on the event loop (SQLite) rather than in a thread (see `reads`)."""
        return self.engine.dialect.name == "sqlite"

    async def read(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Call `fn`, which only reads the database, where that is cheapest (see `reads`)."""
        if self.reads_on_loop:
            return fn(*args, **kwargs)
        return await run_in_threadpool(fn, *args, **kwargs)

    def uow(self, actor: Actor) -> UnitOfWork:
        """A unit of work whose commit wakes the relay and the workers it made work for."""
        return UnitOfWork(
            self.engine,
            self.tables,
            source=self.source,
            actor=actor,
            on_commit=self.relay.wake,
            waker=self.wakes.send,
        )

    def run(self, request: Request, handler: Callable[[C, UnitOfWork], R], cmd: C) -> R:
        """Run a command's handler in one unit of work (see kelisim.commands)."""
        return commands.run(self, request, handler, cmd)

    def create(
        self,
        request: Request,
        handler: Callable[[C, UnitOfWork], R],
        cmd: C,
        *,
        shape: Callable[[R, UnitOfWork], BaseModel],
        status: int = 201,
    ) -> JSONResponse:
        """Run a creating handler once per `Idempotency-Key` (see kelisim.commands)."""
        return commands.create(self, request, handler, cmd, shape=shape, status=status)

    async def ready(self) -> dict[str, bool]:
        """Readiness: the own database reachable and migrated (kelisim/health.py)."""
        return await asyncio.to_thread(health.database_checks, self.engine, self.name)

    async def status(self) -> dict[str, Any]:
        """What `/status` reports besides readiness: NATS, the consumers, the outbox."""
        return {
            "nats": self.bus.connected and self.streams_ready,
            "consumers": {c.spec.stream: c.ready for c in self.consumers},
            "outbox": await asyncio.to_thread(health.outbox_state, self.engine, self.tables),
        }


def build_context(name: str, settings: Settings, tables: Backbone) -> ServiceContext:
    engine = make_engine(settings.database_url(name))
    tracing.instrument_engine(engine)
    bus = Bus(settings.nats_url, f"kelisim-{name}")
    relay = OutboxRelay(
        engine,
        tables,
        bus,
        service=name,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
        retention=timedelta(days=settings.outbox_retention_days),
    )
    wakes = Wakes(name, bus)
    hand_on_commits(relay, wakes)
    return ServiceContext(name, settings, engine, tables, bus, relay, wakes)


def hand_on_commits(relay: OutboxRelay, wakes: Wakes) -> None:
    """One replica's relay holds the lease and publishes for all: the others hand their
    commits on to it at once (a wake-up over NATS) instead of leaving them to its next poll."""
    relay.hand_on = partial(wakes.tell, RELAY_WAKE)
    wakes.listen(RELAY_WAKE, lambda _key: relay.nudge())


def create_service_app(
    name: str,
    settings: Settings,
    tables: Backbone,
    *,
    routers: Sequence[APIRouter],
    consumers: Sequence[ConsumerSpec] = (),
    workers: Sequence[Worker] = (),
    samplers: Sequence[observe.Sampler] = (),
    title: str | None = None,
) -> FastAPI:
    """Build a service app; its lifespan runs the relay, the consumers and the workers.

    `samplers` set the service's own gauges at each scrape (kelisim.observe).
    """
    ctx = build_context(name, settings, tables)
    ctx.consumers = [
        Consumer(
            ctx.engine,
            tables,
            ctx.bus,
            service=name,
            spec=spec,
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait_seconds,
            batch_size=settings.consumer_batch_size,
            on_commit=ctx.relay.wake,
            waker=ctx.wakes.send,
        )
        for spec in consumers
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.public_key = await asyncio.to_thread(load_public_key, settings)
        tasks = [asyncio.create_task(run_bus(ctx, workers), name=f"{name}-bus")]
        try:
            yield
        finally:
            await cancel_all(tasks)
            await ctx.bus.close()
            ctx.engine.dispose()

    app = FastAPI(
        title=title or f"Kelisim {name}", lifespan=lifespan, telemetry=tracing.FASTAPI_TELEMETRY
    )
    app.state.ctx = ctx
    problems.install(app)
    limits.install(app, settings)
    web.install(
        app, name, ctx.ready, ctx.status, refresh=partial(observe.refresh, ctx, tuple(samplers))
    )
    idempotency.install(app, ctx)  # outermost: it records the answer exactly as it leaves
    web.include(app, *routers)
    return app


async def run_bus(ctx: ServiceContext, workers: Sequence[Worker] = ()) -> None:
    """Connect, provision the streams, then run the relay, the consumers and the workers."""
    await ctx.bus.connect()
    await ctx.wakes.start()
    while True:
        try:
            assert ctx.bus.js is not None
            await ensure_streams(ctx.bus.js, ctx.settings)
            ctx.streams_ready = True
            break
        except Exception as exc:  # noqa: BLE001 - the server may still be starting
            log.warning("streams.not_ready", error=repr(exc))
            await asyncio.sleep(0.5)
    loops: dict[str, Callable[[], Awaitable[None]]] = {
        "relay": ctx.relay.run,
        "anchor": partial(run_anchor, ctx.bus.js, ctx.engine, ctx.tables, ctx.name, ctx.settings),
        **{f"consumer {c.name}": c.run for c in ctx.consumers},
        **{f"worker {getattr(w, '__name__', w)}": partial(w, ctx) for w in workers},
    }
    await run_loops(loops, prefix=ctx.name)


async def run_loops(loops: dict[str, Callable[[], Awaitable[None]]], *, prefix: str) -> None:
    """Run each loop `supervised` until cancelled; end only once every one has stopped.

    Cancelled, a bare gather ended at the first loop that stopped, and a loop in which a
    library had swallowed the cancellation (nats-py's `wait_for`) ran on past the shutdown
    that closed its connection; a task group waits for such a loop forever. Here
    `cancel_all` cancels them again until they stop.
    """
    tasks = [
        asyncio.create_task(supervised(name, start), name=f"{prefix} {name}")
        for name, start in loops.items()
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        await cancel_all(tasks)


async def supervised(
    name: str, start: Callable[[], Awaitable[None]], *, pause: float = RESTART_SECONDS
) -> None:
    """Run one loop of the bus for the service's life; one that fails starts again.

    A loop that raises is logged with its traceback and started again after `pause`, while
    the others go on (gathered bare, the first failure ended the bus task and left the
    other loops running on, unowned, past the shutdown that closed their connection). A
    loop that returns (the anchor without a signing key) is done. Cancelling stops it.
    """
    while True:
        try:
            await start()
            return
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - any failure of a loop is logged, then it restarts
            raise_if_cancelling()
            log.exception("bus.loop_failed", loop=name, restart_in=pause)
        await asyncio.sleep(pause)


@contextlib.contextmanager
def reading(ctx: ServiceContext) -> Iterator[Session]:
    """A read-only session of the service's database: all its reads see one snapshot, and on
    SQLite it takes no write lock (`kelisim.db.read_session`; it must not write)."""
    with read_session(ctx.engine) as db:
        yield db


def reads(endpoint: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Mark a plain `def` endpoint that only reads (a read session, no call out, no write).

    FastAPI runs a `def` endpoint in its thread pool. On SQLite that costs more than the read:
    a read in WAL mode never waits for a lock and takes tens of microseconds, but the driver
    releases the GIL around every call, and handing it between the event loop and pool
    threads on each of them cost more than the work (a case read by 1 thread: 1.8 ms of CPU;
    by 2 threads at once: 3.1 ms each; by 8: 4.0 ms). So on SQLite a marked endpoint runs on
    the event loop; on PostgreSQL, where each statement waits on the network, it stays in the
    pool. The endpoint must take the `ContextDep` (that is how the backend is known).
    """

    @wraps(endpoint)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        ctx = next((v for v in kwargs.values() if isinstance(v, ServiceContext)), None)
        if ctx is None:
            raise TypeError(f"{endpoint.__qualname__} is marked `reads` but takes no ContextDep")
        return await ctx.read(endpoint, *args, **kwargs)

    return run


# The dependencies below are `async def` on purpose: they do not block, and FastAPI runs a
# plain `def` dependency in the thread pool, one thread hop per dependency per request.
async def get_context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[ServiceContext, Depends(get_context)]


async def current_principal(request: Request, ctx: ContextDep) -> Principal:
    """The caller, from the gateway-signed bearer token; 401 without a valid one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise problems.Problem(
            401, "unauthenticated", "A gateway-signed service token is required."
        )
    if ctx.public_key is None:
        raise problems.Problem(503, "not-ready", "The service is starting.")
    try:
        principal = verify_token(
            ctx.public_key, token, audience=ctx.name, issuer=ctx.settings.token_issuer
        )
    except TokenError as exc:
        raise problems.Problem(
            401, "invalid-token", f"The service token was refused: {exc}"
        ) from exc
    web.note_user(request, principal.user_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def actor_of(request: Request, principal: Principal) -> Actor:
    """The acting user and the request's trace."""
    return commands.actor(request, principal)
