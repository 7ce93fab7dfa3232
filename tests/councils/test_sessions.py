"""A secretary runs a council session: planned, convened, held with a quorum, closed."""

from __future__ import annotations

import json

import pytest

from tests.councils.support import (
    MEMBERS,
    PROBLEM,
    audit_entries,
    drained,
    make_council,
    stream_events,
)
from tests.support.services import running


async def test_secretary_convenes_holds_and_closes_a_session_with_quorum(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id,) = await council.plan_session()

        convened = await council.ok("POST", f"/sessions/{session_id}/convene")
        assert convened["status"] == "convened"
        present = MEMBERS[:6]
        marks = [{"username": u, "present": u in present} for u in MEMBERS]
        await council.ok("PUT", f"/sessions/{session_id}/attendance", json={"marks": marks})
        held = await council.ok("POST", f"/sessions/{session_id}/hold")
        assert held["status"] == "held"
        assert held["quorum"] == {"members": 9, "present": 6, "required": 5, "reached": True}
        assert held["absent"] == sorted(MEMBERS[6:])

        closed = await council.ok("POST", f"/sessions/{session_id}/close")
        assert closed["status"] == "closed"

        await drained(client)
        notices = await stream_events(settings.nats_url, "councils.session.convened")
        assert len(notices) == 1
        notice = notices[0]["data"]
        assert notice["session_id"] == session_id
        assert notice["place"] == "Friendship House, Almaty"
        assert notice["agenda"] == ["1-мәселе"]
        assert sorted(notice["members"]) == sorted(MEMBERS)
        assert notice["council_name"] == "Public Accord council of Almaty"
        assert notice["session_title"] == "Session on interethnic accord"
        held_events = await stream_events(settings.nats_url, "councils.session.held")
        assert [e["data"]["quorum"] for e in held_events] == [True]
        actions = [e.action for e in audit_entries(client, "session.closed")]
        assert actions == ["session.closed"]


async def test_a_session_out_of_order_is_refused_and_nothing_changes(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await council.plan_session()

        refused = await council.post(f"/sessions/{session_id}/hold")
        assert refused.status_code == 409
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["type"] == "urn:kelisim:problem:invalid-transition"
        assert refused.json()["state"] == "planned"

        by_member = await council.post(f"/sessions/{session_id}/convene", who="m1")
        assert by_member.status_code == 403

        session = await council.ok("GET", f"/sessions/{session_id}")
        assert session["status"] == "planned"
        assert audit_entries(client, "session.convened") == []


async def test_a_session_is_convened_only_with_an_agenda(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await council.plan_session(items=0)
        refused = await council.post(f"/sessions/{session_id}/convene")
        assert refused.status_code == 409
        assert refused.json()["type"] == "urn:kelisim:problem:empty-agenda"
        assert (await council.ok("GET", f"/sessions/{session_id}"))["status"] == "planned"


async def test_a_session_without_quorum_cannot_vote(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id,) = await council.sitting(present=MEMBERS[:4])

        session = await council.ok("GET", f"/sessions/{session_id}")
        assert session["quorum"]["reached"] is False

        refused = await council.post(f"/items/{item_id}/vote/open")
        assert refused.status_code == 409
        body = refused.json()
        assert body["type"] == "urn:kelisim:problem:no-quorum"
        assert body["quorum"] == {"members": 9, "present": 4, "required": 5, "reached": False}

        vote = await council.post(f"/items/{item_id}/votes", who="m1", json={"choice": "for"})
        assert vote.status_code == 409
        item = await council.ok("GET", f"/items/{item_id}")
        assert item["vote_status"] == "pending"
        assert await council.items(f"/items/{item_id}/votes") == []


@pytest.mark.parametrize(("percent", "present", "reached"), [(67, 6, False), (67, 7, True)])
async def test_a_council_sets_its_own_quorum(settings, percent, present, reached):
    async with running("councils", settings) as client:
        council = await make_council(client, settings, quorum_percent=percent)
        session_id, _ = await council.sitting(present=MEMBERS[:present])
        session = await council.ok("GET", f"/sessions/{session_id}")
        assert session["quorum"]["required"] == 7
        assert session["quorum"]["reached"] is reached


async def test_attendance_is_only_for_current_members(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await council.plan_session()
        await council.ok("POST", f"/sessions/{session_id}/convene")
        refused = await council.client.put(
            f"/api/v1/councils/sessions/{session_id}/attendance",
            json={"marks": [{"username": "stranger", "present": True}]},
            headers=council.secretary,
        )
        assert refused.status_code == 422
        assert refused.json()["usernames"] == ["stranger"]


async def test_council_events_carry_no_full_names(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id,) = await council.sitting(present=MEMBERS[:7])
        await council.ok("POST", f"/items/{item_id}/vote/open")
        await council.vote(item_id, {u: "for" for u in MEMBERS[:7]})
        await council.ok("POST", f"/items/{item_id}/vote/close")
        await council.ok("POST", f"/sessions/{session_id}/close")
        await drained(client)
        events = await stream_events(settings.nats_url, "councils.>")
        assert {e["type"] for e in events} >= {
            "kz.kelisim.councils.session.convened.v1",
            "kz.kelisim.councils.session.held.v1",
            "kz.kelisim.councils.decision.adopted.v1",
            "kz.kelisim.councils.session.closed.v1",
        }
        names = [m["full_name"] for m in await council.items(f"/{council.id}/members")]
        payloads = json.dumps([e["data"] for e in events], ensure_ascii=False)
        assert not [n for n in names if n in payloads]


async def test_a_session_opened_ahead_of_its_day_moves_to_the_day_it_sits(settings):
    """QA opened on the 7th a session planned for the 22nd: its page and the public calendar
    said it was held on the 22nd, its minutes the 7th."""
    from datetime import UTC, datetime, time, timedelta

    from kelisim.localtime import KAZAKHSTAN

    now = datetime.now(UTC)
    late_today = datetime.combine(now.astimezone(KAZAKHSTAN).date(), time(23, 59), KAZAKHSTAN)
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        ahead, _ = await council.sitting(present=MEMBERS, starts_in=timedelta(days=15))
        today, _ = await council.sitting(present=MEMBERS, starts_in=late_today - now)
        moved = await council.ok("GET", f"/sessions/{ahead}")
        sat = datetime.fromisoformat(moved["held_at"])
        assert datetime.fromisoformat(moved["starts_at"]) == sat
        assert abs(sat - datetime.now(UTC)) < timedelta(minutes=5)
        assert moved["sequence"] == 1  # calendars replace the event they hold
        [entry] = [e for e in audit_entries(client, "session.held") if e.entity_id == ahead]
        before, after = json.loads(entry.before), json.loads(entry.after)
        planned = datetime.fromisoformat(before["starts_at"])
        assert planned - sat > timedelta(days=14)
        assert datetime.fromisoformat(after["starts_at"]) == sat
        # Opened on its planned day (even ahead of the hour), it keeps its planned time.
        kept = await council.ok("GET", f"/sessions/{today}")
        assert kept["starts_at"] != kept["held_at"] and kept["sequence"] == 0
