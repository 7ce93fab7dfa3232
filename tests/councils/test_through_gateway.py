"""The councils' story end to end through the gateway, as its users log in and act."""

from __future__ import annotations

from datetime import date, timedelta

from services.councils import workers
from tests.councils.support import MEMBERS, drained, make_council, stream_events
from tests.support.gateway import gateway_stack

PRESENT = [u for u in MEMBERS if u != "m7"]
VOTERS = [u for u in PRESENT if u != "m6"]


async def test_a_council_of_nine_decides_publishes_and_controls_through_the_gateway(settings):
    async with gateway_stack(settings) as stack:
        council = await make_council(
            stack.client, stack.settings, admin_headers=stack.admin, decision_rule="simple"
        )
        for username in MEMBERS:
            role = "council_secretary" if username == "secretary" else "council_member"
            council.logins[username] = await stack.login_as(
                username, roles=[role], regions=["KZ-75"], councils=[council.id], lang="ru"
            )
        outsider = await stack.login_as(
            "outsider", roles=["council_member"], regions=["KZ-75"], councils=[]
        )

        session_id, (item_id,) = await council.sitting(present=PRESENT)
        assert (await council.ok("GET", f"/sessions/{session_id}"))["quorum"]["reached"]
        await council.ok("POST", f"/items/{item_id}/recusal", who="m6", json={"reason": "kin"})
        await council.ok("POST", f"/items/{item_id}/vote/open")

        intrusion = await stack.client.post(
            f"/api/v1/councils/items/{item_id}/votes", json={"choice": "for"}, headers=outsider
        )
        assert intrusion.status_code == 403
        peek = await stack.client.get(f"/api/v1/councils/sessions/{session_id}", headers=outsider)
        assert peek.status_code == 403

        # 4 for, 2 against, 1 abstains among 7 entitled: a simple majority of those present.
        choices = ["for"] * 4 + ["against"] * 2 + ["abstain"]
        await council.vote(item_id, dict(zip(VOTERS, choices, strict=True)))
        recused_vote = await council.post(
            f"/items/{item_id}/votes", who="m6", json={"choice": "for"}
        )
        assert recused_vote.status_code == 403
        item = await council.ok("POST", f"/items/{item_id}/vote/close")
        assert item["adopted"] is True and item["entitled"] == sorted(VOTERS)
        await council.ok("POST", f"/sessions/{session_id}/close")

        # Recommended before the minutes, which print it.
        due = date.today() + timedelta(days=14)
        rec = await council.ok(
            "POST",
            f"/items/{item_id}/recommendations",
            json={
                "addressee": "Akimat of Almaty",
                "text": "Hold a youth forum of the ethnocultural associations.",
                "responsible": "Department of internal policy",
                "due_date": due.isoformat(),
            },
        )

        protocol = await council.ok("POST", f"/sessions/{session_id}/protocol")
        pid = protocol["id"]
        await council.ok("POST", f"/protocols/{pid}/circulate")
        await council.ok("POST", f"/protocols/{pid}/approve")
        await council.ok("POST", f"/protocols/{pid}/sign", who="chair")
        await council.ok("POST", f"/protocols/{pid}/sign")
        published = await council.ok("POST", f"/protocols/{pid}/publish")
        assert published["lang"] == "ru" and published["text"].startswith("ПРОТОКОЛ")
        edit = await stack.client.patch(
            f"/api/v1/councils/protocols/{pid}",
            json={"notes": {"ru": "правка"}},
            headers=council.as_("secretary"),
        )
        assert edit.status_code == 409
        assert edit.json()["type"] == "urn:kelisim:problem:protocol-immutable"

        ctx = stack.services["councils"].app.state.ctx
        assert workers.scan(ctx, due + timedelta(days=1)) == 1
        assert workers.scan(ctx, due + timedelta(days=2)) == 0
        listed = await council.ok("GET", f"/{council.id}/recommendations?only=overdue", who="m2")
        assert [r["id"] for r in listed["items"]] == []  # overdue as of the real today: not yet

        await drained(stack.services["councils"])
        overdue = await stream_events(stack.settings.nats_url, "councils.recommendation.overdue")
        assert [e["data"]["recommendation_id"] for e in overdue] == [rec["id"]]
