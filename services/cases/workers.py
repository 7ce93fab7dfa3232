"""The cases service's background work: the deadline watch, per shard of the cases.

Each shard is a lease `cases.deadline-watch:<shard>` (kelisim.workers.run_per_key), so the
replicas share the watch and a dead replica's shards move on when their leases expire.
"""

from __future__ import annotations

import asyncio

import structlog

from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM
from kelisim.workers import run_per_key, shards
from services.cases.handlers.deadlines import scan_deadlines
from services.cases.terms import TermPolicy

log = structlog.get_logger("kelisim.cases")


def deadline_round(ctx: ServiceContext, shard: str) -> int:
    """Raise the shard's deadline alerts due today (the service's time zone); how many."""
    terms = TermPolicy.from_settings(ctx.settings)
    count = ctx.settings.watch_shards
    raised = scan_deadlines(lambda: ctx.uow(SYSTEM), terms.today(), terms, (shard, count))
    if raised:
        log.info("deadlines.raised", count=len(raised))
    return len(raised)


async def deadline_watch(ctx: ServiceContext) -> None:
    """Scan each shard for due deadlines every `cases_watch_seconds`, shards shared by lease."""
    keys = shards(ctx.settings.watch_shards)

    async def all_shards() -> list[str]:
        return keys

    async def one_round(shard: str, _seconds: float) -> int:
        await asyncio.to_thread(deadline_round, ctx, shard)
        return 0  # a pass is complete work: wait for the next one either way

    await run_per_key(
        ctx,
        "deadline-watch",
        all_shards,
        one_round,
        every=ctx.settings.cases_watch_seconds,
        ttl=ctx.settings.cases_watch_lease_seconds,
    )
