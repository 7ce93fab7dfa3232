"""A worker loop that runs its rounds only while it holds a lease, and hands it back on stop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import structlog

from kelisim.bus import lease
from kelisim.service import ServiceContext

log = structlog.get_logger("kelisim.notifications.workers")


async def run_leased(
    ctx: ServiceContext, name: str, one_round: Callable[[], Awaitable[int]]
) -> None:
    """Run `one_round` forever while holding lease `name`; sleep when it found nothing to do."""
    holder = uuid.uuid4().hex
    poll = ctx.settings.notifications_poll_seconds
    ttl = max(15.0, poll * 3)
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
            except Exception as exc:  # noqa: BLE001 - keep working after a database hiccup
                log.warning("worker.round_failed", worker=name, error=repr(exc))
            if not done:
                await asyncio.sleep(poll)
    finally:
        # A stopping replica hands the lease on at once instead of letting it expire.
        try:
            await asyncio.shield(
                asyncio.to_thread(lease.release, ctx.engine, ctx.tables, name, holder)
            )
        except Exception as exc:  # noqa: BLE001
            log.warning("worker.release_failed", worker=name, error=repr(exc))
