"""The outbox relay: publish committed events to JetStream, mark them sent after the ack.

Rows are taken in commit order; each aggregate's rows are published one after another
(order per aggregate), while different aggregates are published concurrently (pipelined).
A failed publish stops that aggregate's chain for this round and is retried with the
same `Nats-Msg-Id`, so the stream's duplicate window drops any copy that did land.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy import Row, Select, Table, Update, bindparam, select
from sqlalchemy.engine import Engine

from kelisim.bus import lease
from kelisim.bus.connection import Bus
from kelisim.bus.headers import MSG_ID
from kelisim.bus.streams import stream_of
from kelisim.db import reader
from kelisim.tables import Backbone
from kelisim.workers import finish

log = structlog.get_logger("kelisim.relay")
LEASE_SECONDS = 15.0
# The running relay marks what it published together, at most this long after the first ack,
# or once this many wait: one write transaction for many commits instead of one for each. A
# restart in between publishes them again under the same `Nats-Msg-Id`: the stream's
# duplicate window drops the copies, and every consumer's inbox would too.
MARK_DELAY_SECONDS = 0.2
MARK_BATCH = 200
# An unsent outbox row as `_pending` reads it: event_id, subject, aggregate, envelope,
# headers, created_at.
PendingRow = Row[str, str, str, str, str, datetime]

PUBLISHED = Counter("kelisim_outbox_published_total", "Outbox events published", ["service"])
PUBLISH_ERRORS = Counter("kelisim_outbox_publish_errors_total", "Failed publishes", ["service"])
COMMIT_TO_ACK = Histogram(
    "kelisim_outbox_commit_to_ack_seconds",
    "Time from outbox write to publish ack",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class OutboxRelay:
    """Moves outbox rows of one service database to JetStream."""

    def __init__(
        self,
        engine: Engine,
        tables: Backbone,
        bus: Bus,
        *,
        service: str,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        publish_timeout: float = 5.0,
        retention: timedelta = timedelta(days=7),
        on_ack: Callable[[str, float], None] | None = None,
    ) -> None:
        self.engine = engine
        self.tables = tables
        self.bus = bus
        self.service = service
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout
        self.retention = retention
        self.on_ack = on_ack
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self._wake = asyncio.Event()
        self._committed = False  # woken by a commit of this process since the last round
        # Called when this process committed events but another replica holds the lease:
        # the service wires it to wake the holder's relay (kelisim.service, `Wakes.tell`).
        self.hand_on: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_purge = 0.0
        self._lease_until = 0.0
        # The lease's take or renewal running in its thread: one cancelled while it ran may
        # still take the lease, so `release` waits for it before handing the lease back.
        self._taking: asyncio.Future[bool] | None = None
        self._acked: dict[str, datetime] = {}  # published and acked, not yet marked sent
        self._mark_due = 0.0  # when the oldest of them must be marked

    def wake(self) -> None:
        """Ask the relay to look at the outbox now, for a commit of this process; safe from
        any thread."""
        self._committed = True
        self.nudge()

    def nudge(self) -> None:
        """Ask the relay to look at the outbox now (another replica committed); any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Relay forever: wait out outages, never lose or reorder an aggregate's events."""
        self._loop = asyncio.get_running_loop()
        backoff = 0.05
        try:
            while True:
                try:
                    _, full = await self.relay_once(mark_later=True)
                    backoff = 0.05
                    if not full:
                        # The round read every row committed before it cleared the wake: a
                        # later commit has set it again. No second read to find nothing.
                        await self._wait(time.monotonic() + self.poll_seconds)
                    elif self._acked and time.monotonic() >= self._mark_due:
                        await self.mark_acked()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - NATS or the database is away
                    PUBLISH_ERRORS.labels(self.service).inc()
                    log.warning("relay.round_failed", service=self.service, error=repr(exc))
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
        finally:
            await self.release()

    async def _wait(self, poll_at: float) -> None:
        """Until a wake or the poll; meanwhile mark the published events when they are due."""
        while True:
            due = self._mark_due if self._acked else poll_at
            if await self._sleep(max(0.0, min(poll_at, due) - time.monotonic())):
                return  # a commit: its round marks what is due with what it publishes
            if self._acked and time.monotonic() >= self._mark_due:
                await self.mark_acked()
            if time.monotonic() >= poll_at:
                return

    async def mark_acked(self) -> None:
        """Mark the events published since the last mark as sent, each at its ack time."""
        acked, self._acked = self._acked, {}
        if acked:
            try:
                await asyncio.to_thread(self._mark_sent, acked)
            except BaseException:
                self._acked = {**acked, **self._acked}  # marked with the next ones
                raise

    async def release(self) -> None:
        """Mark what was published, then give up the lease so another replica (or a
        restart) takes over at once.

        Called as the relay stops, by cancellation: the lease is handed back even when the
        relay was cancelled while it took the lease (its thread ran on and took it, but the
        relay never learnt it held it) or is cancelled again while marking. A lease left
        behind held the next start's relay back for its LEASE_SECONDS.
        """
        try:
            await self.mark_acked()
        except Exception as exc:  # noqa: BLE001 - published again by the next holder
            log.warning("relay.mark_failed", service=self.service, error=repr(exc))
        finally:
            self._lease_until = 0.0
            await finish(self._hand_back())

    async def _hand_back(self) -> None:
        """Give up this relay's lease, if it has it, once any take of it has ended."""
        if self._taking is not None:
            await asyncio.wait([self._taking])
        try:
            await asyncio.to_thread(
                lease.release, self.engine, self.tables, f"relay:{self.service}", self.holder
            )
        except Exception as exc:  # noqa: BLE001 - it expires by itself anyway
            log.warning("relay.release_failed", service=self.service, error=repr(exc))

    async def _sleep(self, seconds: float) -> bool:
        """Wait for a wake at most `seconds`; whether one came."""
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            return False
        finally:
            self._wake.clear()
        return True

    async def relay_once(self, *, mark_later: bool = False) -> tuple[int, bool]:
        """One round: returns (events published, whether the batch was full).

        With `mark_later` (the running relay) the published events are marked sent together
        with the next ones (`MARK_DELAY_SECONDS`, `MARK_BATCH`); otherwise before it returns.
        """
        if not self.bus.connected or self.bus.js is None:
            raise ConnectionError("NATS is not connected")
        committed, self._committed = self._committed, False
        if not await self._hold_lease():
            if committed and self.hand_on is not None:
                self.hand_on()  # the holder publishes them now, not at its next poll
            return 0, False
        self._wake.clear()
        rows = await asyncio.to_thread(self._pending)
        full = len(rows) >= self.batch_size
        rows = [row for row in rows if row.event_id not in self._acked]  # awaiting their mark
        if not rows:
            if full:  # a batch of rows awaiting their mark: mark them, then read past them
                await self.mark_acked()
            elif not self._acked:
                await self._maybe_purge()
            return 0, full
        chains: dict[str, list[PendingRow]] = defaultdict(list)
        for row in rows:
            chains[row.aggregate].append(row)
        results = await asyncio.gather(*(self._publish_chain(c) for c in chains.values()))
        sent = [acked for chain in results for acked in chain[0]]
        failed = [fail for chain in results for fail in chain[1]]
        if sent and not self._acked:
            self._mark_due = time.monotonic() + MARK_DELAY_SECONDS
        self._acked.update(sent)
        waiting = min(MARK_BATCH, self.batch_size // 2)  # under a batch: new rows fit in one
        due = time.monotonic() >= self._mark_due
        if failed or not mark_later or full or due or len(self._acked) >= waiting:
            await self.mark_acked()
        if failed:
            await asyncio.to_thread(self._mark_failed, failed)
            raise ConnectionError(f"{len(failed)} publishes failed; first: {failed[0][1]}")
        return len(sent), full

    async def _hold_lease(self) -> bool:
        # One relay per service database publishes at a time, so replicas keep the order.
        now = time.monotonic()
        if now < self._lease_until - LEASE_SECONDS / 2:
            return True
        self._taking = asyncio.ensure_future(
            asyncio.to_thread(
                lease.try_acquire,
                self.engine,
                self.tables,
                f"relay:{self.service}",
                self.holder,
                LEASE_SECONDS,
            )
        )
        held = await asyncio.shield(self._taking)
        self._lease_until = now + LEASE_SECONDS if held else 0.0
        return held

    def _pending(self) -> list[PendingRow]:
        # A read: the lease makes this relay the only one, and SQLite's writers commit one at
        # a time, so a snapshot holds every row up to its last `seq`, in order.
        with reader(self.engine).connect() as conn:
            return list(conn.execute(_pending_query(self.tables.outbox, self.batch_size)))

    async def _publish_chain(
        self, chain: list[PendingRow]
    ) -> tuple[list[tuple[str, datetime]], list[tuple[str, str]]]:
        """Publish an aggregate's rows in order; (event id, ack time) of each published, and
        the first failure, after which the rest of the chain waits for the next round."""
        sent: list[tuple[str, datetime]] = []
        js = self.bus.js
        assert js is not None
        for row in chain:
            headers = json.loads(row.headers)
            headers[MSG_ID] = row.event_id
            try:
                await js.publish(
                    row.subject,
                    row.envelope.encode(),
                    timeout=self.publish_timeout,
                    stream=stream_of(row.subject),
                    headers=headers,
                )
            except Exception as exc:  # noqa: BLE001 - retried next round with the same id
                return sent, [(row.event_id, repr(exc))]
            acked_at = datetime.now(UTC)
            sent.append((row.event_id, acked_at))
            created = row.created_at
            if created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            latency = (acked_at - created).total_seconds()
            COMMIT_TO_ACK.labels(self.service).observe(latency)
            if self.on_ack is not None:
                self.on_ack(row.event_id, latency)
        return sent, []

    def _mark_sent(self, acked: dict[str, datetime]) -> None:
        """One transaction: each event marked sent at its ack time."""
        mark = _mark_sent_statement(self.tables.outbox)
        rows = [{"id": event_id, "at": at} for event_id, at in acked.items()]
        with self.engine.begin() as conn:
            conn.execute(mark, rows)
        PUBLISHED.labels(self.service).inc(len(rows))

    def _mark_failed(self, failures: list[tuple[str, str]]) -> None:
        outbox = self.tables.outbox
        with self.engine.begin() as conn:
            for event_id, error in failures:
                conn.execute(
                    outbox.update()
                    .where(outbox.c.event_id == event_id)
                    .values(attempts=outbox.c.attempts + 1, last_error=error[:2000])
                )

    async def _maybe_purge(self) -> None:
        # Sent rows are kept for the retention period so an operator can replay a window.
        if time.monotonic() - self._last_purge < 600:
            return
        self._last_purge = time.monotonic()
        cutoff = datetime.now(UTC) - self.retention
        outbox = self.tables.outbox

        def purge() -> None:
            with self.engine.begin() as conn:
                conn.execute(
                    outbox.delete().where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff)
                )

        await asyncio.to_thread(purge)


def requeue_since(engine: Engine, tables: Backbone, since: datetime) -> int:
    """Mark sent events written since `since` as pending again (operator replay)."""
    outbox = tables.outbox
    with engine.begin() as conn:
        return conn.execute(
            outbox.update()
            .where(outbox.c.created_at >= since, outbox.c.sent_at.is_not(None))
            .values(sent_at=None)
        ).rowcount


def requeue_sent_since(
    engine: Engine, tables: Backbone, since: datetime, published: set[str]
) -> int:
    """Mark events sent since `since` and not in `published` as pending again (a restore)."""
    outbox = tables.outbox
    with engine.begin() as conn:
        sent = conn.execute(select(outbox.c.event_id).where(outbox.c.sent_at >= since))
        missing = [event_id for (event_id,) in sent if event_id not in published]
        for start in range(0, len(missing), 500):
            conn.execute(
                outbox.update()
                .where(outbox.c.event_id.in_(missing[start : start + 500]))
                .values(sent_at=None)
            )
    return len(missing)


# Built once per outbox: the relay runs both at every round.
@functools.cache
def _pending_query(outbox: Table, batch_size: int) -> Select[Any]:
    columns = ("event_id", "subject", "aggregate", "envelope", "headers", "created_at")
    return (
        select(*(outbox.c[name] for name in columns))
        .where(outbox.c.sent_at.is_(None))
        .order_by(outbox.c.seq)
        .limit(batch_size)
    )


@functools.cache
def _mark_sent_statement(outbox: Table) -> Update:
    return (
        outbox.update().where(outbox.c.event_id == bindparam("id")).values(sent_at=bindparam("at"))
    )
