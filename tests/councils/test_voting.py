"""Members vote openly by name; recusals leave the vote and the quorum; the rule decides."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from tests.councils.support import MEMBERS, audit_entries, drained, make_council, stream_events
from tests.support.services import running

# 9 members; 8 present (m7 absent); m6 recuses on the item: 7 entitled voters.
PRESENT = [u for u in MEMBERS if u != "m7"]
VOTERS = [u for u in PRESENT if u != "m6"]


def ballots(n_for: int, n_against: int, n_abstain: int) -> dict[str, str]:
    choices = ["for"] * n_for + ["against"] * n_against + ["abstain"] * n_abstain
    return dict(zip(VOTERS, choices, strict=False))


CASES = {
    # (for, against, abstain): adopted under simple / absolute / two_thirds
    "clear majority": ((5, 1, 1), {"simple": True, "absolute": True, "two_thirds": True}),
    "majority of present only": (
        (4, 2, 1),
        {"simple": True, "absolute": False, "two_thirds": False},
    ),
    "tie": ((3, 3, 1), {"simple": False, "absolute": False, "two_thirds": False}),
    "abstentions count as not for": (
        (3, 0, 4),
        {"simple": False, "absolute": False, "two_thirds": False},
    ),
    "one silent voter": ((4, 2, 0), {"simple": True, "absolute": False, "two_thirds": False}),
}


@pytest.mark.parametrize("rule", ["simple", "absolute", "two_thirds"])
@pytest.mark.parametrize("case", list(CASES))
async def test_council_of_nine_decides_under_its_rule_with_a_recusal(settings, rule, case):
    (n_for, n_against, n_abstain), expected = CASES[case]
    async with running("councils", settings) as client:
        council = await make_council(client, settings, decision_rule=rule)
        session_id, (item_id,) = await council.sitting(present=PRESENT)

        recusal = await council.post(
            f"/items/{item_id}/recusal", who="m6", json={"reason": "relative of a party"}
        )
        assert recusal.status_code == 201, recusal.text
        assert recusal.json()["recused"] == ["m6"]

        await council.ok("POST", f"/items/{item_id}/vote/open")
        await council.vote(item_id, ballots(n_for, n_against, n_abstain))
        item = await council.ok("POST", f"/items/{item_id}/vote/close")

        assert item["vote_status"] == "closed"
        assert item["entitled"] == sorted(VOTERS)
        assert item["members_count"] == 9
        assert (item["votes_for"], item["votes_against"], item["votes_abstained"]) == (
            n_for,
            n_against,
            n_abstain,
        )
        assert item["adopted"] is expected[rule]

        await drained(client)
        subject = "councils.decision.adopted" if expected[rule] else "councils.decision.rejected"
        events = await stream_events(settings.nats_url, subject)
        assert [(e["data"]["item_id"], e["data"]["rule"]) for e in events] == [(item_id, rule)]


async def test_an_item_rule_overrides_the_councils_rule(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings, decision_rule="simple")
        _, (item_id,) = await council.sitting(present=PRESENT, rule="two_thirds")
        await council.ok("POST", f"/items/{item_id}/vote/open")
        await council.vote(item_id, dict(zip(PRESENT, ["for"] * 5 + ["against"] * 3, strict=True)))
        item = await council.ok("POST", f"/items/{item_id}/vote/close")
        assert item["decision_rule"] == "two_thirds"
        assert item["adopted"] is False  # 5 of 8 is a simple majority, not two thirds


async def test_a_recused_member_cannot_vote_and_leaves_the_quorum(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        # 5 present of 9 is exactly the quorum; one recusal breaks it for the item.
        _, (item_id,) = await council.sitting(present=MEMBERS[:5])
        await council.ok("POST", f"/items/{item_id}/recusal", who="m1", json={})

        refused = await council.post(f"/items/{item_id}/vote/open")
        assert refused.status_code == 409
        assert refused.json()["type"] == "urn:kelisim:problem:no-quorum"
        assert refused.json()["quorum"]["present"] == 4

        vote = await council.post(f"/items/{item_id}/votes", who="m1", json={"choice": "for"})
        assert vote.status_code == 409  # the vote is not open
        assert (await council.ok("GET", f"/items/{item_id}"))["vote_status"] == "pending"


async def test_a_member_votes_once_and_only_while_present_and_not_recused(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        _, (item_id,) = await council.sitting(present=PRESENT)
        await council.ok("POST", f"/items/{item_id}/recusal", who="m6", json={})
        await council.ok("POST", f"/items/{item_id}/vote/open")

        first = await council.post(f"/items/{item_id}/votes", who="m1", json={"choice": "for"})
        assert first.status_code == 201
        again = await council.post(f"/items/{item_id}/votes", who="m1", json={"choice": "against"})
        assert again.status_code == 409
        assert again.json()["type"] == "urn:kelisim:problem:already-voted"

        recused = await council.post(f"/items/{item_id}/votes", who="m6", json={"choice": "for"})
        assert recused.status_code == 403
        assert recused.json()["type"] == "urn:kelisim:problem:not-entitled"
        absent = await council.post(f"/items/{item_id}/votes", who="m7", json={"choice": "for"})
        assert absent.status_code == 403

        late_recusal = await council.post(f"/items/{item_id}/recusal", who="m1", json={})
        assert late_recusal.status_code == 409

        votes = await council.items(f"/items/{item_id}/votes")
        assert [(v["username"], v["choice"]) for v in votes] == [("m1", "for")]
        assert len(audit_entries(client, "item.vote_cast")) == 1


async def test_the_secretary_alone_opens_and_closes_votes(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        _, (item_id,) = await council.sitting(present=PRESENT)
        by_chair = await council.post(f"/items/{item_id}/vote/open", who="chair")
        assert by_chair.status_code == 403
        await council.ok("POST", f"/items/{item_id}/vote/open")
        closing = await council.post(f"/items/{item_id}/vote/close", who="m2")
        assert closing.status_code == 403
        assert (await council.ok("GET", f"/items/{item_id}"))["vote_status"] == "open"


async def test_attendance_and_the_session_stay_fixed_while_a_vote_is_open(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id,) = await council.sitting(present=PRESENT)
        await council.ok("POST", f"/items/{item_id}/vote/open")
        marks = {"marks": [{"username": "m1", "present": False}]}
        moved = await council.client.put(
            f"/api/v1/councils/sessions/{session_id}/attendance",
            json=marks,
            headers=council.secretary,
        )
        assert moved.status_code == 409
        closing = await council.post(f"/sessions/{session_id}/close")
        assert closing.status_code == 409
        assert closing.json()["type"] == "urn:kelisim:problem:vote-open"
        session = await council.ok("GET", f"/sessions/{session_id}")
        assert session["status"] == "held" and "m1" in session["present"]


async def test_members_who_voted_or_recused_cannot_be_marked_absent_after_the_vote(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id, second_id) = await council.sitting(present=PRESENT, items=2)
        await council.ok("POST", f"/items/{second_id}/recusal", who="m6", json={})
        await council.ok("POST", f"/items/{item_id}/vote/open")
        await council.vote(item_id, {"chair": "for", "m1": "for", "m2": "against"})
        await council.ok("POST", f"/items/{item_id}/vote/close")
        url = f"/api/v1/councils/sessions/{session_id}/attendance"
        before = len(audit_entries(client, "session.attendance"))

        # chair and m1 voted, m6 recused, m3 was counted present at the closed vote
        for username in ("chair", "m1", "m6", "m3"):
            marks = {"marks": [{"username": username, "present": False}]}
            refused = await client.put(url, json=marks, headers=council.secretary)
            assert refused.status_code == 409, refused.text
            assert refused.json()["type"] == "urn:kelisim:problem:took-part-in-vote"
            assert refused.json()["usernames"] == [username]
        session = await council.ok("GET", f"/sessions/{session_id}")
        assert session["present"] == sorted(PRESENT)
        assert len(audit_entries(client, "session.attendance")) == before

        # a member arriving late is still marked present
        late = {"marks": [{"username": "m7", "present": True}]}
        arrived = await client.put(url, json=late, headers=council.secretary)
        assert arrived.status_code == 200, arrived.text
        assert "m7" in arrived.json()["present"]


async def test_results_export_to_csv_by_name(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id, _) = await council.sitting(present=PRESENT, items=2)
        await council.ok("POST", f"/items/{item_id}/recusal", who="m6", json={})
        await council.ok("POST", f"/items/{item_id}/vote/open")
        await council.vote(item_id, ballots(5, 1, 1))
        await council.ok("POST", f"/items/{item_id}/vote/close")

        response = await council.get(f"/sessions/{session_id}/results.csv?lang=ru", who="m3")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert {r["username"]: r["choice"] for r in rows} == ballots(5, 1, 1)
        assert {(r["title"], r["adopted"], r["for"], r["entitled"]) for r in rows} == {
            ("Вопрос 1", "yes", "5", "7")
        }


async def test_two_ballots_sent_at_once_by_one_member_count_once(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        _, (item_id,) = await council.sitting(present=PRESENT)
        await council.ok("POST", f"/items/{item_id}/vote/open")
        answers = await asyncio.gather(
            council.post(f"/items/{item_id}/votes", who="m2", json={"choice": "for"}),
            council.post(f"/items/{item_id}/votes", who="m2", json={"choice": "against"}),
        )
        assert sorted(a.status_code for a in answers) == [201, 409]
        votes = await council.items(f"/items/{item_id}/votes")
        assert [v["username"] for v in votes] == ["m2"]


async def test_a_vote_retried_with_its_idempotency_key_is_counted_once(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        _, (item_id,) = await council.sitting(present=PRESENT)
        await council.ok("POST", f"/items/{item_id}/vote/open")
        headers = {**council.as_("m1"), "Idempotency-Key": "ballot-m1"}
        url = f"/api/v1/councils/items/{item_id}/votes"
        first = await client.post(url, headers=headers, json={"choice": "for"})
        again = await client.post(url, headers=headers, json={"choice": "for"})
        assert (first.status_code, again.status_code) == (201, 201), again.text
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        changed = await client.post(url, headers=headers, json={"choice": "against"})
        assert changed.status_code == 422
        assert changed.json()["type"] == "urn:kelisim:problem:idempotency-key-reused"
        unkeyed = await council.post(f"/items/{item_id}/votes", who="m1", json={"choice": "for"})
        assert unkeyed.status_code == 409  # without a key, a second vote is refused as before
        assert len(audit_entries(client, "item.vote_cast")) == 1
