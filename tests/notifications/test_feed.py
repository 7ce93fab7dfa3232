"""The pull feed: a liaison pages through their region's escalations and accepts them."""

from __future__ import annotations

import asyncio

from kelisim.pagination import encode
from services.notifications.workers import raise_unacknowledged
from tests.notifications.conftest import admin, eventually
from tests.support.checks import assert_problem
from tests.support.events import read_stream
from tests.support.services import bearer, running


def liaison(settings, region="KZ-75", sub="police-75"):  # type: ignore[no-untyped-def]
    return bearer(settings, "notifications", sub=sub, roles=["liaison"], regions=[region])


async def feed_count(client, headers) -> int:  # type: ignore[no-untyped-def]
    response = await client.get(
        "/api/v1/notifications/feed", params={"limit": 200}, headers=headers
    )
    return len(response.json()["items"])


async def test_a_liaison_pages_through_their_regions_escalations_and_accepts_one(
    settings, producer
):
    async with running("notifications", settings) as client:
        mine = [producer.escalate("KZ-75") for _ in range(5)]
        producer.escalate("KZ-71")
        producer.escalate("KZ-71")
        police = liaison(settings)
        await eventually(lambda: _has(client, police, 5), what="five escalations in the feed")
        await eventually(
            lambda: _has(client, admin(settings), 7), what="all seven escalations received"
        )

        pages, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = await client.get("/api/v1/notifications/feed", params=params, headers=police)
            assert page.status_code == 200, page.text
            body = page.json()
            pages.append([item["escalation_id"] for item in body["items"]])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        assert [len(p) for p in pages] == [2, 2, 1]
        assert [e for p in pages for e in p] == [e.escalation_id for e in mine]
        # Polling from the last cursor finds nothing new, and keeps the cursor.
        again = await client.get(
            "/api/v1/notifications/feed", params={"cursor": cursor}, headers=police
        )
        assert again.json() == {"items": [], "next_cursor": cursor, "has_more": False}

        accepted = await client.post(
            f"/api/v1/notifications/feed/{mine[0].escalation_id}/ack", headers=police
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["acknowledged_by"] == "police-75"
        first_at = accepted.json()["acknowledged_at"]
        twice = await client.post(
            f"/api/v1/notifications/feed/{mine[0].escalation_id}/ack", headers=police
        )
        assert twice.json()["acknowledged_at"] == first_at

        # The coordinator of the region sees who accepted it, and when.
        coordinator = bearer(
            settings, "notifications", sub="coord", roles=["coordinator"], regions=["KZ-75"]
        )
        seen = await client.get("/api/v1/notifications/feed", headers=coordinator)
        states = {i["escalation_id"]: i["acknowledged_by"] for i in seen.json()["items"]}
        assert states[mine[0].escalation_id] == "police-75"
        assert states[mine[1].escalation_id] is None
        assert {i["region"] for i in seen.json()["items"]} == {"KZ-75"}

        events = await read_stream(settings.nats_url, "NOTIFICATIONS", 1, timeout=10)
        acks = [e for e in events if e.type.endswith("escalation.acknowledged.v1")]
        assert [e.data["escalation_id"] for e in acks] == [mine[0].escalation_id]
        assert acks[0].data["acknowledged_by"] == "police-75"


async def _has(client, headers, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await feed_count(client, headers) >= n


async def test_a_liaison_sees_nothing_but_their_regions_feed(settings, producer):
    async with running("notifications", settings) as client:
        theirs = producer.escalate("KZ-71")
        producer.escalate("KZ-75")
        await eventually(lambda: _has(client, admin(settings), 2), what="escalations received")
        police = liaison(settings)
        items = (await client.get("/api/v1/notifications/feed", headers=police)).json()["items"]
        assert [i["region"] for i in items] == ["KZ-75"]
        other_region = await client.get(
            "/api/v1/notifications/feed", params={"region": "KZ-71"}, headers=police
        )
        assert other_region.status_code == 403
        refused = await client.post(
            f"/api/v1/notifications/feed/{theirs.escalation_id}/ack", headers=police
        )
        assert refused.status_code == 404
        assert refused.headers["content-type"] == "application/problem+json"
        for path in (
            "/api/v1/notifications/inbox",
            "/api/v1/notifications",
            "/api/v1/notifications/rules",
            "/api/v1/notifications/endpoints",
            "/api/v1/notifications/deliveries",
        ):
            response = await client.get(path, headers=police)
            assert response.status_code == 403, path
            assert response.json()["type"] == "urn:kelisim:problem:forbidden"
        # A coordinator reads the feed but cannot accept on behalf of the police.
        coordinator = bearer(
            settings, "notifications", sub="coord", roles=["coordinator"], regions=["KZ-71"]
        )
        not_theirs = await client.post(
            f"/api/v1/notifications/feed/{theirs.escalation_id}/ack", headers=coordinator
        )
        assert not_theirs.status_code == 403


async def test_an_escalation_not_accepted_in_time_alerts_the_coordinators_once(settings, producer):
    fast_alerts = settings.model_copy(update={"escalation_ack_alert_hours": 0.0015})  # 5.4 s
    async with running("notifications", fast_alerts) as client:
        accepted = producer.escalate("KZ-75")
        ignored = producer.escalate("KZ-75")
        police = liaison(fast_alerts)
        await eventually(lambda: _has(client, police, 2), what="two escalations in the feed")
        ack = await client.post(
            f"/api/v1/notifications/feed/{accepted.escalation_id}/ack", headers=police
        )
        assert ack.status_code == 200
        coordinator = bearer(
            fast_alerts,
            "notifications",
            sub="coord",
            roles=["coordinator"],
            regions=["KZ-75"],
            lang="ru",
        )

        async def alerts():  # type: ignore[no-untyped-def]
            inbox = await client.get("/api/v1/notifications/inbox", headers=coordinator)
            return [
                i
                for i in inbox.json()["items"]
                if i["topic"] == "notifications.escalation.unacknowledged"
            ]

        found = await eventually(alerts, what="an alert to the coordinator")
        assert len(found) == 1
        assert found[0]["title"] == "Информирование не принято: город Алматы"
        # Raised once: another round finds nothing left to alert.
        ctx = client.app.state.ctx  # type: ignore[attr-defined]
        assert await asyncio.to_thread(raise_unacknowledged, ctx) == 0
        assert len(await alerts()) == 1
        other = bearer(
            fast_alerts, "notifications", sub="c2", roles=["coordinator"], regions=["KZ-71"]
        )
        inbox = await client.get("/api/v1/notifications/inbox", headers=other)
        assert not [
            i
            for i in inbox.json()["items"]
            if i["topic"] == "notifications.escalation.unacknowledged"
        ]
    assert ignored.escalation_id != accepted.escalation_id


async def test_the_same_escalation_sent_twice_is_fed_delivered_and_announced_once(
    settings, producer, receivers
):
    receiver = receivers()
    async with running("notifications", settings) as client:
        created = await client.post(
            "/api/v1/notifications/endpoints",
            json={"region": "KZ-75", "url": receiver.url, "generate_secret": True},
            headers=admin(settings),
        )
        assert created.json()["generated_secret"].startswith("whsec_")
        first = producer.escalate("KZ-75")
        producer.emit(first, aggregate="again")  # a new envelope around the same escalation
        marker = producer.escalate("KZ-75")  # applied after both copies (same stream order)
        await eventually(lambda: _has(client, admin(settings), 2), what="both escalations")
        await eventually(lambda: len(receiver.snapshot()) >= 2, what="both delivered")
        feed = await client.get("/api/v1/notifications/feed", headers=admin(settings))
        coordinator = bearer(
            settings, "notifications", sub="c", roles=["coordinator"], regions=["KZ-75"]
        )
        inbox = await client.get("/api/v1/notifications/inbox", headers=coordinator)
    assert [i["escalation_id"] for i in feed.json()["items"]] == [
        first.escalation_id,
        marker.escalation_id,
    ]
    assert len(receiver.snapshot()) == 2
    assert len(inbox.json()["items"]) == 2


async def test_a_feed_cursor_this_service_never_gave_out_is_a_bad_request(settings):
    async with running("notifications", settings) as client:
        police = liaison(settings)
        for cursor in ("99999999999999999999", "abc", encode(10**20), encode(-1), encode("5")):
            answer = await client.get(
                "/api/v1/notifications/feed", params={"cursor": cursor}, headers=police
            )
            assert_problem(answer, 400, "bad-cursor")
        start = await client.get(
            "/api/v1/notifications/feed", params={"cursor": encode(0)}, headers=police
        )
        assert start.json() == {"items": [], "next_cursor": encode(0), "has_more": False}
