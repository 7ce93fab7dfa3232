"""The notifications service's background work, each under a lease `notifications.<work>`.

- `notifications.webhooks:<endpoint>`: one lane per endpoint, its lease shared out among the
  replicas (`kelisim.workers.run_per_key`); POSTs the endpoint's due deliveries one at a time,
  oldest first, signed, and records a round's attempts in one commit. A new delivery wakes its
  lane at once.
- `notifications.mail`: fold due digests, send due e-mails over SMTP; mark each. With e-mail
  off (`Settings.smtp_server()` None) no server is tried: due e-mails are recorded as not sent.
- `notifications.receipt-alerts`: alert coordinators of escalations not accepted in time.

A delivery is recorded after its POST, so a crash before its round's commit means the next
holder of the endpoint sends it again, never a loss; a call never outlasts the lease (its
timeout is cut to what the lease still holds), so two replicas never send at once. The
receiver drops duplicates by `webhook-id`. Claiming an e-mail pushes its next attempt past the
call's timeout; its `Message-ID` is its row id, so mail systems recognise a resent one.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime
from functools import partial

import aiohttp
import aiosmtplib
import structlog
from prometheus_client import Counter, Histogram

from kelisim import netguard, tracing, webhooks
from kelisim.clock import now
from kelisim.commands import run_system
from kelisim.db import reader
from kelisim.service import ServiceContext
from kelisim.workers import finish, run_leased, run_per_key
from services.notifications.handlers.deliveries import (
    Job,
    RecordAttempt,
    RecordAttempts,
    lanes,
    next_due,
    record_attempts,
)
from services.notifications.handlers.escalations import RaiseReceiptAlerts, raise_receipt_alerts
from services.notifications.handlers.mail import (
    BatchDigests,
    ClaimMail,
    LeaveUnsent,
    Mail,
    MarkMail,
    batch_digests,
    claim_mail,
    leave_unsent,
    mark_mail,
)
from services.notifications.lifecycle import (
    SUCCEEDED,
    WEBHOOKS,
    RetryPolicy,
    outcome_of,
    retry_after_seconds,
)

log = structlog.get_logger("kelisim.notifications.workers")

ATTEMPTS = Counter(
    "kelisim_webhook_attempts_total", "Webhook attempts to liaison endpoints", ["outcome"]
)
LATENCY = Histogram(
    "kelisim_webhook_latency_seconds",
    "Latency of webhook attempts",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
MAIL_BATCH = 20
MAIL_OFF = (
    "e-mail is off: no SMTP server (KELISIM_SMTP_HOST, KELISIM_SMTP_PORT) and no development "
    "mail sink (KELISIM_MAIL_SINK_PORT) is configured"
)
# A round of an endpoint's lane sends at most this many of its due deliveries, and starts no
# call after ROUND_SECONDS, then records them in one commit. A lane that keeps up finds one
# due at a time; one that has fallen behind spreads a commit over many POSTs and catches up
# (recording an attempt alone, a unit of work with its audit entry, event and commit, cost
# 7 ms against the POST's 2). The price: a replica that dies mid-round leaves up to a round
# unrecorded, and the next holder sends it again under the same webhook-ids.
LANE_ROUND = 32
ROUND_SECONDS = 1.0
ANSWER_BYTES = 64 * 1024  # a receiver's answer is read this far, then dropped


# Webhooks


def retry_policy(ctx: ServiceContext) -> RetryPolicy:
    """The retry schedule's settings."""
    settings = ctx.settings
    return RetryPolicy(
        scale=settings.webhook_retry_scale,
        max_retry_after=settings.webhook_max_retry_after_seconds,
        disable_after=timedelta(hours=settings.webhook_disable_after_hours),
    )


async def post(
    client: aiohttp.ClientSession,
    job: Job,
    policy: RetryPolicy,
    timeout: float,
    guard: netguard.Guard,
) -> RecordAttempt:
    """One signed POST to the registered endpoint URL, and what it came back with.

    With aiohttp: a call costs a quarter of the CPU of httpx's (0.34 ms against 1.39 ms on
    this machine, the receiver's included), and the lane makes one per delivery.
    """
    try:
        # Checked again now, after DNS resolution; the call goes to the checked address.
        target = await guard.resolve(job.url)
    except netguard.Refused as exc:
        refused = f"refused by the SSRF guard: {exc}"
        return RecordAttempt(job.delivery_id, now(), None, 0, refused, None, policy)
    headers = webhooks.signed_headers(
        job.delivery_id, job.body, secrets=job.secrets, signing_keys=job.signing_keys
    )
    headers["content-type"] = "application/json"
    headers.update(target.headers)
    tracing.inject(headers)
    started = time.perf_counter()
    try:
        async with client.post(
            target.url,
            data=job.body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),  # the whole call, answer included
            allow_redirects=False,
            server_hostname=target.sni,
        ) as response:
            await _drain(response.content)
            status, retry_after = response.status, response.headers.get("retry-after")
    except (aiohttp.ClientError, TimeoutError) as exc:
        latency = int((time.perf_counter() - started) * 1000)
        error = f"{type(exc).__name__}: {exc}"[:1000]
        return RecordAttempt(job.delivery_id, now(), None, latency, error, None, policy)
    latency = int((time.perf_counter() - started) * 1000)
    at = now()
    return RecordAttempt(
        job.delivery_id,
        at,
        status,
        latency,
        None if 200 <= status < 300 else f"HTTP {status}",
        retry_after_seconds(retry_after, at),
        policy,
    )


async def _drain(answer: aiohttp.StreamReader) -> None:
    """Read the answer's body (the connection is kept for the next call), a bounded part."""
    left = ANSWER_BYTES
    while left > 0 and (chunk := await answer.read(left)):
        left -= len(chunk)


def _next_due(ctx: ServiceContext, endpoint_id: str) -> list[Job]:
    with reader(ctx.engine).connect() as conn:  # read-only: no write lock on SQLite
        return next_due(conn, endpoint_id, LANE_ROUND)


async def deliver_due(
    ctx: ServiceContext, client: aiohttp.ClientSession, endpoint_id: str, seconds: float
) -> int:
    """Send the endpoint's due deliveries in order within `seconds`; how many were attempted.

    One by one, oldest first, until one does not succeed (the endpoint is failing: the rest
    wait for the next round) or `ROUND_SECONDS` have passed, then the round's attempts are
    recorded in one unit of work. Each call's timeout is cut to what the lease still holds:
    no other replica may take this endpoint, and send a delivery again, while a call is under
    way.
    """
    started = time.monotonic()
    jobs = await ctx.read(_next_due, ctx, endpoint_id)
    if not jobs:
        return 0
    guard = netguard.Guard.from_settings(ctx.settings)
    policy = retry_policy(ctx)
    attempts: list[RecordAttempt] = []
    try:
        for job in jobs:
            spent = time.monotonic() - started
            if attempts and spent > ROUND_SECONDS:
                break
            timeout = min(ctx.settings.webhook_timeout_seconds, seconds - spent)
            with tracing.continuing(job.traceparent, "webhook deliver"):
                attempt = await post(client, job, policy, timeout, guard)
            outcome = outcome_of(attempt.status_code)
            ATTEMPTS.labels(outcome).inc()
            LATENCY.observe(attempt.latency_ms / 1000)
            attempts.append(attempt)
            if outcome != SUCCEEDED:
                break
    finally:
        # Recorded also when the lane is stopped mid-round (a shutdown, a lease handed back):
        # what was answered is not sent again by the next holder, only the call cut short.
        if attempts:
            done = RecordAttempts(tuple(attempts))
            await finish(asyncio.to_thread(run_system, ctx, record_attempts, done))
    return len(attempts)


async def webhook_worker(ctx: ServiceContext) -> None:
    """Deliver webhooks forever: one lane per endpoint held here, endpoints shared by lease."""
    settings = ctx.settings
    # No cookies kept between receivers. An idle connection is let go after 4 s: a receiver's
    # server may drop it at 5 s (uvicorn's default), and a POST sent as it does would fail.
    connector = aiohttp.TCPConnector(keepalive_timeout=4)
    jar = aiohttp.DummyCookieJar()
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as client:

        async def endpoints() -> list[str]:
            return await asyncio.to_thread(run_system, ctx, lanes, None)

        await run_per_key(
            ctx,
            WEBHOOKS,
            endpoints,
            partial(deliver_due, ctx, client),
            every=settings.notifications_poll_seconds,
            ttl=settings.webhook_lease_seconds,
        )


# E-mail


def mime(ctx: ServiceContext, mail: Mail) -> MimeMessage:
    """The message as sent: its `Message-ID` is its row id (a resend is the same message),
    its `Date` (RFC 5322 requires one) the moment it is handed to the server, in UTC."""
    message = MimeMessage()
    message["From"] = ctx.settings.smtp_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now())
    message["Message-ID"] = f"<{mail.id}@kelisim>"
    message.set_content(mail.body)
    message["Content-Language"] = mail.lang
    return message


async def send_due(ctx: ServiceContext) -> int:
    """Send every due e-mail once; how many were attempted (or, e-mail off, left unsent)."""
    settings = ctx.settings
    hold = timedelta(seconds=settings.smtp_timeout_seconds * 2 + 5)
    server = settings.smtp_server()  # in development: `kelisim up`'s mail sink
    if server is None:
        off = LeaveUnsent(MAIL_BATCH * 10, MAIL_OFF)
        return await asyncio.to_thread(run_system, ctx, leave_unsent, off)
    host, port = server
    mails = await asyncio.to_thread(run_system, ctx, claim_mail, ClaimMail(MAIL_BATCH, hold))
    for mail in mails:
        try:
            await aiosmtplib.send(
                mime(ctx, mail),
                hostname=host,
                port=port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
            error = None
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("mail.send_failed", email=mail.id, error=error)
        mark = MarkMail(
            mail.id,
            error,
            settings.notifications_email_max_attempts,
            settings.notifications_poll_seconds,
        )
        await asyncio.to_thread(run_system, ctx, mark_mail, mark)
    return len(mails)


async def mail_round(ctx: ServiceContext) -> int:
    """Fold due digests, then send due e-mails; how many were attempted."""
    due = now() - timedelta(minutes=ctx.settings.notifications_digest_minutes)
    await asyncio.to_thread(run_system, ctx, batch_digests, BatchDigests(due))
    return await send_due(ctx)


async def mail_worker(ctx: ServiceContext) -> None:
    """Batch digests and send e-mails forever; one replica at a time holds the lease."""
    every = ctx.settings.notifications_poll_seconds
    if ctx.settings.smtp_server() is None:
        log.info("mail.off", reason=MAIL_OFF)
    await run_leased(ctx, "mail", partial(mail_round, ctx), every=every)


# Receipt alerts


def raise_unacknowledged(ctx: ServiceContext) -> int:
    """Alert the region's coordinators, once, of each escalation not accepted in time."""
    hours = ctx.settings.escalation_ack_alert_hours
    return run_system(ctx, raise_receipt_alerts, RaiseReceiptAlerts(hours))


async def receipt_alert_worker(ctx: ServiceContext) -> None:
    """Look for unaccepted escalations forever; one replica at a time holds the lease."""

    async def one_round() -> int:
        await asyncio.to_thread(raise_unacknowledged, ctx)
        return 0  # at most once per poll interval

    every = ctx.settings.notifications_poll_seconds
    await run_leased(ctx, "receipt-alerts", one_round, every=every)


WORKERS = (webhook_worker, mail_worker, receipt_alert_worker)
