"""Issue 17.7: impossible records are refused through the gateway and change nothing.

A session dated in the future cannot have been held; an obligation cannot be due before
the settlement was signed; the mediation agreement follows the consents, and the extension's
consents and the settlement follow the agreement; assignment refuses a mediator who does not
exist or is inactive.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.cases.support import (
    BASE,
    assert_problem,
    audit_count,
    mediator,
    ok,
    outbox,
    person,
    to_mediation,
    today,
)
from tests.support.checks import items_of
from tests.support.gateway import gateway_stack
from tests.support.services import running


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
                json={"party_id": party["id"], "given_on": str(today())},
            )
        )
    return base, ok(
        await gw.post(f"{base}/agreement", headers=med, json={"signed_on": str(today())})
    )


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

        signatures = [{"party_id": p["id"], "signed_on": str(today())} for p in case["parties"]]
        settlement = {
            "terms": "Move the fence",
            "signed_on": str(today()),
            "signatures": signatures,
            "document_text": "signed",
            "obligations": [
                {"description": "Move it", "due_on": str(today() + timedelta(days=10))},
                {"description": "Pay", "due_on": str(today() - timedelta(days=1))},
            ],
        }
        before = await _state(gw, base, coord)
        refused = await gw.post(f"{base}/settlement", headers=med, json=settlement)
        assert_problem(refused, 422, "due-before-signing")
        assert refused.json()["due_on"] == [str(today() - timedelta(days=1))]
        await _unchanged(gw, base, coord, before)
        assert ok(await gw.get(base, headers=coord))["status"] == "in_mediation"
        settlement["obligations"][1]["due_on"] = str(today())  # due the day it is signed: fine
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
        earlier = today() - timedelta(days=2)
        for party, given_on in zip(full["parties"], (earlier, today()), strict=True):
            consent = {"party_id": party["id"], "given_on": str(given_on)}
            ok(await gw.post(f"{base}/consents", headers=med, json=consent))
        before = await _state(gw, base, coord)
        for signed_on in (today() - timedelta(days=36), earlier):
            refused = await gw.post(
                f"{base}/agreement", headers=med, json={"signed_on": str(signed_on)}
            )
            problem = assert_problem(refused, 422, "signed-before-consent")
            assert (problem["signed_on"], problem["given_on"]) == (str(signed_on), str(today()))
            await _unchanged(gw, base, coord, before)
        got = ok(await gw.get(base, headers=coord))
        assert (got["status"], got["deadline"], got["agreement_signed_on"]) == (
            "assigned",
            None,
            None,
        )
        # Signed the day the last party consented: the term starts.
        signed = ok(
            await gw.post(f"{base}/agreement", headers=med, json={"signed_on": str(today())})
        )
        assert signed["status"] == "in_mediation" and signed["agreement_signed_on"] == str(today())


async def _nothing_recorded(cases, settings, base, headers, before):  # type: ignore[no-untyped-def]
    """No version, step, audit entry or event was added since `before`."""
    await _unchanged(cases, base, headers, before)
    assert len(outbox(settings, base.rsplit("/", 1)[1])) == before["events"]
    assert audit_count(settings) == before["audited"]


async def _recorded(cases, settings, base, headers) -> dict:  # type: ignore[no-untyped-def]
    return {
        **await _state(cases, base, headers),
        "events": len(outbox(settings, base.rsplit("/", 1)[1])),
        "audited": audit_count(settings),
    }


async def test_a_consent_to_extend_dated_before_the_agreement_is_refused(settings):
    """The parties cannot agree to extend a term that did not exist yet; the agreement itself
    may be dated before the case was registered (entered after the parties signed)."""
    async with running("cases", settings) as cases:
        med = mediator(settings)
        agreed = today() - timedelta(days=10)  # the case is registered today
        case = await to_mediation(cases, settings, signed_on=agreed)
        base = f"{BASE}/{case['id']}"
        first, second = (p["id"] for p in case["parties"])
        before = await _recorded(cases, settings, base, med)
        for early in (today() - timedelta(days=40), agreed - timedelta(days=1)):
            extension = {
                "reason": "The parties need time to survey the plot",
                "consents": [
                    {"party_id": first, "given_on": str(today())},
                    {"party_id": second, "given_on": str(early)},
                ],
            }
            refused = await cases.post(f"{base}/extension", headers=med, json=extension)
            problem = assert_problem(refused, 422, "extension-consent-before-agreement")
            assert (problem["given_on"], problem["signed_on"]) == (str(early), str(agreed))
            assert problem["parties"] == [second]
            assert str(early) in problem["detail"] and str(agreed) in problem["detail"]
            await _nothing_recorded(cases, settings, base, med, before)
        got = ok(await cases.get(base, headers=med))
        assert (got["extended"], got["deadline"]) == (False, case["deadline"])
        # Consents given the day the agreement was signed (before the registration): extended.
        extension["consents"][1]["given_on"] = str(agreed)
        extension["consents"][0]["given_on"] = str(agreed)
        extended = ok(await cases.post(f"{base}/extension", headers=med, json=extension))
        assert extended["extended"] is True and extended["deadline"] > case["deadline"]


async def test_a_settlement_signed_before_the_agreement_is_refused(settings):
    """A settlement, or one party's signature of it, dated before the mediation began."""
    async with running("cases", settings) as cases:
        med = mediator(settings)
        agreed = today() - timedelta(days=10)
        case = await to_mediation(cases, settings, signed_on=agreed)
        base = f"{BASE}/{case['id']}"
        first, second = (p["id"] for p in case["parties"])
        settlement = {
            "terms": "Move the fence",
            "signed_on": str(agreed - timedelta(days=1)),
            "signatures": [
                {"party_id": first, "signed_on": str(agreed)},
                {"party_id": second, "signed_on": str(agreed)},
            ],
            "document_text": "signed",
        }
        before = await _recorded(cases, settings, base, med)
        refused = await cases.post(f"{base}/settlement", headers=med, json=settlement)
        problem = assert_problem(refused, 422, "settled-before-agreement")
        assert (problem["signed_on"], problem["agreement_signed_on"], problem["parties"]) == (
            str(agreed - timedelta(days=1)),
            str(agreed),
            [],
        )
        assert str(agreed) in problem["detail"]
        await _nothing_recorded(cases, settings, base, med, before)
        # Dated today, but one party's signature a month before the agreement.
        settlement["signed_on"] = str(today())
        settlement["signatures"][1]["signed_on"] = str(agreed - timedelta(days=30))
        refused = await cases.post(f"{base}/settlement", headers=med, json=settlement)
        problem = assert_problem(refused, 422, "settled-before-agreement")
        assert (problem["signed_on"], problem["parties"]) == (
            str(agreed - timedelta(days=30)),
            [second],
        )
        await _nothing_recorded(cases, settings, base, med, before)
        assert ok(await cases.get(base, headers=med))["status"] == "in_mediation"
        assert_problem(await cases.get(f"{base}/settlement", headers=med), 404, "not-found")
        # Signed the day of the agreement (before the case was registered): settled.
        settlement["signed_on"] = settlement["signatures"][1]["signed_on"] = str(agreed)
        settled = ok(await cases.post(f"{base}/settlement", headers=med, json=settlement))
        assert settled["status"] == "settled"
