"""The councils service's background work: the recommendation watcher, per shard.

The recommendations are divided into shards, each a lease `councils.recommendation-watch:<n>`
(kelisim.workers.run_per_key): the replicas share the shards and a dead replica's shards move
on when their leases expire. The unique constraint on raised alerts makes a second raise
impossible even if two scans overlap. Each alert, its audit entry and its event are one
transaction.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from functools import partial

import structlog
from sqlmodel import col, select

from kelisim.events.councils import RecommendationDueSoon, RecommendationOverdue
from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM, UnitOfWork
from kelisim.workers import in_shard, once, run_per_key, shards
from services.councils.lifecycle import FINAL_RECOMMENDATION
from services.councils.models import Recommendation, RecommendationAlert
from services.councils.queries import today

WORK = "recommendation-watch"
log = structlog.get_logger("kelisim.councils")


def raise_alert(ctx: ServiceContext, recommendation_id: str, kind: str, on: date) -> bool:
    """Raise one alert (`reminder` or `overdue`) for a recommendation; False if already raised."""
    raised: list[str] = []

    def act(uow: UnitOfWork) -> None:
        rec = uow.session.get(Recommendation, recommendation_id)
        if rec is None or rec.status in FINAL_RECOMMENDATION:
            return
        uow.session.add(RecommendationAlert(recommendation_id=rec.id, kind=kind))
        uow.session.flush()
        uow.audit(
            f"recommendation.{kind}",
            "recommendation",
            rec.id,
            after={"due_date": rec.due_date.isoformat(), "today": on.isoformat()},
        )
        event = RecommendationOverdue if kind == "overdue" else RecommendationDueSoon
        uow.emit(
            event(
                council_id=rec.council_id,
                recommendation_id=rec.id,
                region=rec.region,
                addressee=rec.addressee,
                due_date=rec.due_date,
            ),
            aggregate=f"recommendation:{rec.id}",
        )
        raised.append(rec.id)

    return once(partial(ctx.uow, SYSTEM), act) and bool(raised)


def scan(ctx: ServiceContext, on: date, shard: str | None = None) -> int:
    """Raise the due reminders and overdue alerts as of `on` (one shard, or all); how many."""
    remind_from = on + timedelta(days=ctx.settings.councils_reminder_days)
    with ctx.uow(SYSTEM) as uow:
        due = uow.session.exec(
            select(Recommendation.id, Recommendation.due_date).where(
                col(Recommendation.status).not_in(sorted(FINAL_RECOMMENDATION)),
                Recommendation.due_date <= remind_from,
            )
        ).all()
        alerts = uow.session.exec(
            select(RecommendationAlert.recommendation_id, RecommendationAlert.kind).where(
                col(RecommendationAlert.recommendation_id).in_([rec_id for rec_id, _ in due])
            )
        ).all()
    already = set(alerts)
    raised = 0
    count = ctx.settings.watch_shards
    for rec_id, due_date in due:
        if not in_shard(rec_id, shard, count):
            continue
        kind = "overdue" if due_date < on else "reminder"
        if (rec_id, kind) not in already:
            raised += raise_alert(ctx, rec_id, kind, on)
    return raised


async def recommendation_watch(ctx: ServiceContext) -> None:
    """Scan each shard as of today in Kazakhstan every `councils_watch_seconds`, by lease."""
    keys = shards(ctx.settings.watch_shards)

    async def all_shards() -> list[str]:
        return keys

    async def one_round(shard: str, _seconds: float) -> int:
        raised = await asyncio.to_thread(scan, ctx, today(), shard)
        if raised:
            log.info("recommendations.alerts_raised", count=raised, shard=shard)
        return 0  # a scan is complete work: wait for the next one either way

    every = ctx.settings.councils_watch_seconds
    await run_per_key(ctx, WORK, all_shards, one_round, every=every, ttl=max(15.0, every * 3))
