"""Background work that replicas must not share: leased loops, and "do this once" transactions.

A worker is named `<service>.<work>` (e.g. `cases.deadline-watch`); its lease row carries that
name. A replica runs rounds only while it holds the lease, and hands it back when it stops so
another replica takes over at once instead of after the lease expires.

Work that divides by key (deliveries per endpoint, deadlines per region) runs on
`run_per_key`: each key is one lease `<service>.<work>:<key>`, the replicas share the keys by
rendezvous hashing over the live members (each replica keeps a member lease), and each key
held here has its own lane, woken at once by `kelisim.bus.wake`. A replica that dies hands its
keys on when their leases expire; one that stops hands them back at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from prometheus_client import Counter
from sqlalchemy.exc import IntegrityError

from kelisim.bus import lease
from kelisim.clock import random_id
from kelisim.uow import UnitOfWork

if TYPE_CHECKING:
    from kelisim.service import ServiceContext

T = TypeVar("T")

log = structlog.get_logger("kelisim.workers")
# A background round that raised: counted per worker kind (the lane or lease prefix).
FAILED_ROUNDS = Counter(
    "kelisim_worker_failed_rounds_total", "Background worker rounds that raised", ["worker"]
)


def raise_if_cancelling() -> None:
    """In an `except Exception` of a loop: a cancellation that became an error ends the loop.

    Cleanup that runs while a task is being cancelled (a `finally` that records what was
    done) may raise an error in place of the CancelledError; a loop that logged it and went
    on would outlive its cancellation, and its owner would wait for it for ever.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from None


async def finish(work: Awaitable[T]) -> T:
    """`work` run to its end however often the caller is cancelled meanwhile; then a
    cancellation that came goes on (`CancelledError`), else `work`'s own outcome.

    For what a stopping task must still do (hand a lease back, record what it sent).
    `asyncio.shield` alone kept the work from being cancelled, but a second cancellation (a
    stopping owner cancels again: `cancel_all`, or its own owner's stop) ended the wait at
    once: the task ended while its work ran on in a task left behind, and the service's
    engine could be disposed under it.
    """
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait([task])  # cancelling the wait leaves the work be
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not task.cancelled():
            task.exception()  # seen: the cancellation is what the caller hears
        raise asyncio.CancelledError
    return task.result()


async def cancel_all(tasks: Sequence[asyncio.Task[Any]], *, rounds: int = 10) -> None:
    """Cancel tasks and wait for them; cancel again if a library swallowed the first request.

    Cancelled itself while it waits (its owner stopping too), it cancels them again at once
    and goes on, then passes its own cancellation on: it never returns with them running
    unless `rounds` are spent, which is logged.
    """
    pending = {t for t in tasks if not t.done()}
    interrupted = False
    for _ in range(rounds):
        if not pending:
            break
        for task in pending:
            task.cancel()
        try:
            _done, pending = await asyncio.wait(pending, timeout=2)
        except asyncio.CancelledError:
            interrupted = True
            pending = {t for t in pending if not t.done()}
    if pending:
        log.error("shutdown.tasks_still_running", tasks=[t.get_name() for t in pending])
    if interrupted:
        raise asyncio.CancelledError


async def run_leased(
    ctx: ServiceContext,
    work: str,
    one_round: Callable[[], Awaitable[int]],
    *,
    every: float,
    ttl: float | None = None,
    wait_first: bool = False,
) -> None:
    """Run `one_round` while holding lease `<service>.<work>`; sleep `every` s when idle."""
    name = f"{ctx.name}.{work}"
    holder = f"{ctx.name}-{random_id()[:12]}"
    ttl = ttl if ttl is not None else max(15.0, every * 3)
    if wait_first:
        await asyncio.sleep(every)
    held_until = 0.0  # monotonic time until which the lease is ours
    try:
        while True:
            done = 0
            try:
                # Renew only once half the lease is spent: a busy worker ran a write
                # transaction for its lease before every round (a tenth of the notifications
                # service's time in a burst). A round still starts with half a lease ahead.
                if time.monotonic() > held_until - ttl / 2:
                    started = time.monotonic()
                    held = await asyncio.to_thread(
                        lease.try_acquire, ctx.engine, ctx.tables, name, holder, ttl
                    )
                    held_until = started + ttl if held else 0.0
                if held_until:
                    done = await one_round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the next round retries
                raise_if_cancelling()
                log.warning("worker.round_failed", worker=name, error=repr(exc))
                FAILED_ROUNDS.labels(name).inc()
            if not done:
                await asyncio.sleep(every)
    finally:
        try:
            await finish(asyncio.to_thread(lease.release, ctx.engine, ctx.tables, name, holder))
        except Exception as exc:  # noqa: BLE001
            log.warning("worker.release_failed", worker=name, error=repr(exc))


class _Lanes:
    """The keys of one work that this replica holds, each with its lane task."""

    def __init__(
        self,
        ctx: ServiceContext,
        work: str,
        keys: Callable[[], Awaitable[Iterable[str]]],
        lane_round: Callable[[str, float], Awaitable[int]],
        every: float,
        ttl: float,
    ) -> None:
        self.ctx = ctx
        self.work = work
        self.prefix = f"{ctx.name}.{work}"
        self.holder = f"{ctx.name}-{random_id()[:12]}"
        self.keys = keys
        self.lane_round = lane_round
        self.every = every
        self.ttl = ttl
        self.margin = ttl / 10
        self.until: dict[str, float] = {}  # key -> monotonic time its lease holds until
        self.wakes: dict[str, asyncio.Event] = {}
        self.lanes: dict[str, asyncio.Task[None]] = {}
        self.leaving: set[str] = set()
        self.known: set[str] = set()
        self.rebalance = asyncio.Event()

    def lease_name(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def nudge(self, key: str) -> None:
        """New work for `key`: wake its lane if it is held here, look again if the key is new."""
        event = self.wakes.get(key)
        if event is not None:
            event.set()
        elif key not in self.known:
            self.rebalance.set()

    def owner(self, key: str, members: list[str]) -> str:
        """Rendezvous hashing: each key's replica, stable while the members stay."""
        return max(members, key=lambda m: hashlib.sha256(f"{m}|{key}".encode()).digest())

    async def balance(self) -> None:
        """Renew what is held, hand back what is another's, take what is ours and free."""
        engine, tables = self.ctx.engine, self.ctx.tables
        # Renew first, timed from just before the statement: a lease holds at least that long.
        held = list(self.until)
        names = [self.lease_name(k) for k in held]
        started = time.monotonic()
        kept = await asyncio.to_thread(lease.renew, engine, tables, names, self.holder, self.ttl)
        for key in held:
            if self.lease_name(key) in kept:
                self.until[key] = started + self.ttl
            else:
                self.until.pop(key, None)  # lost (expired): the lane stops before its next item
        member = f"{self.prefix}.member:{self.holder}"
        await asyncio.to_thread(lease.try_acquire, engine, tables, member, self.holder, self.ttl)
        members = await asyncio.to_thread(lease.live_holders, engine, tables, f"{self.prefix}.")
        members = sorted(set(members) | {self.holder})
        self.known = set(await self.keys())
        mine = {k for k in self.known if self.owner(k, members) == self.holder}
        for key in list(self.lanes):
            if key not in mine:
                self.leaving.add(key)
                self.wakes[key].set()
        for key in mine - set(self.until):
            name = self.lease_name(key)
            started = time.monotonic()
            if await asyncio.to_thread(
                lease.try_acquire, engine, tables, name, self.holder, self.ttl
            ):
                self.until[key] = started + self.ttl
        for key in mine & set(self.until):
            self.leaving.discard(key)
            if key not in self.lanes or self.lanes[key].done():
                self.wakes[key] = asyncio.Event()
                self.lanes[key] = asyncio.create_task(self.lane(key), name=self.lease_name(key))
        for key in [k for k, t in self.lanes.items() if t.done()]:
            await self.hand_back([key])

    async def hand_back(self, keys: list[str]) -> None:
        for key in keys:
            self.lanes.pop(key, None)
            self.wakes.pop(key, None)
            self.leaving.discard(key)
            self.until.pop(key, None)
        names = [self.lease_name(k) for k in keys]
        engine, tables = self.ctx.engine, self.ctx.tables
        await asyncio.to_thread(lease.release_all, engine, tables, names, self.holder)

    async def lane(self, key: str) -> None:
        """Rounds for one key while its lease holds; woken at once by new work."""
        wake = self.wakes[key]
        while key not in self.leaving:
            remaining = self.until.get(key, 0.0) - time.monotonic() - self.margin
            done = 0
            if remaining <= 0:
                if key not in self.until:
                    return  # the lease is gone: another replica may hold it now
            else:
                wake.clear()
                try:
                    done = await self.lane_round(key, remaining)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the next round retries
                    raise_if_cancelling()
                    log.warning("worker.lane_failed", worker=self.lease_name(key), error=repr(exc))
                    FAILED_ROUNDS.labels(self.prefix).inc()
            if not done:
                try:
                    await asyncio.wait_for(wake.wait(), timeout=self.every)
                except TimeoutError:
                    pass

    async def run(self) -> None:
        stop_listening = self.ctx.wakes.listen(self.work, self.nudge)
        try:
            while True:
                self.rebalance.clear()
                try:
                    await self.balance()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the next round retries
                    raise_if_cancelling()
                    log.warning("worker.balance_failed", worker=self.prefix, error=repr(exc))
                    FAILED_ROUNDS.labels(self.prefix).inc()
                try:
                    await asyncio.wait_for(self.rebalance.wait(), timeout=self.ttl / 4)
                except TimeoutError:
                    pass
        finally:
            stop_listening()
            await cancel_all(list(self.lanes.values()))
            keys = [*self.until, *self.lanes]
            names = [*(self.lease_name(k) for k in keys), f"{self.prefix}.member:{self.holder}"]
            engine, tables = self.ctx.engine, self.ctx.tables
            try:
                await finish(
                    asyncio.to_thread(lease.release_all, engine, tables, names, self.holder)
                )
            except Exception as exc:  # noqa: BLE001 - they expire by themselves anyway
                log.warning("worker.release_failed", worker=self.prefix, error=repr(exc))


async def run_per_key(
    ctx: ServiceContext,
    work: str,
    keys: Callable[[], Awaitable[Iterable[str]]],
    lane_round: Callable[[str, float], Awaitable[int]],
    *,
    every: float,
    ttl: float,
) -> None:
    """Share the keys of `work` among the replicas, one lease per key, one lane per held key.

    `keys()` names the keys that have (or may have) work; `lane_round(key, seconds)` does what
    is due for one key and must finish within `seconds`, the time its lease is still certain
    to hold (less a margin); it answers how much it did, and 0 sends the lane to sleep until
    `uow.wake(work, key)` or `every` seconds (the poll that picks up what a crash left).
    Leases are renewed every `ttl / 4`.
    """
    await _Lanes(ctx, work, keys, lane_round, every, ttl).run()


def shards(count: int) -> list[str]:
    """The keys of work divided into `count` shards: "0" ... "count-1"."""
    return [str(i) for i in range(count)]


def in_shard(item: str, shard: str | None, count: int) -> bool:
    """Whether `item` (an id) belongs to `shard` of `count`; every item when shard is None."""
    return shard is None or zlib.crc32(item.encode()) % count == int(shard)


def once(uow_factory: Callable[[], UnitOfWork], act: Callable[[UnitOfWork], bool | None]) -> bool:
    """Run `act` in its own unit of work; False when a unique key shows it already happened.

    `act` writes a row whose unique key names the occurrence (an alert per series and period)
    together with its event, so two replicas racing raise it exactly once. An `act` that finds
    nothing to do returns False: nothing is committed and `once` answers False.
    """
    try:
        with uow_factory() as uow:
            if act(uow) is False:
                return False
            uow.commit()
        return True
    except IntegrityError:
        return False
