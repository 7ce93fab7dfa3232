"""An admin or the council's secretary keeps the council's card, rules and membership."""

from __future__ import annotations

from datetime import date, timedelta

from tests.councils.support import MEMBERS, admin, audit_entries, make_council
from tests.support.services import running


async def test_the_secretary_changes_the_councils_quorum_and_rule(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        by_member = await client.patch(
            f"/api/v1/councils/{council.id}", json={"quorum_percent": 67}, headers=council.as_("m1")
        )
        assert by_member.status_code == 403

        changed = await council.ok(
            "PATCH", f"/{council.id}", json={"quorum_percent": 67, "decision_rule": "two_thirds"}
        )
        assert (changed["quorum_percent"], changed["decision_rule"]) == (67, "two_thirds")
        session_id, _ = await council.sitting(present=MEMBERS[:6])
        quorum = (await council.ok("GET", f"/sessions/{session_id}"))["quorum"]
        assert (quorum["required"], quorum["reached"]) == (7, False)

        restored = await council.ok("PATCH", f"/{council.id}", json={"quorum_percent": None})
        assert restored["quorum_percent"] is None and restored["decision_rule"] == "two_thirds"
        (entry, _) = audit_entries(client, "council.updated")
        assert entry.actor == "secretary"


async def test_a_member_whose_term_is_ended_leaves_the_quorum_base(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        members = await council.items(f"/{council.id}/members")
        m7 = next(m for m in members if m["username"] == "m7")
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        ended = await client.patch(
            f"/api/v1/councils/{council.id}/members/{m7['id']}",
            json={"term_end": yesterday},
            headers=admin(settings),
        )
        assert ended.status_code == 200 and ended.json()["term_end"] == yesterday

        session_id, _ = await council.plan_session()
        assert (await council.get(f"/sessions/{session_id}", who="m7")).status_code == 403
        await council.ok("POST", f"/sessions/{session_id}/convene")
        quorum = (await council.ok("GET", f"/sessions/{session_id}"))["quorum"]
        assert (quorum["members"], quorum["required"]) == (8, 5)

        too_early = await client.patch(
            f"/api/v1/councils/{council.id}/members/{m7['id']}",
            json={"term_end": "2000-01-01"},
            headers=admin(settings),
        )
        assert too_early.status_code == 422


async def test_a_retried_creation_with_the_same_idempotency_key_creates_once(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        body = {
            "title": "Extraordinary session",
            "starts_at": "2026-12-01T10:00:00+05:00",
            "online_link": "https://meet.example.kz/accord",
        }
        headers = {**council.secretary, "Idempotency-Key": "plan-2026-12-01"}
        path = f"/api/v1/councils/{council.id}/sessions"
        first = await client.post(path, json=body, headers=headers)
        again = await client.post(path, json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert [s["id"] for s in await council.items(f"/{council.id}/sessions")] == [
            first.json()["id"]
        ]
        assert len(audit_entries(client, "session.planned")) == 1

        other = await client.post(path, json={**body, "title": "Other"}, headers=headers)
        assert other.status_code == 422
        assert other.json()["type"] == "urn:kelisim:problem:idempotency-key-reused"


async def test_a_councils_sessions_and_minutes_come_in_keyset_pages(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        planned = [(await council.plan_session())[0] for _ in range(3)]
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = await council.ok("GET", f"/{council.id}/sessions", params=params)
            assert len(page["items"]) <= 2
            seen += [s["id"] for s in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert sorted(seen) == sorted(planned) and len(seen) == 3
        refused = await council.get(f"/{council.id}/sessions", params={"cursor": "x"})
        assert refused.status_code == 400
        minutes = await council.ok("GET", f"/{council.id}/protocols", params={"limit": 1})
        assert minutes == {"items": [], "next_cursor": None}
