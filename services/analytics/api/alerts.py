"""Early-warning alerts: the list, one alert with its series, and an assessment on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim import pagination
from kelisim.clock import now
from kelisim.commands import Command, replay_if_answered
from kelisim.db import table_of
from kelisim.pagination import Cursor, Limit, Page
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading
from kelisim.uow import UnitOfWork
from services.analytics import permissions, queries
from services.analytics.api.common import PREFIX
from services.analytics.measures import shift_month
from services.analytics.models import Alert
from services.analytics.published import shown_alerts
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
        table = table_of(Alert)  # its columns, as ColumnElements
        query = query.where(
            pagination.after([table.c.raised_at, table.c.id], [at, alert_id], descending=True)
        )
    query = query.order_by(col(Alert.raised_at).desc(), col(Alert.id).desc()).limit(limit + 1)
    with reading(ctx) as db:
        rows = list(db.exec(query).all())
        items, next_cursor = pagination.page(rows, limit, lambda a: (a.raised_at, a.id))
        return Page[AlertPublic](
            items=published(db, items),
            next_cursor=next_cursor,
        )


def published(db: DbSession, alerts: Sequence[Alert]) -> list[AlertPublic]:
    """The alerts as the API shows them (`services.analytics.published`): the observed count is
    the protected tables' figure, never the live count the detector saw; where it is hidden,
    so are the score and the p-value that would give it back; where a month of an EWMA
    alert's baseline is hidden, so are the expected count and threshold made of it (a
    Farrington alert's, a fitted model's, are always shown)."""
    return [
        AlertPublic.model_validate(a, from_attributes=True).model_copy(
            update={
                "observed": figure.observed,
                "observed_suppressed": figure.suppressed,
                "baseline_suppressed": figure.baseline_suppressed,
                "expected": figure.expected,
                "upper": figure.upper,
                "score": figure.score,
                "p_value": figure.p_value,
            }
        )
        for a, figure in zip(alerts, shown_alerts(db, alerts), strict=True)
    ]


@router.get("/{alert_id}", response_model=AlertDetail)
def get_alert(alert_id: str, principal: CurrentPrincipal, ctx: ContextDep) -> AlertDetail:
    """One alert, with the monthly series it was assessed on (36 months up to its month), as
    the protected tables show it: a hidden month is null."""
    with reading(ctx) as db:
        alert = db.get(Alert, alert_id)
        if alert is None or alert.region not in permissions.regions(principal):
            raise Problem(404, "not-found", f"No alert {alert_id[:40]}.")
        months = [shift_month(alert.period, -k) for k in range(35, -1, -1)]
        shown = queries.registered_figures(
            db, [(alert.region, alert.category, month) for month in months]
        )
        (public,) = published(db, [alert])
    points = [
        SeriesPoint(month=month, count=shown[(alert.region, alert.category, month)])
        for month in months
    ]
    return AlertDetail(**public.model_dump(), series=points)


@dataclass(frozen=True, kw_only=True)
class Assess(Command):
    """An assessment on demand, answered with the alerts it raised in the caller's regions."""

    regions: tuple[str, ...]


def raised_since(cmd: Assess, uow: UnitOfWork, since: datetime) -> list[AlertPublic]:
    """The alerts raised since `since` (the start of the round) in the command's regions."""
    rows = uow.session.exec(
        select(Alert)
        .where(col(Alert.raised_at) >= since, col(Alert.region).in_(cmd.regions))
        .order_by(col(Alert.raised_at))
    ).all()
    return published(uow.session, rows)


@router.post("/assessments", response_model=list[AlertPublic])
async def assess_now(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep
) -> list[AlertPublic]:
    """Run the early-warning round now (after an import, say); the alerts it raised.

    The round is the worker's own work (each alarm is raised once, whoever runs it), so a
    retry may run it again harmlessly; with an `Idempotency-Key` the retry's answer is the
    first answer, through `ctx.run` like every command.
    """
    permissions.require(principal, "import_history")
    cmd = Assess(principal=principal, regions=tuple(sorted(permissions.regions(principal))))
    # A retry of an answered request (after a 504 at the gateway) gets its answer at once,
    # not after a second round (seconds of CPU on a busy machine).
    await asyncio.to_thread(replay_if_answered, ctx, request, cmd)
    before = now()
    await asyncio.to_thread(early_warning_round, ctx)
    # The round's start time is not part of the command: a retry is the same request.
    return await asyncio.to_thread(
        ctx.run,
        request,
        lambda c, uow: raised_since(c, uow, before),
        cmd,
    )
