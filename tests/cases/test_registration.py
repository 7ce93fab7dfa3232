"""Registration: region checked, readable numbers per region and year, eligibility refusals."""

from __future__ import annotations

import asyncio

from tests.cases.support import (
    BASE,
    REGION,
    assert_problem,
    audit_count,
    coordinator,
    mediator,
    ok,
    organisation,
    person,
    post,
    register,
    subjects,
)
from tests.support.services import bearer, running


async def test_mediator_registers_cases_with_numbers_per_region_and_year(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings, regions=["KZ-75", "KZ-71"])
        first = await register(cases, med)
        second = await register(cases, med)
        astana = await register(cases, med, region="KZ-71")
        year = first["registered_at"][:4]
        assert first["number"] == f"KZ-75-{year}-000001"
        assert second["number"] == f"KZ-75-{year}-000002"
        assert astana["number"] == f"KZ-71-{year}-000001"
        assert first["status"] == "registered"
        assert [p["name"] for p in first["parties"]] == [p["name"] for p in first["_sent_parties"]]
        assert subjects(settings, first["id"]) == ["cases.case.registered"]


async def test_concurrent_registrations_never_share_a_number(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings)
        created = await asyncio.gather(*(register(cases, med) for _ in range(12)))
        numbers = sorted(c["number"] for c in created)
        assert len(set(numbers)) == 12
        assert numbers[-1].endswith("-000012")


async def test_unknown_region_and_out_of_scope_region_are_refused(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings, regions=["KZ-75", "KZ-99"])
        body = {"region": "KZ-99", "category": "land", "parties": []}
        unknown = assert_problem(
            await cases.post(BASE, json=body, headers=med), 422, "validation-error"
        )
        assert [e["type"] for e in unknown["errors"]] == ["unknown_region"]
        body["region"] = "KZ-71"
        assert_problem(await cases.post(BASE, json=body, headers=med), 403, "out-of-scope")
        body["category"] = "gossip"
        assert_problem(await cases.post(BASE, json=body, headers=med), 422, "validation-error")


async def test_analyst_and_liaison_cannot_touch_cases(settings):
    async with running("cases", settings) as cases:
        case = await register(cases, mediator(settings))
        for role in ("analyst", "liaison"):
            headers = bearer(settings, "cases", sub=role, roles=[role], regions=[REGION])
            assert_problem(
                await cases.get(f"{BASE}/{case['id']}", headers=headers), 403, "forbidden"
            )
            assert_problem(await cases.get(BASE, headers=headers), 403, "forbidden")
            body = {"region": REGION, "category": "land"}
            assert_problem(await cases.post(BASE, json=body, headers=headers), 403, "forbidden")


async def test_ineligible_cases_are_refused_for_each_reason_and_cannot_move_on(settings):
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        state_body = await register(cases, med, parties=[person(), organisation(state_body=True)])
        corruption = await register(cases, med, corruption_offence=True)
        incapable = await register(cases, med, parties=[person(found_incapable=True), person()])
        expected = {
            state_body["id"]: ["state_body"],
            corruption["id"]: ["corruption"],
            incapable["id"]: ["incapacity"],
        }
        for case_id, reasons in expected.items():
            case = ok(await cases.get(f"{BASE}/{case_id}", headers=coord))
            assert case["status"] == "refused"
            assert case["refusal_reasons"] == reasons
            assert subjects(settings, case_id) == ["cases.case.registered", "cases.case.refused"]
            before = audit_count(settings)
            answer = await cases.post(
                f"{BASE}/{case_id}/assignment", json={"mediator": "med-aigerim"}, headers=coord
            )
            assert_problem(answer, 409, "invalid-transition")
            assert audit_count(settings) == before
            assert ok(await cases.get(f"{BASE}/{case_id}", headers=coord))["status"] == "refused"


async def test_coordinator_refuses_a_case_found_ineligible_later_with_the_reason(settings):
    async with running("cases", settings) as cases:
        coord = coordinator(settings)
        case = await register(cases, mediator(settings))
        refused = await post(
            cases,
            case["id"],
            "refusal",
            coord,
            {"reason": "corruption", "note": "The police report names a bribe"},
        )
        assert refused["status"] == "refused"
        assert refused["refusal_reasons"] == ["corruption"]
        late = await cases.post(f"{BASE}/{case['id']}/parties", json=person(), headers=coord)
        assert_problem(late, 409, "invalid-transition")


async def test_adding_a_state_body_as_party_refuses_the_case(settings):
    async with running("cases", settings) as cases:
        coord = coordinator(settings)
        case = await register(cases, mediator(settings), parties=[person()])
        refused = await post(cases, case["id"], "parties", coord, organisation(state_body=True))
        assert refused["status"] == "refused"
        assert refused["refusal_reasons"] == ["state_body"]
        assert refused["party_count"] == 2


async def test_a_retried_registration_with_the_same_idempotency_key_registers_once(settings):
    async with running("cases", settings) as cases:
        med = {**mediator(settings), "Idempotency-Key": "form-7f3a"}
        body = {"region": REGION, "category": "labour", "parties": [person(), person()]}
        first = await cases.post(BASE, json=body, headers=med)
        again = await cases.post(BASE, json=body, headers=med)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()  # the first answer, as every service replays it
        assert again.headers["etag"] == first.headers["etag"]
        reused = await cases.post(BASE, json={**body, "category": "land"}, headers=med)
        assert_problem(reused, 422, "idempotency-key-reused")
        other = await cases.post(BASE, json=body, headers=mediator(settings))
        assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
        assert subjects(settings, first.json()["id"]) == ["cases.case.registered"]
        listed = ok(await cases.get(BASE, headers=coordinator(settings)))
        assert len(listed["items"]) == 2
