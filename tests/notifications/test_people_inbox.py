"""People read their in-app inbox: in their language, marked read, a page at a time, their own."""

from __future__ import annotations

from datetime import UTC, datetime

from kelisim.events.councils import SessionCancelled, SessionConvened, SessionRescheduled
from tests.notifications.conftest import admin, eventually
from tests.notifications.people_support import _count, overdue
from tests.support.checks import assert_problem
from tests.support.services import bearer, running


async def test_a_mediator_reads_their_inbox_in_their_language(settings, producer):
    async with running("notifications", settings) as client:
        producer.emit(overdue("aigerim"))
        producer.emit(overdue("someone-else"))
        mediator = bearer(
            settings, "notifications", sub="aigerim", roles=["mediator"], regions=["KZ-75"]
        )

        async def inbox():  # type: ignore[no-untyped-def]
            return (await client.get("/api/v1/notifications/inbox", headers=mediator)).json()

        first = await eventually(lambda: _nonempty(inbox), what="the mediator's notification")
        coordinator = bearer(
            settings,
            "notifications",
            sub="john",
            roles=["coordinator"],
            regions=["KZ-75"],
            lang="en",
        )
        coord_inbox = await eventually(
            lambda: _count(client, coordinator, 2), what="the coordinator's two notifications"
        )

    assert first["unread"] == 1
    assert [(i["title"], i["read"]) for i in first["items"]] == [
        ("KZ-75-2026-000042 іс мерзімі өткен", False)
    ]
    assert {i["title"] for i in coord_inbox["items"]} == {"Case KZ-75-2026-000042 is overdue"}


async def _nonempty(fetch):  # type: ignore[no-untyped-def]
    body = await fetch()
    return body if body["items"] else None


async def test_marking_read_changes_the_unread_count_and_only_for_the_reader(settings, producer):
    async with running("notifications", settings) as client:
        for _ in range(3):
            producer.emit(overdue(None))
        alice = bearer(
            settings, "notifications", sub="alice", roles=["coordinator"], regions=["KZ-75"]
        )
        bob = bearer(settings, "notifications", sub="bob", roles=["coordinator"], regions=["KZ-75"])
        box = await eventually(lambda: _count(client, alice, 3), what="three notifications")
        assert box["unread"] == 3
        one = box["items"][0]["id"]
        read = await client.post(f"/api/v1/notifications/inbox/{one}/read", headers=alice)
        assert read.status_code == 204
        after = (await client.get("/api/v1/notifications/inbox", headers=alice)).json()
        assert after["unread"] == 2
        assert [i["read"] for i in after["items"] if i["id"] == one] == [True]
        unread = await client.get(
            "/api/v1/notifications/inbox", params={"unread_only": True}, headers=alice
        )
        assert one not in [i["id"] for i in unread.json()["items"]]
        assert (await client.get("/api/v1/notifications/inbox", headers=bob)).json()["unread"] == 3
        everything = await client.post("/api/v1/notifications/inbox/read-all", headers=alice)
        assert everything.json() == {"marked": 2}
        assert (await client.get("/api/v1/notifications/inbox", headers=alice)).json()[
            "unread"
        ] == 0
        paged = await client.get("/api/v1/notifications/inbox", params={"limit": 2}, headers=bob)
        rest = await client.get(
            "/api/v1/notifications/inbox",
            params={"limit": 2, "cursor": paged.json()["next_cursor"]},
            headers=bob,
        )
        ids = [i["id"] for i in paged.json()["items"] + rest.json()["items"]]
        assert len(ids) == len(set(ids)) == 3
        outsider = bearer(
            settings, "notifications", sub="carol", roles=["coordinator"], regions=["KZ-71"]
        )
        refused = await client.post(f"/api/v1/notifications/inbox/{one}/read", headers=outsider)
        assert refused.status_code == 404


async def test_council_members_hear_of_their_councils_sessions_only(settings, producer):
    async with running("notifications", settings) as client:
        producer.emit(
            SessionConvened(
                council_id="council-a",
                session_id="s1",
                region="KZ-75",
                starts_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
                place="Достық үйі",
            )
        )
        member = bearer(
            settings,
            "notifications",
            sub="m",
            roles=["council_member"],
            councils=["council-a"],
            lang="en",
        )
        box = await eventually(lambda: _count(client, member, 1), what="the session notice")
        assert box["items"][0]["title"] == "Council session convened"
        other = bearer(
            settings, "notifications", sub="n", roles=["council_member"], councils=["council-b"]
        )
        assert (await client.get("/api/v1/notifications/inbox", headers=other)).json()[
            "items"
        ] == []


async def test_council_members_hear_that_a_session_moved_or_is_called_off(settings, producer):
    async with running("notifications", settings) as client:
        producer.emit(
            SessionRescheduled(
                council_id="council-m",
                session_id="s2",
                region="KZ-75",
                starts_at=datetime(2026, 12, 9, 10, tzinfo=UTC),
                place="Әкімдік",
                previous_starts_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
                sequence=1,
            )
        )
        producer.emit(
            SessionCancelled(
                council_id="council-m",
                session_id="s2",
                region="KZ-75",
                starts_at=datetime(2026, 12, 9, 10, tzinfo=UTC),
                sequence=2,
            )
        )
        member = bearer(
            settings, "notifications", sub="m", roles=["council_member"], councils=["council-m"]
        )
        box = await eventually(lambda: _count(client, member, 2), what="both notices")
        titles = {item["title"] for item in box["items"]}
        assert titles == {"Кеңес отырысы ауыстырылды", "Кеңес отырысы болдырылмады"}
        moved = next(i for i in box["items"] if i["title"] == "Кеңес отырысы ауыстырылды")
        assert "Әкімдік" in moved["body"]


async def test_a_cursor_this_service_never_gave_out_is_a_bad_request(settings):
    async with running("notifications", settings) as client:
        reader = bearer(settings, "notifications", sub="r", roles=["coordinator"])
        for cursor in ("99999999999999999999", "not-a-cursor", "WzEsMl0"):
            inbox = await client.get(
                "/api/v1/notifications/inbox", params={"cursor": cursor}, headers=reader
            )
            assert_problem(inbox, 400, "bad-cursor")
            deliveries = await client.get(
                "/api/v1/notifications/deliveries",
                params={"cursor": cursor},
                headers=admin(settings),
            )
            assert_problem(deliveries, 400, "bad-cursor")
