"""Thin admin routes for liaison webhook endpoints, their deliveries and dead letters."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import col, select

from kelisim import webhooks
from kelisim.bus.consumer import dead_letters
from kelisim.db import new_session
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, actor_of
from services.notifications import handlers
from services.notifications.api import require_admin
from services.notifications.idempotency import create_once, etag
from services.notifications.models import Delivery, DeliveryAttempt, LiaisonEndpoint, aware
from services.notifications.schemas import (
    AttemptPublic,
    BulkReplay,
    DeadLetterPublic,
    DeliveryDetail,
    DeliveryPage,
    DeliveryPublic,
    EndpointCreate,
    EndpointCreated,
    EndpointPublic,
    EndpointUpdate,
    Replayed,
)

router = APIRouter(prefix="/api/v1/notifications", tags=["webhooks"])


def _endpoint(row: LiaisonEndpoint) -> dict[str, object]:
    return {
        "id": row.id,
        "region": row.region,
        "url": row.url,
        "description": row.description,
        "enabled": row.enabled,
        "disabled_reason": row.disabled_reason,
        "failing_since": aware(row.failing_since),
        "secret_hints": [s[:10] + "…" for s in json.loads(row.secrets)],
        "public_keys": [webhooks.public_key_of(k) for k in json.loads(row.signing_keys)],
        "created_at": aware(row.created_at),
    }


def _delivery(row: Delivery) -> dict[str, object]:
    return {
        "id": row.id,
        "endpoint_id": row.endpoint_id,
        "escalation_id": row.escalation_id,
        "region": row.region,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": aware(row.next_attempt_at) if row.status == "pending" else None,
        "created_at": aware(row.created_at),
        "finished_at": aware(row.finished_at),
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
    }


@router.get("/endpoints", response_model=list[EndpointPublic])
def list_endpoints(principal: CurrentPrincipal, ctx: ContextDep):
    """Every liaison endpoint, secrets masked."""
    require_admin(principal)
    with new_session(ctx.engine) as session:
        rows = session.exec(select(LiaisonEndpoint).order_by(col(LiaisonEndpoint.region))).all()
    return [EndpointPublic(**_endpoint(r)) for r in rows]  # type: ignore[arg-type]


@router.get("/endpoints/{endpoint_id}", response_model=EndpointPublic)
def get_endpoint(
    endpoint_id: str, response: Response, principal: CurrentPrincipal, ctx: ContextDep
):
    """One endpoint, with its `ETag` for a later `If-Match`."""
    require_admin(principal)
    with new_session(ctx.engine) as session:
        row = session.get(LiaisonEndpoint, endpoint_id)
    if row is None:
        raise Problem(404, "not-found", "No such endpoint.")
    response.headers["ETag"] = etag(row.id, row.updated_at)
    return EndpointPublic(**_endpoint(row))  # type: ignore[arg-type]


@router.post("/endpoints", status_code=201, response_model=EndpointCreated)
async def create_endpoint(
    body: EndpointCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """Register a liaison endpoint for a region (`Idempotency-Key` honoured)."""
    require_admin(principal)

    def run(uow):  # type: ignore[no-untyped-def]
        endpoint, secret, public_key = handlers.create_endpoint(body, uow)
        return EndpointCreated(
            **_endpoint(endpoint),  # type: ignore[arg-type]
            generated_secret=secret,
            generated_public_key=public_key,
        )

    return await create_once(ctx, request, principal, run)


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointPublic)
def update_endpoint(
    endpoint_id: str,
    body: EndpointUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Change an endpoint: URL, rotation of secrets or keys, enabling (`If-Match` honoured)."""
    require_admin(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        endpoint = handlers.update_endpoint(endpoint_id, body, uow, request.headers.get("if-match"))
        uow.commit()
    response.headers["ETag"] = etag(endpoint.id, endpoint.updated_at)
    return EndpointPublic(**_endpoint(endpoint))  # type: ignore[arg-type]


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(
    endpoint_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """Remove an endpoint."""
    require_admin(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        handlers.delete_endpoint(endpoint_id, uow)
        uow.commit()
    return Response(status_code=204)


@router.get("/deliveries", response_model=DeliveryPage)
def list_deliveries(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    status: str | None = Query(None, pattern="^(pending|succeeded|dead)$"),
    endpoint_id: str | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=500),
):
    """Deliveries, newest first; `status=dead` lists the dead letters."""
    require_admin(principal)
    query = select(Delivery)
    if status:
        query = query.where(Delivery.status == status)
    if endpoint_id:
        query = query.where(Delivery.endpoint_id == endpoint_id)
    if cursor:
        query = query.where(col(Delivery.id) < cursor)
    with new_session(ctx.engine) as session:
        rows = session.exec(query.order_by(col(Delivery.id).desc()).limit(limit + 1)).all()
    page = rows[:limit]
    return DeliveryPage(
        items=[DeliveryPublic(**_delivery(r)) for r in page],  # type: ignore[arg-type]
        next_cursor=page[-1].id if len(rows) > limit else None,
    )


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail)
def get_delivery(delivery_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """One delivery with every attempt (status, latency, response code)."""
    require_admin(principal)
    with new_session(ctx.engine) as session:
        row = session.get(Delivery, delivery_id)
        if row is None:
            raise Problem(404, "not-found", "No such delivery.")
        attempts = session.exec(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id == delivery_id)
            .order_by(col(DeliveryAttempt.attempt))
        ).all()
    history = [
        AttemptPublic(
            attempt=a.attempt,
            at=aware(a.at),  # type: ignore[arg-type]
            outcome=a.outcome,
            status_code=a.status_code,
            latency_ms=a.latency_ms,
            error=a.error,
        )
        for a in attempts
    ]
    return DeliveryDetail(**_delivery(row), history=history)  # type: ignore[arg-type]


@router.post("/deliveries/replay", response_model=Replayed)
def replay_bulk(body: BulkReplay, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """Replay every dead delivery (optionally of one endpoint), same webhook-ids."""
    require_admin(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        count = handlers.replay_bulk(body, uow)
        uow.commit()
    return Replayed(replayed=count)


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryPublic)
def replay_one(delivery_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """Replay one finished delivery under its webhook-id."""
    require_admin(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        delivery = handlers.replay_delivery(delivery_id, uow)
        uow.commit()
        return DeliveryPublic(**_delivery(delivery))  # type: ignore[arg-type]


@router.get("/dead-letters", response_model=list[DeadLetterPublic])
def consumer_dead_letters(principal: CurrentPrincipal, ctx: ContextDep):
    """Events this service could never apply (poison messages), newest first."""
    require_admin(principal)
    return [DeadLetterPublic(**row) for row in dead_letters(ctx.engine, ctx.tables)]
