"""Two notifications replicas share the endpoints; one is killed, nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from kelisim import webhooks
from kelisim.settings import Settings
from services.notifications.workers import LANE_ROUND
from tests.notifications.conftest import admin, eventually
from tests.support.cli import bare_env
from tests.support.db import migrated
from tests.support.nats import free_port

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = 4
ESCALATIONS = 60
FIELDS = (
    "env",
    "data_dir",
    "nats_url",
    "notifications_database_url",
    "notifications_poll_seconds",
    "webhook_timeout_seconds",
    "webhook_retry_scale",
    "webhook_lease_seconds",
    "consumer_ack_wait_seconds",
    "relay_poll_seconds",
)


def replica(settings: Settings, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A notifications process of its own (`kelisim serve notifications`) on a free port."""
    port = free_port()
    env = bare_env()
    env.update({f"KELISIM_{f.upper()}": str(getattr(settings, f)) for f in FIELDS})
    # The receivers are on loopback, which the SSRF guard allows only when told to.
    allowed = [str(n) for n in settings.webhook_allowed_networks]
    env["KELISIM_WEBHOOK_ALLOWED_NETWORKS"] = json.dumps(allowed)
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", "kelisim.cli", "serve", "notifications", "--port", str(port)]
    out = log.open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


async def ready(url: str) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{url}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


def endpoint_holders(settings: Settings) -> dict[str, str]:
    """Which replica holds each endpoint's lease, from the lease table."""
    engine = create_engine(settings.database_url("notifications"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT name, holder FROM lease WHERE name LIKE 'notifications.webhooks:%'")
            )
            return {name: holder for name, holder in rows}
    finally:
        engine.dispose()


def deliveries_in_order(settings: Settings) -> dict[str, list[str]]:
    """Each endpoint's escalations in the order the service queued them (delivery id order)."""
    engine = create_engine(settings.database_url("notifications"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT endpoint_id, escalation_id FROM delivery ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    order: dict[str, list[str]] = {}
    for endpoint_id, escalation_id in rows:
        order.setdefault(endpoint_id, []).append(escalation_id)
    return order


async def test_two_replicas_one_killed_deliver_every_escalation_once_and_in_order(
    make_settings, clean_nats, producer, receivers, tmp_path
):
    settings = make_settings(
        notifications_poll_seconds=0.5,
        webhook_timeout_seconds=2.0,
        webhook_retry_scale=0.0005,
        webhook_lease_seconds=2.0,  # a killed replica's endpoints move on within ~2 s
        consumer_ack_wait_seconds=2.0,  # and so do the events it had taken
    )
    database = settings.database_url("notifications")
    await asyncio.to_thread(migrated, "notifications", database)
    targets: list = []
    secret = webhooks.generate_secret()
    first, first_url = replica(settings, tmp_path / "first.log")
    second, second_url = replica(settings, tmp_path / "second.log")
    try:
        for url in (first_url, second_url):
            await eventually(lambda u=url: ready(u), timeout=60, what=f"{url} ready")
        endpoint_ids: list[str] = []
        async with httpx.AsyncClient(base_url=first_url, timeout=60) as client:
            # Endpoints go to replicas by rendezvous hashing of random ids: four land on one
            # replica one time in eight, so add endpoints (at most 16 in all) until both hold
            # some. Both replicas hold endpoints before anything is sent: the work is shared.
            while len(endpoint_ids) < ENDPOINTS or (
                len(set(endpoint_holders(settings).values())) < 2 and len(endpoint_ids) < 16
            ):
                target = receivers()
                made = await client.post(
                    "/api/v1/notifications/endpoints",
                    json={"region": "KZ-75", "url": target.url, "secrets": [secret]},
                    headers=admin(settings),
                )
                assert made.status_code == 201, made.text
                targets.append(target)
                endpoint_ids.append(made.json()["id"])
                if len(endpoint_ids) >= ENDPOINTS:
                    await eventually(
                        lambda: len(endpoint_holders(settings)) == len(endpoint_ids),
                        timeout=30,
                        what="every endpoint held by a replica",
                    )
        assert len(set(endpoint_holders(settings).values())) == 2, "the work is not shared"

        expected = []
        for i in range(ESCALATIONS):
            expected.append(producer.escalate("KZ-75").escalation_id)
            if i == ESCALATIONS // 3:
                # Mid-run, once some have arrived: one replica dies without a word.
                await eventually(
                    lambda: all(len(t.snapshot()) >= 3 for t in targets),
                    timeout=60,
                    what="deliveries under way at every endpoint",
                )
                first.send_signal(signal.SIGKILL)
                first.wait(10)
                killed_at = time.time()
            await asyncio.sleep(0.02)

        await eventually(
            lambda: all(len(first_arrivals(t, secret)) >= ESCALATIONS for t in targets),
            timeout=120,
            what="every escalation at every endpoint",
        )
        await asyncio.sleep(1.0)  # a late duplicate would land by now
        # The survivor holds every endpoint now.
        assert len(set(endpoint_holders(settings).values())) == 1
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)

    queued = deliveries_in_order(settings)
    assert set(queued) == set(endpoint_ids)
    for endpoint_id, target in zip(endpoint_ids, targets, strict=True):
        arrivals = first_arrivals(target, secret)
        # Exactly once per endpoint after the receiver's dedup by webhook-id ...
        assert sorted(arrivals) == sorted(expected)
        assert len({msg_id for msg_id, _ in verified(target, secret)}) == ESCALATIONS
        # ... in the order the service queued them ...
        assert arrivals == queued[endpoint_id]
        # ... and a second call of the same webhook-id only where the first went unrecorded:
        # the killed replica's last round (sent before it died, at most one round of its
        # lane) or a failed attempt (a timeout on a busy box). The survivor takes a dead
        # replica's endpoint only once its lease (2 s, renewed every 0.5 s) has run out, so
        # its calls there arrive 1.5 s or more after the kill.
        first_at: dict[str, float] = {}
        for call in target.snapshot():
            first_at.setdefault(call.headers["webhook-id"], call.at)
        calls = [c.headers["webhook-id"] for c in target.snapshot()]
        repeated = {i for i in calls if calls.count(i) > 1}
        unrecorded = {i for i in repeated if first_at[i] < killed_at + 1.0}
        assert len(unrecorded) <= LANE_ROUND
        assert len(repeated - unrecorded) <= retried(settings, endpoint_id)


def verified(target, secret: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(webhook-id, escalation id) of each call that verifies, in arrival order."""
    seen = []
    for call in target.snapshot():
        msg_id = webhooks.verify(call.headers, call.body, secrets=[secret], now=call.at)
        seen.append((msg_id, json.loads(call.body)["data"]["escalation_id"]))
    return seen


def first_arrivals(target, secret: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Escalation ids in the order they first arrived (the receiver's dedup by webhook-id)."""
    order: list[str] = []
    seen: set[str] = set()
    for msg_id, escalation_id in verified(target, secret):
        if msg_id not in seen:
            seen.add(msg_id)
            order.append(escalation_id)
    return order


def retried(settings: Settings, endpoint_id: str) -> int:
    """Deliveries of the endpoint with a failed attempt on record (timeouts on a busy box)."""
    engine = create_engine(settings.database_url("notifications"))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT COUNT(DISTINCT d.id) FROM delivery d JOIN delivery_attempt a"
                        " ON a.delivery_id = d.id"
                        " WHERE d.endpoint_id = :e AND a.outcome <> 'succeeded'"
                    ),
                    {"e": endpoint_id},
                ).scalar_one()
            )
    finally:
        engine.dispose()
