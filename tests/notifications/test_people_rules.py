"""The admin decides who hears of what: rules edited safely, and unreadable events set aside."""

from __future__ import annotations

import nats

from tests.notifications.conftest import admin, eventually
from tests.notifications.people_support import _count, overdue
from tests.support.checks import assert_problem, items_of
from tests.support.services import bearer, running


async def test_an_admin_changes_the_rules_and_the_next_event_follows_them(settings, producer):
    async with running("notifications", settings) as client:
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        subjects = {r["subject"] for r in rules}
        assert {
            "cases.case.deadline_approaching",
            "cases.case.overdue",
            "cases.case.escalated",
            "councils.session.convened",
            "councils.protocol.published",
            "councils.recommendation.overdue",
        } <= subjects
        coordinator_rule = next(
            r for r in rules if r["subject"] == "cases.case.overdue" and r["role"] == "coordinator"
        )
        off = await client.patch(
            f"/api/v1/notifications/rules/{coordinator_rule['id']}",
            json={"enabled": False},
            headers=admin(settings),
        )
        assert off.status_code == 200 and off.json()["enabled"] is False
        added = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.overdue", "role": "analyst", "scope": "all"},
            headers=admin(settings),
        )
        assert added.status_code == 201, added.text

        bad = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.nonsense", "role": "analyst"},
            headers=admin(settings),
        )
        assert bad.status_code == 422
        assert bad.json()["type"] == "urn:kelisim:problem:unknown-subject"
        no_mediator = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.registered", "audience": "mediator"},
            headers=admin(settings),
        )
        assert no_mediator.json()["type"] == "urn:kelisim:problem:invalid-audience"
        coordinator = bearer(
            settings, "notifications", sub="c", roles=["coordinator"], regions=["KZ-75"]
        )
        refused = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.overdue", "role": "coordinator"},
            headers=coordinator,
        )
        assert refused.status_code == 403

        producer.emit(overdue("aigerim"))
        analyst = bearer(settings, "notifications", sub="an", roles=["analyst"])
        await eventually(lambda: _count(client, analyst, 1), what="the analyst's notification")
        assert (await client.get("/api/v1/notifications/inbox", headers=coordinator)).json()[
            "items"
        ] == []
        deleted = await client.delete(
            f"/api/v1/notifications/rules/{added.json()['id']}", headers=admin(settings)
        )
        assert deleted.status_code == 204
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        assert added.json()["id"] not in {r["id"] for r in rules}


async def test_two_admins_editing_one_rule_the_second_is_told_it_changed(settings):
    async with running("notifications", settings) as client:
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        rule_id = rules[0]["id"]
        read = await client.get(f"/api/v1/notifications/rules/{rule_id}", headers=admin(settings))
        version = read.headers["etag"]
        first = await client.patch(
            f"/api/v1/notifications/rules/{rule_id}",
            json={"email": True},
            headers={**admin(settings), "If-Match": version},
        )
        assert first.status_code == 200 and first.headers["etag"] != version
        second = await client.patch(
            f"/api/v1/notifications/rules/{rule_id}",
            json={"enabled": False},
            headers={**admin(settings), "If-Match": version},
        )
        assert second.status_code == 412
        assert second.json()["type"] == "urn:kelisim:problem:precondition-failed"
        now = await client.get(f"/api/v1/notifications/rules/{rule_id}", headers=admin(settings))
        assert now.json()["enabled"] is True and now.json()["email"] is True


async def test_if_match_takes_a_list_of_tags_but_never_a_weak_one(settings):
    async with running("notifications", settings) as client:
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        path = f"/api/v1/notifications/rules/{rules[0]['id']}"
        version = (await client.get(path, headers=admin(settings))).headers["etag"]
        weak = await client.patch(
            path, json={"email": True}, headers={**admin(settings), "If-Match": f"W/{version}"}
        )
        problem = assert_problem(weak, 412, "precondition-failed")
        assert problem["etag"] == version
        listed = await client.patch(
            path,
            json={"email": True},
            headers={**admin(settings), "If-Match": f'"stale", {version}'},
        )
        assert listed.status_code == 200, listed.text


async def test_a_repeated_create_with_the_same_idempotency_key_creates_once(settings):
    async with running("notifications", settings) as client:
        body = {"subject": "cases.case.overdue", "role": "analyst", "scope": "all"}
        headers = {**admin(settings), "Idempotency-Key": "rule-analyst-1"}
        first = await client.post("/api/v1/notifications/rules", json=body, headers=headers)
        again = await client.post("/api/v1/notifications/rules", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        other = await client.post(
            "/api/v1/notifications/rules", json={**body, "scope": "region"}, headers=headers
        )
        assert other.status_code == 422
        assert other.json()["type"] == "urn:kelisim:problem:idempotency-key-reused"
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        added = [r for r in rules if r["role"] == "analyst" and r["subject"] == body["subject"]]
        assert len(added) == 1


async def test_an_unreadable_event_is_set_aside_for_the_admin(settings):
    async with running("notifications", settings) as client:
        nc = await nats.connect(settings.nats_url)
        try:
            # Two poison messages, told apart by their message ids (the dead letter's key).
            for n, data in enumerate([b"{not json", b"[also not an envelope"]):
                headers = {"Nats-Msg-Id": f"poison-{n}"}
                await nc.jetstream().publish("cases.case.overdue", data, headers=headers)
        finally:
            await nc.close()

        async def listed():  # type: ignore[no-untyped-def]
            response = await client.get(
                "/api/v1/notifications/dead-letters", headers=admin(settings)
            )
            found = items_of(response)
            return found if len(found) == 2 else None

        both = await eventually(listed, what="the poison messages in the dead letters")
        assert {d["subject"] for d in both} == {"cases.case.overdue"}
        assert all("unreadable" in d["error"] for d in both)
        # Newest first, a page at a time.
        first = await client.get(
            "/api/v1/notifications/dead-letters", params={"limit": 1}, headers=admin(settings)
        )
        assert first.json()["items"] == both[:1] and first.json()["next_cursor"]
        rest = await client.get(
            "/api/v1/notifications/dead-letters",
            params={"limit": 1, "cursor": first.json()["next_cursor"]},
            headers=admin(settings),
        )
        assert items_of(rest) == both[1:]
        coordinator = bearer(settings, "notifications", sub="c", roles=["coordinator"])
        refused = await client.get("/api/v1/notifications/dead-letters", headers=coordinator)
        assert refused.status_code == 403
