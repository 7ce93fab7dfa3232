"""Control of recommendations: a watcher raising reminders and overdue alerts exactly once.

Only the holder of the `councils.recommendation-watch` lease scans (one replica at a time);
the unique constraint on raised alerts makes a second raise impossible even if two scans
overlap. Each alert, its audit entry and its event are one transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kelisim.bus import lease
from kelisim.events.councils import RecommendationDueSoon, RecommendationOverdue
from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM
from services.councils.lifecycle import FINAL_RECOMMENDATION
from services.councils.models import Recommendation, RecommendationAlert

LEASE = "councils.recommendation-watch"
log = structlog.get_logger("kelisim.councils.control")


def raise_alert(ctx: ServiceContext, recommendation_id: str, kind: str, today: date) -> bool:
    """Raise one alert (`reminder` or `overdue`) for a recommendation; False if already raised."""
    try:
        with ctx.uow(SYSTEM) as uow:
            db = uow.session
            rec = db.get(Recommendation, recommendation_id)
            if rec is None or rec.status in FINAL_RECOMMENDATION:
                return False
            exists = db.exec(
                select(RecommendationAlert).where(
                    RecommendationAlert.recommendation_id == rec.id,
                    RecommendationAlert.kind == kind,
                )
            ).first()
            if exists is not None:
                return False
            db.add(RecommendationAlert(recommendation_id=rec.id, kind=kind))
            db.flush()
            uow.audit(
                f"recommendation.{kind}",
                "recommendation",
                rec.id,
                after={"due_date": rec.due_date.isoformat(), "today": today.isoformat()},
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
            uow.commit()
            return True
    except IntegrityError:
        return False


def scan(ctx: ServiceContext, today: date, *, holder: str, ttl: float | None = None) -> int:
    """Raise the due reminders and overdue alerts as of `today`; the alerts raised by this call."""
    settings = ctx.settings
    ttl = ttl if ttl is not None else settings.councils_watch_seconds * 2
    if not lease.try_acquire(ctx.engine, ctx.tables, LEASE, holder, ttl):
        return 0
    remind_from = today + timedelta(days=settings.councils_reminder_days)
    with ctx.uow(SYSTEM) as uow:
        open_recs = uow.session.exec(
            select(Recommendation.id, Recommendation.due_date).where(
                Recommendation.status.not_in(sorted(FINAL_RECOMMENDATION)),
                Recommendation.due_date <= remind_from,
            )
        ).all()
    raised = 0
    for rec_id, due in open_recs:
        kind = "overdue" if due < today else "reminder"
        raised += raise_alert(ctx, rec_id, kind, today)
    return raised


async def watch(ctx: ServiceContext) -> None:
    """The worker: scan as of today's UTC date, every `councils_watch_seconds`."""
    holder = f"councils-{uuid.uuid4().hex[:12]}"
    while True:
        # Wait first: a replica that just started leaves the lease to the one already running.
        await asyncio.sleep(ctx.settings.councils_watch_seconds)
        try:
            today = datetime.now(UTC).date()
            raised = await asyncio.to_thread(scan, ctx, today, holder=holder)
            if raised:
                log.info("recommendations.alerts_raised", count=raised)
        except Exception as exc:  # noqa: BLE001 - the watcher must outlive a bad scan
            log.warning("recommendations.scan_failed", error=repr(exc))
