"""NATS restarted mid-run: every escalation still reaches the liaison, none twice."""

from __future__ import annotations

import asyncio

import pytest

from kelisim import webhooks
from tests.notifications.conftest import admin, eventually
from tests.support.services import running


async def test_nats_restarted_mid_run_loses_no_escalation(
    settings, producer, receivers, nats_server
):
    if nats_server is None:
        pytest.skip("NATS_URL names an external server this test cannot restart")
    receiver = receivers()
    secret = webhooks.generate_secret()

    def unique_ids() -> set[str]:
        return {
            webhooks.verify(c.headers, c.body, secrets=[secret], now=c.at)
            for c in receiver.snapshot()
        }

    async with running("notifications", settings) as client:
        created = await client.post(
            "/api/v1/notifications/endpoints",
            json={"region": "KZ-75", "url": receiver.url, "secrets": [secret]},
            headers=admin(settings),
        )
        assert created.status_code == 201
        before = [producer.escalate("KZ-75") for _ in range(5)]
        await eventually(lambda: len(unique_ids()) == 5, what="the first five delivered")

        racing = [producer.escalate("KZ-75") for _ in range(5)]  # maybe in flight
        await asyncio.to_thread(nats_server.stop)
        during = [producer.escalate("KZ-75") for _ in range(5)]  # into the outbox only
        await asyncio.to_thread(nats_server.start)
        after = [producer.escalate("KZ-75") for _ in range(5)]

        await eventually(lambda: len(unique_ids()) == 20, timeout=90, what="all twenty delivered")
        feed = await client.get(
            "/api/v1/notifications/feed", params={"limit": 100}, headers=admin(settings)
        )

        async def all_recorded():  # type: ignore[no-untyped-def]
            page = await client.get(
                "/api/v1/notifications/deliveries",
                params={"status": "succeeded", "limit": 100},
                headers=admin(settings),
            )
            return page if len(page.json()["items"]) >= 20 else None

        succeeded = await eventually(all_recorded, what="every delivery recorded")

    expected = [e.escalation_id for e in before + racing + during + after]
    assert sorted(i["escalation_id"] for i in feed.json()["items"]) == sorted(expected)
    assert sorted(d["escalation_id"] for d in succeeded.json()["items"]) == sorted(expected)
    # One delivery per escalation: the consumer applied each event once.
    assert len(succeeded.json()["items"]) == 20


async def test_a_service_stopped_mid_delivery_sends_it_again_after_restart(
    settings, producer, receivers
):
    receiver = receivers(lambda n: "timeout" if n == 0 else "ok")  # first call hangs
    secret = webhooks.generate_secret()
    async with running("notifications", settings) as client:
        created = await client.post(
            "/api/v1/notifications/endpoints",
            json={"region": "KZ-75", "url": receiver.url, "secrets": [secret]},
            headers=admin(settings),
        )
        assert created.status_code == 201
        escalation = producer.escalate("KZ-75")
        await eventually(receiver.snapshot, what="the first call under way")
    # The service stopped while the call was in flight: nothing was recorded for it.
    async with running("notifications", settings) as client:

        async def delivered():  # type: ignore[no-untyped-def]
            page = await client.get(
                "/api/v1/notifications/deliveries",
                params={"status": "succeeded"},
                headers=admin(settings),
            )
            return page.json()["items"]

        [done] = await eventually(delivered, timeout=30, what="the delivery after restart")
    calls = receiver.snapshot()
    assert len(calls) >= 2
    assert {c.headers["webhook-id"] for c in calls} == {done["id"]}
    assert done["escalation_id"] == escalation.escalation_id
