"""Thin routes for law enforcement: the pull feed of escalations and its acknowledgement.

A liaison reads and acknowledges only their own region's escalations; coordinators read
their regions' escalations with the receipt state; an admin reads every region.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlmodel import col, select

from kelisim.auth import Principal
from kelisim.db import new_session
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, actor_of
from services.notifications import handlers
from services.notifications.models import Escalation, aware
from services.notifications.schemas import Feed, FeedItem

router = APIRouter(prefix="/api/v1/notifications/feed", tags=["liaison"])


def _item(row: Escalation) -> FeedItem:
    return FeedItem(
        escalation_id=row.escalation_id,
        case_ref=row.case_ref,
        region=row.region,
        category=row.category,
        risk_level=row.risk_level,
        summary=row.summary,
        escalated_at=aware(row.escalated_at),  # type: ignore[arg-type]
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=aware(row.acknowledged_at),
    )


def _regions(principal: Principal, region: str | None) -> list[str] | None:
    """The regions the caller may read; None means every region (admin)."""
    if principal.has("admin"):
        return [region] if region else None
    if not principal.has("liaison", "coordinator"):
        raise Problem(403, "forbidden", "The feed is for liaisons and coordinators.")
    if region is not None:
        if not principal.in_region(region):
            raise Problem(403, "out-of-scope", "The region is outside your scope.")
        return [region]
    return sorted(principal.regions)


@router.get("", response_model=Feed)
def feed(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    region: str | None = None,
    unacknowledged: bool = False,
):
    """Escalations of the caller's regions, oldest first, after the cursor."""
    regions = _regions(principal, region)
    query = select(Escalation).where(col(Escalation.seq) > handlers.seq_cursor(cursor))
    if regions is not None:
        query = query.where(col(Escalation.region).in_(regions))
    if unacknowledged:
        query = query.where(col(Escalation.acknowledged_at).is_(None))
    with new_session(ctx.engine) as session:
        rows = session.exec(query.order_by(col(Escalation.seq)).limit(limit + 1)).all()
    page = rows[:limit]
    # The cursor always moves to the last item seen, so a client can poll from it.
    next_cursor = str(page[-1].seq) if page else (cursor or None)
    return Feed(items=[_item(r) for r in page], next_cursor=next_cursor, has_more=len(rows) > limit)


@router.post("/{escalation_id}/ack", response_model=FeedItem)
def acknowledge(escalation_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """The liaison accepts an escalation of their region (receipt, beyond delivery)."""
    if not principal.has("liaison"):
        raise Problem(403, "forbidden", "Only a law-enforcement liaison accepts escalations.")
    with ctx.uow(actor_of(request, principal)) as uow:
        escalation = handlers.acknowledge(escalation_id, principal, uow)
        uow.commit()
        return _item(escalation)
