"""Background work that replicas must not share: leased loops, and "do this once" transactions.

A worker is named `<service>.<work>` (e.g. `cases.deadline-watch`); its lease row carries that
name. A replica runs rounds only while it holds the lease, and hands it back when it stops so
another replica takes over at once instead of after the lease expires.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.exc import IntegrityError

from kelisim.bus import lease
from kelisim.clock import new_id
from kelisim.uow import UnitOfWork

if TYPE_CHECKING:
    from kelisim.service import ServiceContext

log = structlog.get_logger("kelisim.workers")


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
    holder = f"{ctx.name}-{new_id()[:12]}"
    ttl = ttl if ttl is not None else max(15.0, every * 3)
    if wait_first:
        await asyncio.sleep(every)
    try:
        while True:
            done = 0
            try:
                held = await asyncio.to_thread(
                    lease.try_acquire, ctx.engine, ctx.tables, name, holder, ttl
                )
                if held:
                    done = await one_round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the next round retries
                log.warning("worker.round_failed", worker=name, error=repr(exc))
            if not done:
                await asyncio.sleep(every)
    finally:
        try:
            await asyncio.shield(
                asyncio.to_thread(lease.release, ctx.engine, ctx.tables, name, holder)
            )
        except Exception as exc:  # noqa: BLE001
            log.warning("worker.release_failed", worker=name, error=repr(exc))


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
