"""Receipt alerts: an escalation not accepted in time is itself an alert to the coordinators."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, select

from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM
from services.notifications.audience import notify
from services.notifications.leased import run_leased
from services.notifications.models import Escalation, now_utc

LEASE = "notifications-alerts"


def raise_unacknowledged(ctx: ServiceContext) -> int:
    """Alert the region's coordinators, once, of each escalation not accepted in time."""
    hours = ctx.settings.escalation_ack_alert_hours
    due = now_utc() - timedelta(hours=hours)
    with ctx.uow(SYSTEM) as uow:
        late = uow.session.exec(
            select(Escalation)
            .where(col(Escalation.acknowledged_at).is_(None))
            .where(col(Escalation.alerted_at).is_(None))
            .where(col(Escalation.received_at) <= due)
            .order_by(col(Escalation.seq))
            .limit(100)
        ).all()
        for escalation in late:
            escalation.alerted_at = now_utc()
            uow.session.add(escalation)
            uow.audit(
                "escalation.alerted", "escalation", escalation.escalation_id, after={"hours": hours}
            )
            notify(
                uow,
                source_event_id=escalation.escalation_id,
                topic="notifications.escalation.unacknowledged",
                params={
                    "escalation_id": escalation.escalation_id,
                    "case_ref": escalation.case_ref,
                    "region": escalation.region,
                    "risk_level": escalation.risk_level,
                    "hours": f"{hours:g}",
                },
                audience={
                    "audience_role": "coordinator",
                    "region": escalation.region,
                    "council_id": None,
                },
            )
        uow.commit()
        return len(late)


async def alert_worker(ctx: ServiceContext) -> None:
    """Look for unaccepted escalations forever; one replica at a time holds the lease."""

    async def one_round() -> int:
        await asyncio.to_thread(raise_unacknowledged, ctx)
        return 0  # at most once per poll interval

    await run_leased(ctx, LEASE, one_round)
