"""Lists, search, caseload, timeline export, concurrent edits, and the strict state machine."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from services.cases.lifecycle import MACHINE, STATES
from tests.cases.support import (
    BASE,
    assert_problem,
    audit_count,
    coordinator,
    known_mediators,
    mediator,
    ok,
    post,
    register,
    to_mediation,
    today,
)
from tests.support.checks import items_of
from tests.support.services import running


async def test_coordinator_pages_through_the_regions_cases_with_filters(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings, regions=["KZ-75", "KZ-71"])
        created = [await register(cases, med, category="land") for _ in range(5)]
        created += [
            await register(cases, med, category="family", description="Inheritance of a flat")
        ]
        await register(cases, med, region="KZ-71")
        coord = coordinator(settings)
        seen, cursor = [], None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = ok(await cases.get(BASE, headers=coord, params=params))
            assert len(page["items"]) <= 2
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [c["id"] for c in reversed(created)]
        family = ok(await cases.get(BASE, headers=coord, params={"category": "family"}))
        assert [c["id"] for c in family["items"]] == [created[-1]["id"]]
        # A list never reads the parties: it says nothing of them, rather than "0 parties".
        listed = family["items"][0]
        assert listed["parties"] is None and listed["party_count"] is None
        itself = ok(await cases.get(f"{BASE}/{listed['id']}", headers=coord))
        assert itself["party_count"] == len(itself["parties"])
        found = ok(await cases.get(BASE, headers=coord, params={"q": "inheritance"}))
        assert [c["id"] for c in found["items"]] == [created[-1]["id"]]
        assert found["items"][0]["description"] == "Inheritance of a flat"
        astana = ok(await cases.get(BASE, headers=coord, params={"region": "KZ-71"}))
        assert astana["items"] == []
        assert_problem(
            await cases.get(BASE, headers=coord, params={"cursor": "junk!"}), 400, "bad-cursor"
        )
        # A filter value no case can have is a mistake, said as one, not an empty page.
        for name, value in (("status", "bogus"), ("category", "nope"), ("region", "KZ-99")):
            refused = await cases.get(BASE, headers=coord, params={name: value})
            problem = assert_problem(refused, 422, "validation-error")
            assert [e["loc"] for e in problem["errors"]] == [["query", name]]
        every = {"status": "registered", "category": "land", "region": "KZ-75"}
        assert len(ok(await cases.get(BASE, headers=coord, params=every))["items"]) == 5


async def test_filters_by_status_mediator_and_deadline_window_and_caseload(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        coord = coordinator(settings)
        running_case = await to_mediation(cases, settings)
        old = await to_mediation(cases, settings, signed_on=today() - timedelta(days=40))
        waiting = await register(cases, mediator(settings))
        await post(cases, waiting["id"], "assignment", coord, {"mediator": "med-bolat"})
        window = {
            "deadline_from": str(today() + timedelta(days=25)),
            "deadline_to": str(today() + timedelta(days=31)),
        }
        soon = ok(await cases.get(BASE, headers=coord, params=window))
        assert [c["id"] for c in soon["items"]] == [running_case["id"]]
        bolat = ok(await cases.get(BASE, headers=coord, params={"mediator": "med-bolat"}))
        assert [c["id"] for c in bolat["items"]] == [waiting["id"]]
        in_mediation = ok(await cases.get(BASE, headers=coord, params={"status": "in_mediation"}))
        assert {c["id"] for c in in_mediation["items"]} == {running_case["id"], old["id"]}
        load = items_of(await cases.get(f"{BASE}/caseload", headers=coord))
        assert load == [
            {
                "mediator": "med-aigerim",
                "assigned": 2,
                "in_mediation": 2,
                "settled": 0,
                "overdue": 1,
            },
            {"mediator": "med-bolat", "assigned": 1, "in_mediation": 0, "settled": 0, "overdue": 0},
        ]
        assert_problem(
            await cases.get(f"{BASE}/caseload", headers=mediator(settings)), 403, "forbidden"
        )
        assert_problem(
            await cases.get(f"{BASE}/caseload", headers=coord, params={"region": "KZ-71"}),
            403,
            "out-of-scope",
        )


async def test_timeline_lists_every_step_in_order_and_exports_csv(settings):
    async with running("cases", settings) as cases:
        coord = coordinator(settings)
        case = await to_mediation(cases, settings)
        timeline = items_of(await cases.get(f"{BASE}/{case['id']}/timeline", headers=coord))
        audit = [e["action"] for e in timeline if e["kind"] == "audit"]
        assert audit == [
            "case.registered",
            "case.assign",
            "case.declare",
            "case.record_consent",
            "case.record_consent",
            "case.sign_agreement",
        ]
        events = [e["action"] for e in timeline if e["kind"] == "event"]
        assert events[-1] == "kz.kelisim.cases.case.agreement_signed.v1"
        stamps = [e["at"] for e in timeline]
        assert stamps == sorted(stamps)
        exported = await cases.get(
            f"{BASE}/{case['id']}/timeline", headers=coord, params={"format": "csv"}
        )
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [r["action"] for r in rows] == [e["action"] for e in timeline]
        assert rows[0]["actor"] == "med-aigerim"


async def test_a_stale_if_match_is_refused_and_changes_nothing(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        coord = coordinator(settings)
        case = await register(cases, mediator(settings))
        got = await cases.get(f"{BASE}/{case['id']}", headers=coord)
        tag = got.headers["etag"]
        first = await cases.post(
            f"{BASE}/{case['id']}/assignment",
            headers={**coord, "If-Match": tag},
            json={"mediator": "med-aigerim"},
        )
        assert first.status_code == 200 and first.headers["etag"] != tag
        before = audit_count(settings)
        stale = await cases.post(
            f"{BASE}/{case['id']}/reassignment",
            headers={**coord, "If-Match": tag},
            json={"mediator": "med-bolat", "reason": "Closer to the parties"},
        )
        assert_problem(stale, 412, "precondition-failed")
        weak = await cases.post(
            f"{BASE}/{case['id']}/reassignment",
            headers={**coord, "If-Match": "W/" + first.headers["etag"]},
            json={"mediator": "med-bolat", "reason": "Closer to the parties"},
        )
        assert assert_problem(weak, 412, "precondition-failed")["etag"] == first.headers["etag"]
        assert audit_count(settings) == before
        assert (
            ok(await cases.get(f"{BASE}/{case['id']}", headers=coord))["mediator"] == "med-aigerim"
        )


def test_the_state_machine_names_only_known_states_and_every_action_has_roles():
    for action, step in MACHINE.items():
        assert step.sources and step.sources <= set(STATES), action
        assert step.roles and step.roles <= {"mediator", "coordinator"}, action
        assert step.target is None or step.target in STATES, action


async def test_actions_from_the_wrong_state_are_refused_with_409_and_change_nothing(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        med, coord = mediator(settings), coordinator(settings)
        case = await to_mediation(cases, settings)
        party = case["parties"][0]["id"]
        wrong = {
            "assignment": (coord, {"mediator": "med-bolat"}),
            "consents": (med, {"party_id": party, "form": "oral", "given_on": str(today())}),
            "agreement": (med, {"signed_on": str(today())}),
            "refusal": (coord, {"reason": "corruption", "note": "too late for this"}),
            "reopening": (coord, {"reason": "nothing to reopen"}),
            "closure": (med, None),
        }
        before = audit_count(settings)
        for path, (headers, body) in wrong.items():
            answer = await cases.post(f"{BASE}/{case['id']}/{path}", headers=headers, json=body)
            found = assert_problem(answer, 409, "invalid-transition")
            assert found["status"] == 409 and found["case_status"] == "in_mediation"
        assert audit_count(settings) == before
        assert (
            ok(await cases.get(f"{BASE}/{case['id']}", headers=coord))["version"] == case["version"]
        )
        # ...and by the wrong role: 403, nothing changes.
        assert_problem(
            await cases.post(
                f"{BASE}/{case['id']}/not-settled",
                headers=coord,
                json={"reason": "coordinator cannot"},
            ),
            403,
            "forbidden",
        )
        assert audit_count(settings) == before


async def test_open_or_ended_cases_are_listed_by_one_filter_and_paged(settings):
    """`active=true` lists the cases still open in any of their states (registered, assigned,
    in mediation, settled), `active=false` the ended ones, each page by page; alone or with
    the other filters."""
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        coord = coordinator(settings)
        registered = await register(cases, mediator(settings))
        assigned = await register(cases, mediator(settings))
        await post(cases, assigned["id"], "assignment", coord, {"mediator": "med-bolat"})
        talking = await to_mediation(cases, settings)
        refused = await register(cases, mediator(settings))
        await post(
            cases, refused["id"], "refusal", coord, {"reason": "state_body", "note": "An akimat"}
        )
        withdrawn = await to_mediation(cases, settings)
        party = withdrawn["parties"][1]["id"]
        body = {"party_id": party, "reason": "Changed their mind"}
        await post(cases, withdrawn["id"], "withdrawal", mediator(settings), body)

        open_ids, ended_ids = [], []
        for active, into in (("true", open_ids), ("false", ended_ids)):
            cursor = None
            while True:
                params = {"active": active, "limit": 1, **({"cursor": cursor} if cursor else {})}
                page = ok(await cases.get(BASE, headers=coord, params=params))
                into += [c["id"] for c in page["items"]]
                if (cursor := page["next_cursor"]) is None:
                    break
        assert open_ids == [talking["id"], assigned["id"], registered["id"]]
        assert ended_ids == [withdrawn["id"], refused["id"]]
        with_mediator = {"active": "true", "mediator": "med-bolat"}
        bolat = ok(await cases.get(BASE, headers=coord, params=with_mediator))
        assert [c["id"] for c in bolat["items"]] == [assigned["id"]]
        contradicting = {"active": "false", "status": "in_mediation"}
        assert ok(await cases.get(BASE, headers=coord, params=contradicting))["items"] == []
        problem = assert_problem(
            await cases.get(BASE, headers=coord, params={"active": "maybe"}),
            422,
            "validation-error",
        )
        assert [e["loc"] for e in problem["errors"]] == [["query", "active"]]
