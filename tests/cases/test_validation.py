"""Issue 17.7: impossible records are refused through the gateway and change nothing.

A session dated in the future cannot have been held; an obligation cannot be due before
the settlement was signed; assignment refuses a mediator who does not exist or is inactive.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.cases.support import BASE, TODAY, assert_problem, ok, person
from tests.support.checks import items_of
from tests.support.gateway import gateway_stack


async def _in_mediation(stack, coord, med) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    gw = stack.client
    body = {"region": "KZ-75", "category": "land", "parties": [person(), person()]}
    case = ok(await gw.post(BASE, headers=coord, json=body), 201)
    base = f"{BASE}/{case['id']}"
    ok(await gw.post(f"{base}/assignment", headers=coord, json={"mediator": "med-aigerim"}))
    full = ok(await gw.post(f"{base}/declaration", headers=med, json={"conflict": False}))
    for party in full["parties"]:
        ok(
            await gw.post(
                f"{base}/consents",
                headers=med,
                json={"party_id": party["id"], "given_on": str(TODAY)},
            )
        )
    return base, ok(await gw.post(f"{base}/agreement", headers=med, json={"signed_on": str(TODAY)}))


async def _unchanged(gw, base, headers, before):  # type: ignore[no-untyped-def]
    """The record and its audit trail are as they were."""
    assert ok(await gw.get(base, headers=headers))["version"] == before["version"]
    timeline = items_of(await gw.get(f"{base}/timeline", headers=headers))
    assert len(timeline) == before["steps"]


async def _state(gw, base, headers) -> dict:  # type: ignore[no-untyped-def]
    case = ok(await gw.get(base, headers=headers))
    return {
        "version": case["version"],
        "steps": len(items_of(await gw.get(f"{base}/timeline", headers=headers))),
    }


async def test_impossible_sessions_obligations_and_mediators_are_refused(settings):
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord = await stack.login_as("coord-almaty", roles=["coordinator"], regions=["KZ-75"])
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"])
        base, case = await _in_mediation(stack, coord, med)

        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        session = ok(
            await gw.post(
                f"{base}/sessions", headers=med, json={"scheduled_at": tomorrow, "place": "Room 2"}
            ),
            201,
        )
        before = await _state(gw, base, coord)
        held = {"status": "held", "notes": "Both came"}
        assert_problem(
            await gw.patch(f"{base}/sessions/{session['id']}", headers=med, json=held),
            422,
            "session-in-future",
        )
        await _unchanged(gw, base, coord, before)
        [shown] = items_of(await gw.get(f"{base}/sessions", headers=med))
        assert shown["status"] == "scheduled" and shown["notes"] is None
        # Held an hour ago (the date corrected when marking it) is accepted.
        earlier = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        done = ok(
            await gw.patch(
                f"{base}/sessions/{session['id']}",
                headers=med,
                json={**held, "scheduled_at": earlier},
            )
        )
        assert done["status"] == "held"

        signatures = [{"party_id": p["id"], "signed_on": str(TODAY)} for p in case["parties"]]
        settlement = {
            "terms": "Move the fence",
            "signed_on": str(TODAY),
            "signatures": signatures,
            "document_text": "signed",
            "obligations": [
                {"description": "Move it", "due_on": str(TODAY + timedelta(days=10))},
                {"description": "Pay", "due_on": str(TODAY - timedelta(days=1))},
            ],
        }
        before = await _state(gw, base, coord)
        refused = await gw.post(f"{base}/settlement", headers=med, json=settlement)
        assert_problem(refused, 422, "due-before-signing")
        assert refused.json()["due_on"] == [str(TODAY - timedelta(days=1))]
        await _unchanged(gw, base, coord, before)
        assert ok(await gw.get(base, headers=coord))["status"] == "in_mediation"
        settlement["obligations"][1]["due_on"] = str(TODAY)  # due the day it is signed: fine
        assert ok(await gw.post(f"{base}/settlement", headers=med, json=settlement))["status"] == (
            "settled"
        )

        body = {"region": "KZ-75", "category": "land", "parties": [person()]}
        waiting = ok(await gw.post(BASE, headers=coord, json=body), 201)
        wbase = f"{BASE}/{waiting['id']}"
        before = await _state(gw, wbase, coord)
        for nobody in ("med-nobody", "coord-almaty"):  # unknown; known but not a mediator
            assert_problem(
                await gw.post(f"{wbase}/assignment", headers=coord, json={"mediator": nobody}),
                422,
                "unknown-mediator",
            )
        account = await stack.create_user("med-gone", roles=["mediator"], regions=["KZ-75"])
        gone = await gw.post(f"/api/v1/users/{account['id']}/deactivate", headers=stack.admin)
        assert gone.status_code == 200, gone.text
        await stack.known_to_cases("med-gone", active=False)
        assert_problem(
            await gw.post(f"{wbase}/assignment", headers=coord, json={"mediator": "med-gone"}),
            422,
            "unknown-mediator",
        )
        await _unchanged(gw, wbase, coord, before)


async def test_a_reason_must_say_something_besides_spaces(settings):
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord = await stack.login_as("coord-almaty", roles=["coordinator"], regions=["KZ-75"])
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"])
        base, _ = await _in_mediation(stack, coord, med)
        before = await _state(gw, base, coord)
        for padded in ("a  ", "  ab ", "\t \n"):
            refused = await gw.post(f"{base}/termination", headers=coord, json={"reason": padded})
            problem = assert_problem(refused, 422, "validation-error")
            assert [e["type"] for e in problem["errors"]] == ["string_too_short"], padded
            await _unchanged(gw, base, coord, before)
        ended = ok(await gw.post(f"{base}/termination", headers=coord, json={"reason": " Ушли "}))
        assert ended["status"] == "terminated"
        timeline = items_of(await gw.get(f"{base}/timeline", headers=coord))
        assert timeline[-1]["details"]["reason"] == "Ушли"  # kept without the spaces around it


async def test_an_agreement_dated_before_the_consents_is_refused(settings):
    """Consents of the day and an agreement typed as signed a month earlier: its term would
    have ended before the mediation began, the case overdue at once (a QA report)."""
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord = await stack.login_as("coord-almaty", roles=["coordinator"], regions=["KZ-75"])
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"])
        body = {"region": "KZ-75", "category": "land", "parties": [person(), person()]}
        case = ok(await gw.post(BASE, headers=coord, json=body), 201)
        base = f"{BASE}/{case['id']}"
        ok(await gw.post(f"{base}/assignment", headers=coord, json={"mediator": "med-aigerim"}))
        full = ok(await gw.post(f"{base}/declaration", headers=med, json={"conflict": False}))
        earlier = TODAY - timedelta(days=2)
        for party, given_on in zip(full["parties"], (earlier, TODAY), strict=True):
            consent = {"party_id": party["id"], "given_on": str(given_on)}
            ok(await gw.post(f"{base}/consents", headers=med, json=consent))
        before = await _state(gw, base, coord)
        for signed_on in (TODAY - timedelta(days=36), earlier):
            refused = await gw.post(
                f"{base}/agreement", headers=med, json={"signed_on": str(signed_on)}
            )
            problem = assert_problem(refused, 422, "signed-before-consent")
            assert (problem["signed_on"], problem["given_on"]) == (str(signed_on), str(TODAY))
            await _unchanged(gw, base, coord, before)
        got = ok(await gw.get(base, headers=coord))
        assert (got["status"], got["deadline"], got["agreement_signed_on"]) == (
            "assigned",
            None,
            None,
        )
        # Signed the day the last party consented: the term starts.
        signed = ok(await gw.post(f"{base}/agreement", headers=med, json={"signed_on": str(TODAY)}))
        assert signed["status"] == "in_mediation" and signed["agreement_signed_on"] == str(TODAY)
