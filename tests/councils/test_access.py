"""Least privilege: outsiders neither vote nor read a council's unpublished work."""

from __future__ import annotations

import hashlib

from tests.councils.support import MEMBERS, admin, make_council
from tests.support.checks import items_of
from tests.support.services import bearer, running

PRESENT = [u for u in MEMBERS if u != "m7"]
PDF = b"%PDF-1.7\n% materials of item 1\n" + bytes(range(256))


async def test_items_carry_materials_kept_with_their_sha256(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, (item_id,) = await council.plan_session()
        uploaded = await client.post(
            f"/api/v1/councils/items/{item_id}/materials?filename=report.pdf",
            content=PDF,
            headers={**council.secretary, "Content-Type": "application/pdf"},
        )
        assert uploaded.status_code == 201, uploaded.text
        document = uploaded.json()
        assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert document["size"] == len(PDF)

        read = await council.get(f"/materials/{document['id']}", who="m5")
        assert read.status_code == 200
        assert read.content == PDF
        assert read.headers["x-content-sha256"] == document["sha256"]
        session = await council.ok("GET", f"/sessions/{session_id}", who="m5")
        assert [m["filename"] for m in session["items"][0]["materials"]] == ["report.pdf"]

        by_member = await client.post(
            f"/api/v1/councils/items/{item_id}/materials?filename=x.pdf",
            content=PDF,
            headers=council.as_("m5"),
        )
        assert by_member.status_code == 403


async def test_a_member_of_another_council_can_neither_vote_nor_read_its_materials(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        other = await make_council(
            client, settings, name="Council of Karaganda", region="KZ-35", prefix="k-"
        )
        session_id, (item_id,) = await council.sitting(present=PRESENT)
        uploaded = await client.post(
            f"/api/v1/councils/items/{item_id}/materials?filename=draft.pdf",
            content=PDF,
            headers={**council.secretary, "Content-Type": "application/pdf"},
        )
        document_id = uploaded.json()["id"]
        await council.ok("POST", f"/items/{item_id}/vote/open")

        outsider = other.as_("k-m1")
        # Even a token that names the council does not make a non-member one.
        forged_scope = other.as_("k-m1", councils=[other.id, council.id])
        for headers in (outsider, forged_scope):
            vote = await client.post(
                f"/api/v1/councils/items/{item_id}/votes", json={"choice": "for"}, headers=headers
            )
            assert vote.status_code == 403
            assert vote.json()["type"] == "urn:kelisim:problem:not-a-member"
            for path in (
                f"/materials/{document_id}",
                f"/sessions/{session_id}",
                f"/items/{item_id}",
                f"/items/{item_id}/votes",
                f"/{council.id}/sessions",
                f"/sessions/{session_id}/results.csv",
            ):
                response = await client.get(f"/api/v1/councils{path}", headers=headers)
                assert response.status_code == 403, (path, response.status_code)
            recusal = await client.post(
                f"/api/v1/councils/items/{item_id}/recusal", json={}, headers=headers
            )
            assert recusal.status_code == 403

        # A member whose council scope is missing from the token is refused as well.
        unscoped = bearer(settings, "councils", sub="m1", roles=["council_member"])
        vote = await client.post(
            f"/api/v1/councils/items/{item_id}/votes", json={"choice": "for"}, headers=unscoped
        )
        assert vote.status_code == 403
        assert await council.items(f"/items/{item_id}/votes") == []


async def test_a_member_whose_term_ended_no_longer_acts(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=MEMBERS[:8])
        appointed = await client.post(
            f"/api/v1/councils/{council.id}/members",
            json={
                "username": "former",
                "full_name": "Former Member",
                "role": "member",
                "term_start": "2020-01-01",
                "term_end": "2023-12-31",
            },
            headers=admin(settings),
        )
        assert appointed.status_code == 201
        session_id, _ = await council.plan_session()
        read = await council.get(f"/sessions/{session_id}", who="former")
        assert read.status_code == 403
        members = await council.items(f"/{council.id}/members", who="m1")
        assert len(members) == 9


async def test_only_admins_and_the_regions_secretaries_create_councils(settings):
    async with running("councils", settings) as client:
        body = {"name": "Council", "level": "district", "region": "KZ-75"}
        member = bearer(settings, "councils", sub="m", roles=["council_member"], regions=["KZ-75"])
        assert (await client.post("/api/v1/councils", json=body, headers=member)).status_code == 403
        elsewhere = bearer(
            settings, "councils", sub="s", roles=["council_secretary"], regions=["KZ-79"]
        )
        refused = await client.post("/api/v1/councils", json=body, headers=elsewhere)
        assert refused.status_code == 403
        invalid = await client.post(
            "/api/v1/councils", json={"name": "X", "level": "city"}, headers=admin(settings)
        )
        assert invalid.status_code == 422
        assert invalid.json()["type"] == "urn:kelisim:problem:validation-error"
        listed = await client.get("/api/v1/councils", headers=admin(settings))
        assert items_of(listed) == []


async def test_a_council_has_one_chair_and_one_secretary_at_a_time(settings):
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=["chair"])
        second = await client.post(
            f"/api/v1/councils/{council.id}/members",
            json={
                "username": "chair2",
                "full_name": "Second Chair",
                "role": "chair",
                "term_start": "2025-01-01",
            },
            headers=admin(settings),
        )
        assert second.status_code == 409
        assert second.json()["type"] == "urn:kelisim:problem:role-taken"
