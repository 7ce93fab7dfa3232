"""A failing liaison endpoint: dead letters and replay, 410 Gone, Retry-After, days of failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import MetaData, create_engine

from kelisim import webhooks
from kelisim.tables import backbone_tables
from tests.notifications.conftest import admin, eventually
from tests.support.checks import assert_problem, items_of
from tests.support.events import read_stream
from tests.support.services import running


async def register(client, settings, url: str, region: str = "KZ-75") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    secret = webhooks.generate_secret()
    created = await client.post(
        "/api/v1/notifications/endpoints",
        json={"region": region, "url": url, "secrets": [secret]},
        headers=admin(settings),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], secret


async def deliveries(client, settings, status: str, n: int):  # type: ignore[no-untyped-def]
    page = await client.get(
        "/api/v1/notifications/deliveries", params={"status": status}, headers=admin(settings)
    )
    items = page.json()["items"]
    return items if len(items) >= n else None


async def detail(client, settings, delivery_id: str):  # type: ignore[no-untyped-def]
    response = await client.get(
        f"/api/v1/notifications/deliveries/{delivery_id}", headers=admin(settings)
    )
    return response.json()


async def admin_alerts(client, settings):  # type: ignore[no-untyped-def]
    inbox = await client.get("/api/v1/notifications/inbox", headers=admin(settings))
    return [i for i in inbox.json()["items"] if i["topic"] == "notifications.endpoint.disabled"]


async def test_a_delivery_that_exhausts_the_schedule_is_dead_lettered_and_replayed_by_an_admin(
    settings, producer, receivers
):
    quick = settings.model_copy(update={"webhook_retry_scale": 0.00001})  # the day in ~3 s
    mode = {"answer": "500"}
    receiver = receivers(lambda n: mode["answer"])
    async with running("notifications", quick) as client:
        await register(client, quick, receiver.url)
        first, second = producer.escalate("KZ-75"), producer.escalate("KZ-75")
        dead = await eventually(
            lambda: deliveries(client, quick, "dead", 2), timeout=60, what="two dead letters"
        )
        assert {d["escalation_id"] for d in dead} == {first.escalation_id, second.escalation_id}
        assert all(d["attempts"] == 10 and d["last_status_code"] == 500 for d in dead)
        history = (await detail(client, quick, dead[0]["id"]))["history"]
        times = [datetime.fromisoformat(a["at"]) for a in history]
        gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
        assert gaps[-1] > gaps[0]  # the schedule grows: 5 s ... 24 h, scaled
        # Every attempt the history says was answered reached the receiver, and nothing else
        # did: 20 on a quiet machine. An attempt may also fail before an answer (a timeout or
        # a refused connection on a loaded machine): it counts, with its error, and no call.
        attempts = history + (await detail(client, quick, dead[1]["id"]))["history"]
        answered = [a for a in attempts if a["status_code"] is not None]
        assert len(attempts) == 20 and all(
            a["status_code"] == 500 or a["error"] for a in attempts
        ), attempts
        assert len(receiver.snapshot()) == len(answered), attempts

        mode["answer"] = "ok"
        one = dead[0]["id"]
        replayed = await client.post(
            f"/api/v1/notifications/deliveries/{one}/replay", headers=admin(quick)
        )
        assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
        await eventually(lambda: deliveries(client, quick, "succeeded", 1), what="one replayed")
        bulk = await client.post(
            "/api/v1/notifications/deliveries/replay", json={}, headers=admin(quick)
        )
        assert bulk.json() == {"replayed": 1}
        await eventually(lambda: deliveries(client, quick, "succeeded", 2), what="both replayed")
        again = await client.post(
            f"/api/v1/notifications/deliveries/{one}/replay", headers=admin(quick)
        )
        assert again.status_code == 200
        await eventually(lambda: deliveries(client, quick, "succeeded", 2), what="replayed again")

        events = await read_stream(quick.nats_url, "NOTIFICATIONS", 2, timeout=10)
        dead_events = [e for e in events if e.type.endswith("delivery.dead_lettered.v1")]
        assert {e.data["delivery_id"] for e in dead_events} == {d["id"] for d in dead}

    # A replay keeps the webhook-id: the receiver's dedup sees each escalation once.
    ok_calls = [c for c in receiver.snapshot() if c.answer == "ok"]
    ids = {c.headers["webhook-id"] for c in receiver.snapshot()}
    assert ids == {d["id"] for d in dead}
    assert len(ok_calls) >= 3  # replayed one was sent twice, under the same id
    assert len({c.headers["webhook-id"] for c in ok_calls}) == 2


async def test_an_endpoint_answering_410_is_disabled_and_the_admin_is_told(
    settings, producer, receivers
):
    mode = {"answer": "410"}
    receiver = receivers(lambda n: mode["answer"])
    async with running("notifications", settings) as client:
        endpoint_id, _ = await register(client, settings, receiver.url)
        producer.escalate("KZ-75")
        alerts = await eventually(lambda: admin_alerts(client, settings), what="the admin told")
        assert alerts[0]["region"] is None
        assert "410" in alerts[0]["body"]
        endpoints = await client.get("/api/v1/notifications/endpoints", headers=admin(settings))
        [endpoint] = items_of(endpoints)
        assert endpoint["enabled"] is False and "410" in endpoint["disabled_reason"]
        dead = await eventually(lambda: deliveries(client, settings, "dead", 1), what="dead")
        assert dead[0]["attempts"] == 1

        # While disabled, escalations wait; re-enabled, they are delivered.
        waiting = producer.escalate("KZ-75")
        pending = await eventually(
            lambda: deliveries(client, settings, "pending", 1), what="a waiting delivery"
        )
        assert pending[0]["escalation_id"] == waiting.escalation_id
        assert len(receiver.snapshot()) == 1
        mode["answer"] = "ok"
        enabled = await client.patch(
            f"/api/v1/notifications/endpoints/{endpoint_id}",
            json={"enabled": True},
            headers=admin(settings),
        )
        assert enabled.status_code == 200 and enabled.json()["enabled"] is True
        done = await eventually(
            lambda: deliveries(client, settings, "succeeded", 1), what="the waiting one sent"
        )
        assert done[0]["escalation_id"] == waiting.escalation_id


async def test_retry_after_slows_the_next_attempt_down(settings, producer, receivers):
    receiver = receivers(lambda n: "429" if n == 0 else "ok")
    async with running("notifications", settings) as client:
        await register(client, settings, receiver.url)
        producer.escalate("KZ-75")
        [done] = await eventually(
            lambda: deliveries(client, settings, "succeeded", 1), what="delivered after 429"
        )
        history = (await detail(client, settings, done["id"]))["history"]
    assert [a["status_code"] for a in history] == [429, 200]
    first, second = (datetime.fromisoformat(a["at"]) for a in history)
    # The schedule alone would retry after 5 s x 0.0005; Retry-After asked for 1 s.
    assert (second - first).total_seconds() >= 0.9


async def test_an_endpoint_failing_for_days_is_disabled_and_its_deliveries_wait(
    settings, producer, receivers
):
    days = settings.model_copy(update={"webhook_disable_after_hours": 0.0002})  # 0.72 s
    receiver = receivers(lambda n: "503")
    async with running("notifications", days) as client:
        endpoint_id, _ = await register(client, days, receiver.url)
        producer.escalate("KZ-75")
        alerts = await eventually(lambda: admin_alerts(client, days), what="the admin told")
        assert "failing since" in alerts[0]["body"]
        [endpoint] = items_of(
            await client.get("/api/v1/notifications/endpoints", headers=admin(days))
        )
        assert endpoint["id"] == endpoint_id and endpoint["enabled"] is False
        pending = await deliveries(client, days, "pending", 1)
        assert pending and pending[0]["attempts"] >= 2
        events = await read_stream(days.nats_url, "NOTIFICATIONS", 1, timeout=10)
        assert [e.data["endpoint_id"] for e in events if "endpoint.disabled" in e.type] == [
            endpoint_id
        ]


async def test_after_a_key_rotation_deliveries_are_signed_with_the_new_secret_only(
    settings, producer, receivers
):
    receiver = receivers()
    async with running("notifications", settings) as client:
        endpoint_id, old = await register(client, settings, receiver.url)
        producer.escalate("KZ-75")
        await eventually(lambda: deliveries(client, settings, "succeeded", 1), what="first")
        read = await client.get(
            f"/api/v1/notifications/endpoints/{endpoint_id}", headers=admin(settings)
        )
        new = webhooks.generate_secret()
        key = webhooks.generate_signing_key()
        both = await client.patch(
            f"/api/v1/notifications/endpoints/{endpoint_id}",
            json={"secrets": [old, new], "signing_keys": [key]},
            headers={**admin(settings), "If-Match": read.headers["etag"]},
        )
        assert both.status_code == 200, both.text
        assert both.json()["public_keys"] == [webhooks.public_key_of(key)]
        stale = await client.patch(
            f"/api/v1/notifications/endpoints/{endpoint_id}",
            json={"secrets": []},
            headers={**admin(settings), "If-Match": read.headers["etag"]},
        )
        assert stale.status_code == 412
        producer.escalate("KZ-75")
        await eventually(lambda: deliveries(client, settings, "succeeded", 2), what="second")
        only_new = await client.patch(
            f"/api/v1/notifications/endpoints/{endpoint_id}",
            json={"secrets": [new], "signing_keys": []},
            headers=admin(settings),
        )
        assert only_new.status_code == 200
        nothing = await client.patch(
            f"/api/v1/notifications/endpoints/{endpoint_id}",
            json={"secrets": []},
            headers=admin(settings),
        )
        assert nothing.json()["type"] == "urn:kelisim:problem:no-signing-material"
        producer.escalate("KZ-75")
        await eventually(lambda: deliveries(client, settings, "succeeded", 3), what="third")

    first, during, after = receiver.snapshot()
    assert [len(c.headers["webhook-signature"].split(" ")) for c in (first, during, after)] == [
        1,
        3,
        1,
    ]
    assert webhooks.verify(during.headers, during.body, secrets=[old], now=during.at)
    assert webhooks.verify(during.headers, during.body, secrets=[new], now=during.at)
    assert webhooks.verify(after.headers, after.body, secrets=[new], now=after.at)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(after.headers, after.body, secrets=[old], now=after.at)


async def test_an_admin_sends_a_pending_delivery_now_once_the_receiver_is_fixed(
    settings, producer, receivers
):
    # Two failed attempts, then the schedule's next one is 5 minutes away, scaled to 30 s.
    slow = settings.model_copy(update={"webhook_retry_scale": 0.1})
    mode = {"answer": "500"}
    receiver = receivers(lambda n: mode["answer"])
    async with running("notifications", slow) as client:
        endpoint_id, _ = await register(client, slow, receiver.url)

        async def waiting(escalation_id: str):  # type: ignore[no-untyped-def]
            found = await deliveries(client, slow, "pending", 1) or []
            mine = [d for d in found if d["escalation_id"] == escalation_id]
            return mine[0] if mine and mine[0]["attempts"] == 2 else None

        first = producer.escalate("KZ-75")
        pending = await eventually(
            lambda: waiting(first.escalation_id), what="a delivery waiting for its next retry"
        )
        one = pending["id"]
        later = datetime.now(UTC) + timedelta(seconds=15)
        assert datetime.fromisoformat(pending["next_attempt_at"]) > later

        mode["answer"] = "ok"  # the police fixed their receiver
        now = await client.post(
            f"/api/v1/notifications/deliveries/{one}/replay", headers=admin(slow)
        )
        assert now.status_code == 200, now.text
        assert now.json()["status"] == "pending"
        await eventually(
            lambda: deliveries(client, slow, "succeeded", 1), timeout=10, what="sent now"
        )
        assert _audited(slow, one, "delivery.retried_now") == 1
        # Under the same webhook-id, well before the scheduled retry.
        calls = receiver.snapshot()
        assert [c.answer for c in calls] == ["500", "500", "ok"]
        assert {c.headers["webhook-id"] for c in calls} == {one}

        # A disabled endpoint sends nothing: sending now is refused and changes nothing.
        mode["answer"] = "500"
        second = producer.escalate("KZ-75")
        waits = await eventually(lambda: waiting(second.escalation_id), what="another waiting")
        path = f"/api/v1/notifications/endpoints/{endpoint_id}"
        off = await client.patch(path, json={"enabled": False}, headers=admin(slow))
        assert off.status_code == 200, off.text
        refused = await client.post(
            f"/api/v1/notifications/deliveries/{waits['id']}/replay", headers=admin(slow)
        )
        assert_problem(refused, 409, "endpoint-disabled")
        after = await detail(client, slow, waits["id"])
        assert (after["status"], after["next_attempt_at"]) == ("pending", waits["next_attempt_at"])
        assert _audited(slow, waits["id"], "delivery.retried_now") == 0


def _audited(settings, entity_id: str, action: str) -> int:  # type: ignore[no-untyped-def]
    engine = create_engine(settings.database_url("notifications"))
    try:
        audit = backbone_tables(MetaData()).audit_log
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(audit.c.seq)
                .where(audit.c.entity_id == entity_id)
                .where(audit.c.action == action)
            ).all()
            return len(rows)
    finally:
        engine.dispose()
