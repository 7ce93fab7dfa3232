"""A secretary moves or calls off a session before its sitting opens; never after."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.councils.support import (
    MEMBERS,
    PROBLEM,
    audit_entries,
    drained,
    make_council,
    stream_events,
)
from tests.support.services import running


async def test_secretary_reschedules_then_cancels_a_convened_session(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await council.plan_session()
        await council.ok("POST", f"/sessions/{session_id}/convene")
        later = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)

        moved = await council.ok(
            "POST",
            f"/sessions/{session_id}/reschedule",
            json={"starts_at": later.isoformat(), "place": "Akimat, hall 2", "reason": "Flood"},
        )
        assert moved["status"] == "convened" and moved["sequence"] == 1
        assert datetime.fromisoformat(moved["starts_at"]) == later
        assert moved["place"] == "Akimat, hall 2"
        # Without a place, the place stays.
        again = await council.ok(
            "POST",
            f"/sessions/{session_id}/reschedule",
            json={"starts_at": (later + timedelta(hours=1)).isoformat(), "reason": "Hall busy"},
        )
        assert again["place"] == "Akimat, hall 2" and again["sequence"] == 2

        cancelled = await council.ok(
            "POST", f"/sessions/{session_id}/cancel", json={"reason": "The akim called it off"}
        )
        assert cancelled["status"] == "cancelled" and cancelled["sequence"] == 3
        assert cancelled["cancelled_at"] is not None

        # A cancelled session is never held, moved again, nor gets minutes.
        for path, body in (
            ("hold", None),
            ("convene", None),
            ("protocol", None),
            ("cancel", {"reason": "again"}),
            ("reschedule", {"starts_at": later.isoformat(), "reason": "again"}),
        ):
            refused = await council.post(f"/sessions/{session_id}/{path}", json=body)
            assert refused.status_code == 409, (path, refused.text)

        await drained(client)
        moves = await stream_events(settings.nats_url, "councils.session.rescheduled")
        assert [e["data"]["sequence"] for e in moves] == [1, 2]
        assert moves[0]["data"]["place"] == "Akimat, hall 2"
        assert datetime.fromisoformat(moves[0]["data"]["starts_at"]) == later
        calls = await stream_events(settings.nats_url, "councils.session.cancelled")
        assert [(e["data"]["session_id"], e["data"]["sequence"]) for e in calls] == [
            (session_id, 3)
        ]
        # Their notices name the council and the session and say why.
        assert [e["data"]["reason"] for e in moves] == ["Flood", "Hall busy"]
        assert calls[0]["data"]["reason"] == "The akim called it off"
        for data in (moves[0]["data"], calls[0]["data"]):
            assert data["council_name"] == "Public Accord council of Almaty"
            assert data["session_title"] == "Session on interethnic accord"
        (first, _) = audit_entries(client, "session.rescheduled")
        assert json.loads(first.before)["place"] == "Friendship House, Almaty"
        assert json.loads(first.after)["reason"] == "Flood"
        (called_off,) = audit_entries(client, "session.cancelled")
        assert json.loads(called_off.before) == {"status": "convened"}
        assert json.loads(called_off.after) == {
            "status": "cancelled",
            "reason": "The akim called it off",
        }


async def test_refused_reschedules_and_cancels_change_nothing(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        planned, _ = await council.plan_session()
        held, _ = await council.sitting(present=MEMBERS[:6])
        later = (datetime.now(UTC) + timedelta(days=10)).isoformat()
        passed = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        before = {s: await council.ok("GET", f"/sessions/{s}") for s in (planned, held)}

        attempts = [
            # Not the secretary: a member, the chair.
            (planned, "cancel", {"reason": "x"}, "m1", 403, "forbidden"),
            (planned, "reschedule", {"starts_at": later, "reason": "x"}, "chair", 403, "forbidden"),
            # The sitting began.
            (held, "cancel", {"reason": "x"}, "secretary", 409, "session-already-held"),
            (
                held,
                "reschedule",
                {"starts_at": later, "reason": "x"},
                "secretary",
                409,
                "session-already-held",
            ),
            # No reason, or only blanks.
            (planned, "cancel", {}, "secretary", 422, "validation-error"),
            (planned, "cancel", {"reason": "   "}, "secretary", 422, "validation-error"),
            (planned, "reschedule", {"starts_at": later}, "secretary", 422, "validation-error"),
            # To a time gone by: members would be told it "now starts" in the past.
            (
                planned,
                "reschedule",
                {"starts_at": passed, "place": "Akimat", "reason": "x"},
                "secretary",
                422,
                "moved-into-past",
            ),
            # Neither a place nor an online link would be left.
            (
                planned,
                "reschedule",
                {"starts_at": later, "place": "", "reason": "x"},
                "secretary",
                422,
                "place_or_link",
            ),
        ]
        for session_id, path, body, who, status, kind in attempts:
            refused = await council.post(f"/sessions/{session_id}/{path}", who=who, json=body)
            assert refused.status_code == status, (path, who, refused.text)
            assert refused.headers["content-type"] == PROBLEM
            assert refused.json()["type"].endswith(f":{kind}"), refused.json()

        for session_id, seen in before.items():
            assert await council.ok("GET", f"/sessions/{session_id}") == seen
        assert audit_entries(client, "session.rescheduled") == []
        assert audit_entries(client, "session.cancelled") == []
        await drained(client)
        assert await stream_events(settings.nats_url, "councils.session.cancelled") == []
        assert await stream_events(settings.nats_url, "councils.session.rescheduled") == []


async def test_a_session_is_moved_only_ahead_though_one_may_be_planned_in_the_past(settings):
    """A past session is planned to record a sitting held on paper; moving one there is not."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        on_paper, _ = await council.plan_session(starts_in=timedelta(days=-30))
        planned, _ = await council.plan_session()
        seen = await council.ok("GET", f"/sessions/{planned}")
        for session_id in (on_paper, planned):
            refused = await council.post(
                f"/sessions/{session_id}/reschedule",
                json={"starts_at": "2020-03-01T05:00:00+00:00", "reason": "Forgot"},
            )
            assert refused.status_code == 422, refused.text
            problem = refused.json()
            assert problem["type"].endswith(":moved-into-past")
            assert [e["loc"] for e in problem["errors"]] == [["body", "starts_at"]]
        assert await council.ok("GET", f"/sessions/{planned}") == seen
        assert audit_entries(client, "session.rescheduled") == []
        await drained(client)
        assert await stream_events(settings.nats_url, "councils.session.rescheduled") == []
