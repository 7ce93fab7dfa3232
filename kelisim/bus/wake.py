"""Wake-ups: a commit tells its service's workers, here and in the other replicas, of new work.

A unit of work names what it made work for (`uow.wake("webhooks", endpoint_id)`); after the
commit the workers of this process are woken at once, in-process, and the other replicas
through a core NATS message on `kelisim.wake.<service>.<work>` (no stream captures it). A
wake-up is only a hint: a lost one costs a poll interval, because every worker still polls
its database as the safety net.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import structlog

from kelisim.bus.connection import Bus
from kelisim.clock import random_id

log = structlog.get_logger("kelisim.wake")

PREFIX = "kelisim.wake"
SENDER = "Kelisim-Waker"


class Wakes:
    """One service's wake-ups: listeners per work, fed locally and by the other replicas."""

    def __init__(self, service: str, bus: Bus) -> None:
        self.service = service
        self.bus = bus
        self.id = random_id()
        self._listeners: dict[str, list[Callable[[str], None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sub: Any = None
        self._publishing: set[asyncio.Task[None]] = set()

    def listen(self, work: str, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call `callback(key)` on each wake-up of `work`; returns the way to stop listening."""
        self._listeners.setdefault(work, []).append(callback)
        return lambda: self._listeners.get(work, []).remove(callback)

    async def start(self) -> None:
        """Hear the other replicas (call once the bus is connected)."""
        self._loop = asyncio.get_running_loop()
        nc = self.bus.nc
        assert nc is not None
        self._sub = await nc.subscribe(f"{PREFIX}.{self.service}.*", cb=self._heard)

    def send(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Wake the workers of each (work, key), here and in the replicas; safe from any thread."""
        pairs = list(dict.fromkeys(pairs))
        loop = self._loop
        if not pairs or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._send(pairs)
        else:
            loop.call_soon_threadsafe(self._send, pairs)

    def tell(self, work: str, key: str = "") -> None:
        """Wake the workers of (work, key) in the other replicas only; from the event loop."""
        self._publish_soon([(work, key)])

    def _send(self, pairs: list[tuple[str, str]]) -> None:
        for work, key in pairs:
            self._notify(work, key)
        self._publish_soon(pairs)

    def _publish_soon(self, pairs: list[tuple[str, str]]) -> None:
        task = asyncio.get_running_loop().create_task(self._publish(pairs))
        self._publishing.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._publishing.discard)

    async def _publish(self, pairs: list[tuple[str, str]]) -> None:
        nc = self.bus.nc
        if nc is None or not self.bus.connected:
            return  # the replicas' polls pick the work up
        try:
            for work, key in pairs:
                subject = f"{PREFIX}.{self.service}.{work}"
                await nc.publish(subject, key.encode(), headers={SENDER: self.id})
        except Exception as exc:  # noqa: BLE001 - a hint only
            log.debug("wake.publish_failed", error=repr(exc))

    async def _heard(self, msg: Any) -> None:
        if (msg.headers or {}).get(SENDER) == self.id:
            return  # our own, already delivered in-process
        work = msg.subject.rsplit(".", 1)[-1]
        self._notify(work, msg.data.decode())

    def _notify(self, work: str, key: str) -> None:
        for callback in list(self._listeners.get(work, [])):
            try:
                callback(key)
            except Exception as exc:  # noqa: BLE001 - one listener must not stop the others
                log.warning("wake.listener_failed", work=work, error=repr(exc))
