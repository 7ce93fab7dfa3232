"""Webhook deliveries and every attempt, replays, and the consumer's dead letters (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from kelisim import pagination
from kelisim.pagination import Cursor, Limit, Page
from kelisim.service import ContextDep, reading
from services.notifications import queries
from services.notifications.api.common import PREFIX
from services.notifications.handlers.deliveries import (
    ReplayDeliveries,
    ReplayDelivery,
    replay_deliveries,
    replay_delivery,
)
from services.notifications.lifecycle import DELIVERY_STATES
from services.notifications.permissions import Admin
from services.notifications.schemas import (
    DeadLetterPublic,
    DeliveryDetail,
    DeliveryPublic,
    DeliveryReplay,
    Replayed,
)

router = APIRouter(prefix=PREFIX, tags=["webhooks"])
STATUS = f"^({'|'.join(DELIVERY_STATES)})$"


@router.get("/deliveries", response_model=Page[DeliveryPublic])
def list_deliveries(
    principal: Admin,
    ctx: ContextDep,
    status: str | None = Query(None, pattern=STATUS),
    endpoint_id: str | None = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
) -> Page[DeliveryPublic]:
    """Deliveries, newest first; `status=dead` lists the dead letters."""
    with reading(ctx) as session:
        return queries.deliveries(session, status, endpoint_id, cursor, limit)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(delivery_id: str, principal: Admin, ctx: ContextDep) -> DeliveryDetail:
    """One delivery with every attempt (status, latency, response code)."""
    with reading(ctx) as session:
        return queries.delivery(session, delivery_id)


@router.post("/deliveries/replay", response_model=Replayed)
def replay_dead(
    body: DeliveryReplay, request: Request, principal: Admin, ctx: ContextDep
) -> Replayed:
    """Replay every dead delivery (optionally of one endpoint), same webhook-ids."""
    count = ctx.run(request, replay_deliveries, ReplayDeliveries(principal=principal, body=body))
    return Replayed(replayed=count)


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryPublic)
def replay_one(
    delivery_id: str, request: Request, principal: Admin, ctx: ContextDep
) -> DeliveryPublic:
    """Send one delivery now under its webhook-id: replay a finished one, or attempt a pending
    one without waiting for its scheduled retry (409 `endpoint-disabled` if its endpoint is
    off)."""
    cmd = ReplayDelivery(principal=principal, delivery_id=delivery_id)
    return queries.delivery_public(ctx.run(request, replay_delivery, cmd))


@router.get("/dead-letters", response_model=Page[DeadLetterPublic])
def consumer_dead_letters(
    principal: Admin,
    ctx: ContextDep,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
) -> Page[DeadLetterPublic]:
    """Events this service could never apply (poison messages), newest first."""
    return queries.consumer_dead_letters(ctx, cursor, limit)
