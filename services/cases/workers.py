"""The cases service's background work: the deadline watch, under a lease."""

from __future__ import annotations

import asyncio

import structlog

from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM
from kelisim.workers import run_leased
from services.cases.handlers.deadlines import scan_deadlines
from services.cases.terms import TermPolicy

log = structlog.get_logger("kelisim.cases")


def deadline_round(ctx: ServiceContext) -> int:
    """Raise the deadline alerts due today (in the service's time zone); how many were raised."""
    terms = TermPolicy.from_settings(ctx.settings)
    raised = scan_deadlines(lambda: ctx.uow(SYSTEM), terms.today(), terms)
    if raised:
        log.info("deadlines.raised", count=len(raised))
    return len(raised)


async def deadline_watch(ctx: ServiceContext) -> None:
    """Scan for due deadlines every `cases_watch_seconds`, one replica at a time."""

    async def one_round() -> int:
        await asyncio.to_thread(deadline_round, ctx)
        return 0  # a pass is complete work: wait for the next one either way

    await run_leased(
        ctx,
        "deadline-watch",
        one_round,
        every=ctx.settings.cases_watch_seconds,
        ttl=ctx.settings.cases_watch_lease_seconds,
    )
