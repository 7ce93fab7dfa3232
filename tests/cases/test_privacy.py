"""Personal data of parties: who sees it, and that it never leaves the cases service."""

from __future__ import annotations

import base64
from datetime import timedelta

from tests.cases.support import (
    BASE,
    assert_problem,
    coordinator,
    known_mediators,
    mediator,
    ok,
    post,
    published,
    register,
    to_mediation,
    today,
)
from tests.support.checks import items_of
from tests.support.services import bearer, running


async def test_mediator_cannot_see_parties_before_declaring_no_conflict(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        med, coord = mediator(settings), coordinator(settings)
        case = await register(cases, mediator(settings, sub="med-registrar"))
        assigned = await post(cases, case["id"], "assignment", coord, {"mediator": "med-aigerim"})
        assert assigned["parties"] is not None  # the coordinator of the region sees them
        seen = ok(await cases.get(f"{BASE}/{case['id']}", headers=med))
        assert seen["personal_data"] is False
        assert seen["parties"] is None and seen["description"] is None
        assert seen["party_count"] == 2
        timeline = items_of(await cases.get(f"{BASE}/{case['id']}/timeline", headers=med))
        assert all(e["details"] is None for e in timeline)
        party_id = assigned["parties"][0]["id"]
        refused = await cases.post(
            f"{BASE}/{case['id']}/consents",
            headers=med,
            json={"party_id": party_id, "form": "oral", "given_on": str(today())},
        )
        assert_problem(refused, 403, "declaration-required")
        listed = ok(await cases.get(BASE, headers=med, params={"q": "courtyard"}))
        assert listed["items"] == []

        declared = await post(cases, case["id"], "declaration", med, {"conflict": False})
        assert declared["personal_data"] is True
        assert [p["name"] for p in declared["parties"]] == [
            p["name"] for p in case["_sent_parties"]
        ]
        listed = ok(await cases.get(BASE, headers=med, params={"q": "COURTYARD"}))
        assert [c["id"] for c in listed["items"]] == [case["id"]]


async def test_mediator_of_another_region_or_not_assigned_sees_nothing(settings):
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings)
        strangers = [
            mediator(settings, sub="med-astana", regions=["KZ-71"]),
            mediator(settings, sub="med-almaty-other"),
            coordinator(settings, sub="coord-astana", regions=["KZ-71"]),
        ]
        for headers in strangers:
            assert_problem(
                await cases.get(f"{BASE}/{case['id']}", headers=headers), 404, "not-found"
            )
            assert_problem(
                await cases.get(f"{BASE}/{case['id']}/timeline", headers=headers),
                404,
                "not-found",
            )
            assert ok(await cases.get(BASE, headers=headers))["items"] == []
        # The registering mediator sees the parties only while the case is assigned to them.
        registrar = mediator(settings, sub="med-aigerim")
        assert ok(await cases.get(f"{BASE}/{case['id']}", headers=registrar))["parties"]


async def test_declared_conflict_sends_the_case_back_and_hides_it(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        med, coord = mediator(settings), coordinator(settings)
        # Registered by the coordinator: a registering mediator would still read the metadata.
        case = await register(cases, coord)
        await post(cases, case["id"], "assignment", coord, {"mediator": "med-aigerim"})
        for silent in ({"conflict": True}, {"conflict": True, "reason": "  "}):
            refused = await cases.post(f"{BASE}/{case['id']}/declaration", headers=med, json=silent)
            assert_problem(refused, 422, "reason-required")  # the coordinator must learn why
        back = await post(
            cases, case["id"], "declaration", med, {"conflict": True, "reason": "A relative"}
        )
        assert back["status"] == "registered"
        assert back["mediator"] is None
        assert_problem(await cases.get(f"{BASE}/{case['id']}", headers=med), 404, "not-found")
        again = await post(cases, case["id"], "assignment", coord, {"mediator": "med-bolat"})
        assert again["status"] == "assigned" and again["mediator"] == "med-bolat"


async def test_reassignment_needs_a_reason_and_a_new_declaration(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        coord = coordinator(settings)
        case = await to_mediation(cases, settings)
        no_reason = await cases.post(
            f"{BASE}/{case['id']}/reassignment", headers=coord, json={"mediator": "med-bolat"}
        )
        assert_problem(no_reason, 422, "reason-required")
        moved = await post(
            cases,
            case["id"],
            "reassignment",
            coord,
            {"mediator": "med-bolat", "reason": "Aigerim is on leave"},
        )
        assert moved["status"] == "in_mediation" and moved["declared"] is False
        bolat = mediator(settings, sub="med-bolat")
        assert ok(await cases.get(f"{BASE}/{case['id']}", headers=bolat))["parties"] is None
        aigerim = mediator(settings)
        assert_problem(await cases.get(f"{BASE}/{case['id']}", headers=aigerim), 404, "not-found")
        assert_problem(
            await cases.post(
                f"{BASE}/{case['id']}/reassignment",
                headers=bolat,
                json={"mediator": "med-bolat", "reason": "I want it"},
            ),
            403,
            "forbidden",
        )


async def test_admin_reads_case_metadata_but_no_personal_data(settings):
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings)
        admin = bearer(settings, "cases", sub="admin", roles=["admin"])
        seen = ok(await cases.get(f"{BASE}/{case['id']}", headers=admin))
        assert seen["status"] == "in_mediation"
        assert seen["parties"] is None and seen["description"] is None
        listed = ok(await cases.get(BASE, headers=admin))
        assert [c["description"] for c in listed["items"]] == [None]
        assert_problem(await cases.get(BASE, headers=admin, params={"q": "wall"}), 403, "forbidden")
        assert_problem(
            await cases.post(
                f"{BASE}/{case['id']}/termination", headers=admin, json={"reason": "admin says so"}
            ),
            403,
            "forbidden",
        )


async def test_session_notes_are_confidential_to_the_mediator(settings):
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        case = await to_mediation(cases, settings)
        session = ok(
            await cases.post(
                f"{BASE}/{case['id']}/sessions",
                headers=med,
                json={
                    "scheduled_at": f"{today() - timedelta(days=1)}T15:00:00+05:00",
                    "place": "Mediation room 1",
                },
            ),
            201,
        )
        ok(
            await cases.patch(
                f"{BASE}/{case['id']}/sessions/{session['id']}",
                headers=med,
                json={"status": "held", "notes": "Confidential remark"},
            )
        )
        [for_mediator] = items_of(await cases.get(f"{BASE}/{case['id']}/sessions", headers=med))
        [for_coordinator] = items_of(
            await cases.get(f"{BASE}/{case['id']}/sessions", headers=coord)
        )
        assert for_mediator["notes"] == "Confidential remark"
        assert for_coordinator["notes"] is None
        assert for_coordinator["status"] == "held"
        again = await cases.patch(
            f"{BASE}/{case['id']}/sessions/{session['id']}",
            headers=med,
            json={"status": "postponed", "scheduled_at": f"{today()}T16:00:00+05:00"},
        )
        assert_problem(again, 409, "invalid-session-transition")


async def test_no_published_event_carries_a_partys_name_or_contact(settings):
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        settled = await to_mediation(cases, settings, category="interethnic")
        a, b = (p["id"] for p in settled["parties"])
        ok(
            await cases.post(
                f"{BASE}/{settled['id']}/sessions",
                headers=med,
                json={"scheduled_at": f"{today()}T10:00:00+05:00", "place": "Room 3"},
            ),
            201,
        )
        await post(
            cases,
            settled["id"],
            "extension",
            med,
            {
                "reason": "Waiting for the land registry",
                "consents": [
                    {"party_id": p, "form": "written", "given_on": str(today())} for p in (a, b)
                ],
            },
        )
        ok(
            await cases.post(
                f"{BASE}/{settled['id']}/escalations",
                headers=coord,
                json={
                    "reason": "Threats between the two families",
                    "risk_of": "interethnic",
                    "risk_level": "high",
                    "summary": "Tension between neighbours of different groups; threats reported",
                },
            ),
            201,
        )
        await post(
            cases,
            settled["id"],
            "settlement",
            med,
            {
                "terms": "Apology and shared repair",
                "signed_on": str(today()),
                "signatures": [{"party_id": p, "signed_on": str(today())} for p in (a, b)],
                "document_base64": base64.b64encode(b"signed document").decode(),
                "obligations": [{"description": "Apologise publicly", "due_on": str(today())}],
            },
        )
        withdrawn = await to_mediation(cases, settings)
        await post(
            cases, withdrawn["id"], "withdrawal", med, {"party_id": withdrawn["parties"][0]["id"]}
        )
        refused = await register(cases, med, corruption_offence=True)

        secrets = [
            value
            for case in (settled, withdrawn, refused)
            for party in case["_sent_parties"]
            for key in ("name", "phone", "email", "address")
            if (value := party.get(key))
        ]
        assert len(secrets) == 24
        messages = await published(settings)
        assert len(messages) >= 20
        for message in messages:
            for secret in secrets:
                assert secret.encode() not in message, (secret, message[:200])
            assert b"courtyard wall" not in message  # the description stays inside too
