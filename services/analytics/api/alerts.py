"""Early-warning alerts: the list, one alert with its series, and an assessment on demand."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter
from sqlmodel import col, select

from kelisim import pagination
from kelisim.clock import now
from kelisim.pagination import Cursor, Limit, Page
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.analytics import permissions, queries
from services.analytics.api.common import PREFIX, reading
from services.analytics.measures import shift_month
from services.analytics.models import Alert
from services.analytics.schemas import AlertDetail, AlertPublic, SeriesPoint
from services.analytics.workers import early_warning_round

router = APIRouter(prefix=f"{PREFIX}/alerts", tags=["analytics"])


@router.get("", response_model=Page[AlertPublic])
def list_alerts(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
    region: str | None = None,
) -> Page[AlertPublic]:
    """The alerts of the regions in scope, newest first."""
    regions = permissions.regions(principal)
    if region is not None:
        permissions.require_region(principal, region)
        regions = (region,)
    query = select(Alert).where(col(Alert.region).in_(list(regions)))
    if cursor:
        at, alert_id = pagination.decode(cursor, datetime, str)
        query = query.where(
            pagination.after([col(Alert.raised_at), col(Alert.id)], [at, alert_id], descending=True)
        )
    query = query.order_by(col(Alert.raised_at).desc(), col(Alert.id).desc()).limit(limit + 1)
    with reading(ctx) as db:
        rows = list(db.exec(query).all())
    items, next_cursor = pagination.page(rows, limit, lambda a: (a.raised_at, a.id))
    return Page[AlertPublic](
        items=[AlertPublic.model_validate(a, from_attributes=True) for a in items],
        next_cursor=next_cursor,
    )


@router.get("/{alert_id}", response_model=AlertDetail)
def get_alert(alert_id: str, principal: CurrentPrincipal, ctx: ContextDep) -> AlertDetail:
    """One alert, with the monthly series it was assessed on (36 months up to its month)."""
    with reading(ctx) as db:
        alert = db.get(Alert, alert_id)
        if alert is None or alert.region not in permissions.regions(principal):
            raise Problem(404, "not-found", f"No alert {alert_id[:40]}.")
        known = queries.registered_series(db, alert.period).get((alert.region, alert.category), {})
    start = shift_month(alert.period, -35)
    points = []
    month = start
    while month <= alert.period:
        points.append(SeriesPoint(month=month, count=known.get(month, 0)))
        month = shift_month(month, 1)
    return AlertDetail(
        **AlertPublic.model_validate(alert, from_attributes=True).model_dump(), series=points
    )


@router.post("/assessments", response_model=list[AlertPublic])
async def assess_now(principal: CurrentPrincipal, ctx: ContextDep) -> list[AlertPublic]:
    """Run the early-warning round now (after an import, say); the alerts it raised."""
    permissions.require(principal, "import_history")
    before = now()
    await asyncio.to_thread(early_warning_round, ctx)
    with reading(ctx) as db:
        rows = db.exec(
            select(Alert)
            .where(
                col(Alert.raised_at) >= before,
                col(Alert.region).in_(list(permissions.regions(principal))),
            )
            .order_by(col(Alert.raised_at))
        ).all()
    return [AlertPublic.model_validate(a, from_attributes=True) for a in rows]
