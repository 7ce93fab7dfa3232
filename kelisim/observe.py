"""The gauges an operator watches, read at scrape time, and the metrics door.

Every process reports its outbox (backlog, oldest age), its dead letters, NATS, and each
consumer's lag as JetStream counts it (`num_pending`, `num_ack_pending`); a service adds its
own gauges with a `Sampler` (notifications: deliveries and endpoints; analytics: alerts).
Reading at scrape time keeps the figures exact and costs nothing between scrapes. A value
that cannot be read (NATS away) is left out of the scrape rather than reported stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kelisim import health

if TYPE_CHECKING:
    from kelisim.service import ServiceContext

log = structlog.get_logger("kelisim.observe")

OUTBOX_BACKLOG = Gauge("kelisim_outbox_backlog", "Events waiting in the outbox", ["app"])
OUTBOX_OLDEST = Gauge(
    "kelisim_outbox_oldest_age_seconds", "Age of the oldest unsent outbox event", ["app"]
)
DEAD_LETTERS = Gauge("kelisim_dead_letters", "Events parked in the dead-letter table", ["app"])
NATS_UP = Gauge("kelisim_nats_connected", "1 when connected to NATS with streams ready", ["app"])
CONSUMER_PENDING = Gauge(
    "kelisim_consumer_pending",
    "Messages of the stream not yet delivered to the consumer (JetStream num_pending)",
    ["app", "consumer"],
)
CONSUMER_ACK_PENDING = Gauge(
    "kelisim_consumer_ack_pending",
    "Messages delivered and not yet acknowledged (JetStream num_ack_pending)",
    ["app", "consumer"],
)
# One lookup of a consumer's state; NATS away must not hold a scrape up.
CONSUMER_INFO_TIMEOUT = 1.0

Sampler = Callable[["ServiceContext"], None]  # blocking: sets a service's own gauges


async def refresh(ctx: ServiceContext, samplers: tuple[Sampler, ...] = ()) -> None:
    """Read every gauge of a process now (the database part in a thread)."""
    await asyncio.to_thread(_sample_database, ctx, samplers)
    NATS_UP.labels(ctx.name).set(1 if ctx.bus.connected and ctx.streams_ready else 0)
    for consumer in ctx.consumers:
        labels = (ctx.name, consumer.spec.stream)
        js = ctx.bus.js
        try:
            if js is None or not ctx.bus.connected:
                raise ConnectionError("NATS is not connected")
            info = await asyncio.wait_for(
                js.consumer_info(consumer.spec.stream, consumer.durable), CONSUMER_INFO_TIMEOUT
            )
        except Exception:  # noqa: BLE001 - unknown now: leave it out, /status says why
            _forget(CONSUMER_PENDING, labels)
            _forget(CONSUMER_ACK_PENDING, labels)
            continue
        CONSUMER_PENDING.labels(*labels).set(info.num_pending or 0)
        CONSUMER_ACK_PENDING.labels(*labels).set(info.num_ack_pending or 0)


def _sample_database(ctx: ServiceContext, samplers: tuple[Sampler, ...]) -> None:
    state = health.outbox_state(ctx.engine, ctx.tables)
    if "backlog" in state:
        OUTBOX_BACKLOG.labels(ctx.name).set(state["backlog"])
        OUTBOX_OLDEST.labels(ctx.name).set(state["oldest_age_seconds"])
    try:
        DEAD_LETTERS.labels(ctx.name).set(
            count(ctx, select(func.count()).select_from(ctx.tables.dead_letter))
        )
        for sampler in samplers:
            sampler(ctx)
    except Exception as exc:  # noqa: BLE001 - a scrape reports what it can
        log.warning("metrics.sample_failed", error=exc.__class__.__name__)


def count(ctx: ServiceContext, statement: object) -> int:
    """One scalar count from the service's database."""
    with ctx.engine.connect() as conn:
        return int(conn.execute(statement).scalar_one())  # type: ignore[call-overload]


def _forget(gauge: Gauge, labels: tuple[str, ...]) -> None:
    with contextlib.suppress(KeyError):
        gauge.remove(*labels)


def scrape(before: Callable[[], Awaitable[None]]) -> Callable[[Request], Awaitable[Response]]:
    """A /metrics endpoint that refreshes the gauges, then renders the registry."""

    async def metrics(_request: Request) -> Response:
        await before()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def metrics_app(before: Callable[[], Awaitable[None]]) -> Starlette:
    """The metrics door apart from the public one (the gateway's metrics port)."""
    return Starlette(routes=[Route("/metrics", scrape(before))])


@contextlib.asynccontextmanager
async def serving(app: Starlette, host: str, port: int) -> AsyncIterator[None]:
    """Serve `app` on its own port for the life of the block; a taken port only warns."""
    if not port:
        yield
        return
    import uvicorn

    from kelisim.serving import Neighbour

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        # Listen here, not in uvicorn's task: with SO_REUSEADDR two processes can both bind
        # the port, and only the second `listen` fails. Failing here only warns; failing in
        # the task would surface as an error when the process stops.
        sock.bind((host, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        log.warning("metrics.unavailable", port=port, reason=exc.strerror)
        yield
        return
    # The process's own server takes the signals and ends this block, which stops this one.
    server = Neighbour(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]), name="metrics-server")
    log.info("metrics.serving", url=f"http://{host}:{port}/metrics")
    try:
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        sock.close()
