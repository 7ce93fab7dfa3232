"""The analytics service's background work: the early-warning round, under a lease."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog

from kelisim.clock import now
from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM
from kelisim.workers import run_leased
from services.analytics.handlers.alerts import assess
from services.analytics.measures import shift_month

log = structlog.get_logger("kelisim.analytics")


def early_warning_round(ctx: ServiceContext, at: datetime | None = None) -> int:
    """Assess this month and the last one across every series; the number of alerts raised."""
    settings = ctx.settings
    today = (at or now()).astimezone(ZoneInfo(settings.analytics_timezone)).date()
    this_month = today.replace(day=1)
    raised = 0
    for period in (shift_month(this_month, -1), this_month):
        found = assess(
            lambda: ctx.uow(SYSTEM),
            period,
            min_count=settings.analytics_min_count,
            alpha=settings.analytics_alpha,
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
