"""One NATS connection per process, tuned to notice a dead server quickly."""

from __future__ import annotations

import asyncio

import nats
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext

log = structlog.get_logger("kelisim.bus")


def raise_if_cancelled() -> None:
    """Re-raise a cancellation that nats-py swallowed (its flush catches CancelledError)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Bus:
    """A NATS connection that keeps reconnecting, with its JetStream context."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.reconnects = 0

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    async def connect(self, *, retry_forever: bool = True) -> None:
        """Connect, waiting out a server that is not up yet."""
        delay = 0.1
        while True:
            try:
                self.nc = await nats.connect(
                    # A cluster may be named as "nats://a:4222,nats://b:4222".
                    [server.strip() for server in self.url.split(",")],
                    name=self.name,
                    # Short pings: a dead connection is noticed in ~6 s, not minutes.
                    ping_interval=2,
                    max_outstanding_pings=3,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.25,
                    connect_timeout=2,
                    # A pull subscription never finishes draining: bound it, or stop takes 30 s.
                    drain_timeout=2,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnected,
                    reconnected_cb=self._on_reconnected,
                )
                self.js = self.nc.jetstream(timeout=5)
                log.info("nats.connected", url=self.url, name=self.name)
                raise_if_cancelled()
                return
            except Exception as exc:  # noqa: BLE001 - the server may simply not be up yet
                if not retry_forever:
                    raise
                log.warning("nats.connect_failed", url=self.url, error=str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            try:
                await self.nc.drain()
            except Exception:  # noqa: BLE001
                await self.nc.close()

    async def _on_error(self, exc: Exception) -> None:
        log.debug("nats.error", error=str(exc) or type(exc).__name__)

    async def _on_disconnected(self) -> None:
        log.warning("nats.disconnected", name=self.name)

    async def _on_reconnected(self) -> None:
        self.reconnects += 1
        log.info("nats.reconnected", name=self.name)
