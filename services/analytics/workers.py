"""The analytics service's background work, each under a lease: early warning, protected cubes."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import structlog

from kelisim.clock import now
from kelisim.localtime import local_date
from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM
from kelisim.workers import run_leased
from services.analytics import cube_schedule
from services.analytics.handlers.alerts import assess
from services.analytics.measures import shift_month

log = structlog.get_logger("kelisim.analytics")


def early_warning_round(ctx: ServiceContext, at: datetime | None = None) -> int:
    """Assess this month and the last one across every series; the number of alerts raised."""
    settings = ctx.settings
    today = local_date(at or now(), settings.analytics_timezone)
    this_month = today.replace(day=1)
    raised = 0
    for period in (shift_month(this_month, -1), this_month):
        found = assess(
            lambda: ctx.uow(SYSTEM),
            period,
            min_count=settings.analytics_min_count,
            alpha=settings.analytics_alpha,
            engine=ctx.engine,
            threshold=settings.analytics_suppress_below,
        )
        raised += len(found)
    if raised:
        log.info("alerts.raised", count=raised)
    return raised


async def early_warning(ctx: ServiceContext) -> None:
    """Run the early-warning round every `analytics_detect_seconds`, one replica at a time."""

    async def one_round() -> int:
        await asyncio.to_thread(early_warning_round, ctx)
        return 0  # a round is complete work: wait for the next period either way

    await run_leased(ctx, "early-warning", one_round, every=ctx.settings.analytics_detect_seconds)


async def protected_cubes(ctx: ServiceContext) -> None:
    """Protect the cubes whose counters changed, once they have been quiet for a moment.

    The first round after a start loads the protection's libraries and marks due every cube
    with no state yet (`cube_schedule.first_round`); every round protects the due ones.
    """
    settings = ctx.settings
    threshold = settings.analytics_suppress_below
    debounce = settings.analytics_cube_debounce_seconds
    started = False

    def one_round() -> int:
        nonlocal started
        if not started:
            seeded = cube_schedule.first_round(ctx.engine, now())
            started = True
            if seeded:
                log.info("cubes.seeded", count=seeded)
        return cube_schedule.protect_due(
            ctx.engine, threshold=threshold, debounce=debounce, at=now()
        )

    async def leased_round() -> int:
        started = time.perf_counter()
        built = await asyncio.to_thread(one_round)
        if built:
            seconds = time.perf_counter() - started
            log.info("cubes.protected", count=built, duration_ms=round(seconds * 1000, 1))
        return built  # another round at once: more may have come due meanwhile

    # A round stops after about a minute, well inside the lease's ten.
    await run_leased(ctx, "protected-cubes", leased_round, every=debounce / 2, ttl=600.0)
