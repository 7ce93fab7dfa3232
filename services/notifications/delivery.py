"""Webhook delivery to law-enforcement endpoints: signed POSTs, retries, dead letters.

A delivery row is written in the same transaction that received the escalation, so a
crash never loses one. The worker claims due rows (pushing their next attempt past the
timeout first, so a crash mid-call means a retry, never a loss), POSTs them, records the
attempt and schedules the next one on the Standard Webhooks schedule. The receiver
deduplicates on `webhook-id`, which is the delivery id and never changes.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import structlog
from prometheus_client import Counter, Histogram
from sqlmodel import col, select

from kelisim import webhooks
from kelisim.events.notifications import (
    DeliveryDeadLettered,
    DeliveryFailed,
    DeliverySucceeded,
    EndpointDisabled,
)
from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM, UnitOfWork
from services.notifications.audience import notify
from services.notifications.leased import run_leased
from services.notifications.models import (
    Delivery,
    DeliveryAttempt,
    LiaisonEndpoint,
    aware,
    now_utc,
)

log = structlog.get_logger("kelisim.notifications.webhooks")

ATTEMPTS = Counter(
    "kelisim_webhook_attempts_total", "Webhook attempts to liaison endpoints", ["outcome"]
)
LATENCY = Histogram(
    "kelisim_webhook_latency_seconds",
    "Latency of webhook attempts",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)

# The Standard Webhooks example schedule: delay before attempt n+1 after attempt n fails.
SCHEDULE_SECONDS = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
SLOW_DOWN = {429, 502, 503, 504}
LEASE = "notifications-webhooks"
BATCH = 50


@dataclass(frozen=True)
class Job:
    """A claimed delivery with what is needed to send it."""

    delivery_id: str
    attempt: int
    url: str
    body: bytes
    secrets: tuple[str, ...]
    signing_keys: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What one POST came back with."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    retry_after: float | None = None


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The `Retry-After` header in seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def claim_due(ctx: ServiceContext, limit: int = BATCH) -> list[Job]:
    """Take due deliveries of enabled endpoints and push their next attempt past the call."""
    now = now_utc()
    hold = timedelta(seconds=ctx.settings.webhook_timeout_seconds * 2 + 5)
    jobs: list[Job] = []
    with UnitOfWork(ctx.engine, ctx.tables, source=ctx.source) as uow:
        rows = uow.session.exec(
            select(Delivery, LiaisonEndpoint)
            .join(LiaisonEndpoint, col(LiaisonEndpoint.id) == col(Delivery.endpoint_id))
            .where(Delivery.status == "pending")
            .where(col(Delivery.next_attempt_at) <= now)
            .where(col(LiaisonEndpoint.enabled).is_(True))
            .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
            .limit(limit)
        ).all()
        for delivery, endpoint in rows:
            delivery.next_attempt_at = now + hold
            uow.session.add(delivery)
            jobs.append(
                Job(
                    delivery.id,
                    delivery.attempts + 1,
                    endpoint.url,
                    delivery.body.encode(),
                    tuple(json.loads(endpoint.secrets)),
                    tuple(json.loads(endpoint.signing_keys)),
                )
            )
        uow.commit()
    return jobs


async def post(client: httpx.AsyncClient, job: Job) -> Outcome:
    """One signed POST to the registered endpoint URL."""
    headers = webhooks.signed_headers(
        job.delivery_id, job.body, secrets=job.secrets, signing_keys=job.signing_keys
    )
    headers["content-type"] = "application/json"
    started = time.perf_counter()
    try:
        response = await client.post(job.url, content=job.body, headers=headers)
    except httpx.HTTPError as exc:
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, f"{type(exc).__name__}: {exc}"[:1000])
    latency = int((time.perf_counter() - started) * 1000)
    return Outcome(
        response.status_code,
        latency,
        None if response.is_success else f"HTTP {response.status_code}",
        retry_after_seconds(response.headers.get("retry-after"), now_utc()),
    )


def _disable(uow: UnitOfWork, endpoint: LiaisonEndpoint, reason: str, source_event_id: str) -> None:
    """Disable an endpoint and tell the admins in-app."""
    log.warning("webhooks.endpoint_disabled", endpoint=endpoint.id, reason=reason)
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.updated_at = now_utc()
    uow.session.add(endpoint)
    uow.audit("endpoint.disabled", "liaison_endpoint", endpoint.id, after={"reason": reason})
    uow.emit(
        EndpointDisabled(endpoint_id=endpoint.id, region=endpoint.region, reason=reason),
        aggregate=f"endpoint:{endpoint.id}",
    )
    notify(
        uow,
        source_event_id=source_event_id,
        topic="notifications.endpoint.disabled",
        params={"endpoint_id": endpoint.id, "region": endpoint.region, "reason": reason},
        audience={"audience_role": "admin", "region": None, "council_id": None},
    )


def _dead(uow: UnitOfWork, delivery: Delivery, reason: str) -> None:
    delivery.status = "dead"
    delivery.finished_at = now_utc()
    uow.emit(
        DeliveryDeadLettered(
            delivery_id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            escalation_id=delivery.escalation_id,
            region=delivery.region,
            attempts=delivery.attempts,
            reason=reason,
        ),
        aggregate=f"delivery:{delivery.id}",
    )


def record(ctx: ServiceContext, job: Job, outcome: Outcome) -> str:
    """Record an attempt and decide what follows; returns the delivery's new status."""
    settings = ctx.settings
    now = now_utc()
    with UnitOfWork(
        ctx.engine, ctx.tables, source=ctx.source, actor=SYSTEM, on_commit=ctx.relay.wake
    ) as uow:
        session = uow.session
        delivery = session.get(Delivery, job.delivery_id)
        endpoint = session.get(LiaisonEndpoint, delivery.endpoint_id) if delivery else None
        if delivery is None or endpoint is None or delivery.status != "pending":
            return "gone"
        before = {"status": delivery.status, "attempts": delivery.attempts}
        delivery.attempts += 1
        delivery.schedule_step += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        code = outcome.status_code
        result = "succeeded" if code is not None and 200 <= code < 300 else "failed"
        if code == 410:
            result = "gone"
        ATTEMPTS.labels(result).inc()
        LATENCY.observe(outcome.latency_ms / 1000)
        session.add(
            DeliveryAttempt(
                delivery_id=delivery.id,
                attempt=delivery.attempts,
                at=now,
                outcome=result,
                status_code=code,
                latency_ms=outcome.latency_ms,
                error=outcome.error,
            )
        )
        common = {
            "delivery_id": delivery.id,
            "endpoint_id": delivery.endpoint_id,
            "escalation_id": delivery.escalation_id,
            "region": delivery.region,
        }
        if result == "succeeded":
            delivery.status = "succeeded"
            delivery.finished_at = now
            endpoint.failing_since = None
            uow.emit(
                DeliverySucceeded(**common, attempt=delivery.attempts, status_code=code or 0),
                aggregate=f"delivery:{delivery.id}",
            )
        elif result == "gone":
            _dead(uow, delivery, "the endpoint answered 410 Gone")
            if endpoint.enabled:
                _disable(uow, endpoint, "the endpoint answered 410 Gone", delivery.id)
        else:
            if endpoint.failing_since is None:
                endpoint.failing_since = now
            next_at: datetime | None = None
            if delivery.schedule_step < len(SCHEDULE_SECONDS):
                delay = SCHEDULE_SECONDS[delivery.schedule_step] * settings.webhook_retry_scale
                if code in SLOW_DOWN and outcome.retry_after is not None:
                    delay = max(
                        delay, min(outcome.retry_after, settings.webhook_max_retry_after_seconds)
                    )
                next_at = now + timedelta(seconds=delay)
                delivery.next_attempt_at = next_at
            uow.emit(
                DeliveryFailed(
                    **common,
                    attempt=delivery.attempts,
                    status_code=code,
                    error=outcome.error,
                    next_attempt_at=next_at,
                ),
                aggregate=f"delivery:{delivery.id}",
            )
            if next_at is None:
                _dead(uow, delivery, "the retry schedule is exhausted")
            failing_for = now - (aware(endpoint.failing_since) or now)
            too_long = timedelta(hours=settings.webhook_disable_after_hours)
            if endpoint.enabled and failing_for >= too_long:
                _disable(
                    uow,
                    endpoint,
                    f"failing since {aware(endpoint.failing_since):%Y-%m-%d %H:%M} UTC",
                    delivery.id,
                )
        session.add(delivery)
        session.add(endpoint)
        uow.audit(
            "delivery.attempted",
            "delivery",
            delivery.id,
            before=before,
            after={"status": delivery.status, "attempts": delivery.attempts, "code": code},
        )
        uow.commit()
        return delivery.status


async def deliver_due(ctx: ServiceContext, client: httpx.AsyncClient) -> int:
    """Send every due delivery once; returns how many were attempted."""
    jobs = await asyncio.to_thread(claim_due, ctx)

    async def one(job: Job) -> None:
        outcome = await post(client, job)
        await asyncio.to_thread(record, ctx, job, outcome)

    await asyncio.gather(*(one(job) for job in jobs))
    return len(jobs)


async def webhook_worker(ctx: ServiceContext) -> None:
    """Deliver webhooks forever; one replica at a time holds the lease."""
    timeout = httpx.Timeout(ctx.settings.webhook_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        await run_leased(ctx, LEASE, lambda: deliver_due(ctx, client))
