"""A breached settlement: the case reopened for mediation (or escalated), and a new settlement
that may not be dated before the last one nor before the reopening."""

from __future__ import annotations

from datetime import timedelta

from kelisim import audit
from kelisim.clock import now
from tests.cases.support import (
    BASE,
    assert_problem,
    audit_count,
    coordinator,
    mediator,
    ok,
    post,
    subjects,
    to_mediation,
    today,
)
from tests.support.checks import items_of
from tests.support.services import running


async def test_breached_settlement_can_reopen_the_mediation_or_be_escalated(settings):
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        # the agreement ten days ago, the first settlement five days ago
        case = await to_mediation(cases, settings, signed_on=today() - timedelta(days=10))
        case_id = case["id"]
        FIRST = today() - timedelta(days=5)  # noqa: N806
        a, b = (p["id"] for p in case["parties"])
        await post(
            cases,
            case_id,
            "settlement",
            med,
            {
                "terms": "Quiet hours after 22:00",
                "signed_on": str(FIRST),
                "signatures": [
                    {"party_id": a, "signed_on": str(FIRST)},
                    {"party_id": b, "signed_on": str(FIRST)},
                ],
                "document_text": "Settlement agreement, signed by both parties",
                "obligations": [{"description": "Quiet after 22:00", "due_on": str(today())}],
            },
        )
        assert_problem(
            await cases.post(
                f"{BASE}/{case_id}/reopening", headers=coord, json={"reason": "no breach yet"}
            ),
            409,
            "no-breach",
        )
        [obligation] = items_of(await cases.get(f"{BASE}/{case_id}/obligations", headers=med))
        breached = await post(
            cases,
            case_id,
            f"obligations/{obligation['id']}/breached",
            coord,
            {"note": "Loud party reported"},
        )
        assert breached["status"] == "settled"
        reopened = await post(cases, case_id, "reopening", coord, {"reason": "Breach of quiet"})
        assert reopened["status"] == "in_mediation"
        assert reopened["deadline"] == str(today() + timedelta(days=30))
        assert subjects(settings, case_id)[-3:] == [
            "cases.case.settled",
            "cases.obligation.breached",
            "cases.case.reopened",
        ]
        # The new settlement cannot be dated before the one it replaces (after the agreement,
        # so it is not that rule): neither the settlement nor a party's signature.
        before = await cases.get(f"{BASE}/{case_id}", headers=med)
        early = str(FIRST - timedelta(days=1))
        for dates in ((early, str(today())), (str(today()), early)):
            refused = await cases.post(
                f"{BASE}/{case_id}/settlement",
                headers=med,
                json={
                    "terms": "Quiet hours after 21:00",
                    "signed_on": dates[0],
                    "signatures": [
                        {"party_id": a, "signed_on": dates[1]},
                        {"party_id": b, "signed_on": str(today())},
                    ],
                    "document_text": "Second settlement",
                    "obligations": [],
                },
            )
            problem = assert_problem(refused, 422, "settled-before-last-settlement")
            assert problem["last_settled_on"] == str(FIRST) and problem["signed_on"] == early
            assert problem["parties"] == ([] if dates[1] == str(today()) else [a])
        after = await cases.get(f"{BASE}/{case_id}", headers=med)
        assert after.json() == before.json()  # nothing recorded
        again = await post(
            cases,
            case_id,
            "settlement",
            med,
            {
                "terms": "Quiet hours after 21:00, with a witness",
                "signed_on": str(today()),
                "signatures": [
                    {"party_id": a, "signed_on": str(today())},
                    {"party_id": b, "signed_on": str(today())},
                ],
                "document_text": "Second settlement agreement",
                "obligations": [{"description": "Quiet after 21:00", "due_on": str(today())}],
            },
        )
        assert again["status"] == "settled"
        current = ok(await cases.get(f"{BASE}/{case_id}/settlement", headers=coord))
        assert current["terms"] == "Quiet hours after 21:00, with a witness"
        listed = items_of(await cases.get(f"{BASE}/{case_id}/obligations", headers=med))
        assert [o["status"] for o in listed] == ["breached", "open"]
        closed = await post(cases, case_id, f"obligations/{listed[1]['id']}/fulfilled", med)
        assert closed["status"] == "closed"


async def _settle_breach_reopen(cases, settings, case_id: str, parties: list[str], on) -> None:  # type: ignore[no-untyped-def]
    """Settle on `on` with one obligation, breach it and reopen the case."""
    med, coord = mediator(settings), coordinator(settings)
    await post(
        cases,
        case_id,
        "settlement",
        med,
        {
            "terms": f"Quiet hours after 22:00 (signed {on})",
            "signed_on": str(on),
            "signatures": [{"party_id": p, "signed_on": str(on)} for p in parties],
            "document_text": "Settlement agreement, signed by both parties",
            "obligations": [{"description": "Quiet after 22:00", "due_on": str(today())}],
        },
    )
    listed = items_of(await cases.get(f"{BASE}/{case_id}/obligations", headers=med))
    [obligation] = [o for o in listed if o["status"] == "open"]
    await post(cases, case_id, f"obligations/{obligation['id']}/breached", coord, {"note": "Loud"})
    reopened = await post(cases, case_id, "reopening", coord, {"reason": "Breach of quiet"})
    assert reopened["status"] == "in_mediation"


async def test_a_reopened_cases_new_settlement_cannot_be_dated_before_the_reopening(settings):
    """The mediation that reaches the new settlement resumed on the reopening day: a settlement,
    or a party's signature of it, dated after the breached settlement but before that day is
    refused, naming the reopening day, and nothing is recorded; one of that day passes."""
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        case = await to_mediation(cases, settings, signed_on=today() - timedelta(days=10))
        case_id = case["id"]
        a, b = (p["id"] for p in case["parties"])
        first = today() - timedelta(days=5)
        await _settle_breach_reopen(cases, settings, case_id, [a, b], first)  # reopened today

        between = str(today() - timedelta(days=2))  # after the first settlement, before reopening
        before = ok(await cases.get(f"{BASE}/{case_id}", headers=med))

        async def steps() -> list[dict]:  # the timeline's audited steps (an event's `sent` moves)
            timeline = items_of(await cases.get(f"{BASE}/{case_id}/timeline", headers=coord))
            return [e for e in timeline if e["kind"] == "audit"]

        audited_steps = await steps()
        audited, events = audit_count(settings), subjects(settings, case_id)
        for signed_on, a_signed_on in ((between, str(today())), (str(today()), between)):
            refused = await cases.post(
                f"{BASE}/{case_id}/settlement",
                headers=med,
                json={
                    "terms": "Quiet hours after 21:00",
                    "signed_on": signed_on,
                    "signatures": [
                        {"party_id": a, "signed_on": a_signed_on},
                        {"party_id": b, "signed_on": str(today())},
                    ],
                    "document_text": "Second settlement",
                    "obligations": [],
                },
            )
            problem = assert_problem(refused, 422, "settled-before-reopening")
            assert (problem["signed_on"], problem["reopened_on"]) == (between, str(today()))
            assert problem["parties"] == ([] if a_signed_on == str(today()) else [a])
            assert str(today()) in problem["detail"] and between in problem["detail"]
        assert ok(await cases.get(f"{BASE}/{case_id}", headers=med)) == before
        assert await steps() == audited_steps
        assert (audit_count(settings), subjects(settings, case_id)) == (audited, events)
        current = ok(await cases.get(f"{BASE}/{case_id}/settlement", headers=coord))
        assert current["signed_on"] == str(first)

        again = await post(
            cases,
            case_id,
            "settlement",
            med,
            {
                "terms": "Quiet hours after 21:00",
                "signed_on": str(today()),
                "signatures": [
                    {"party_id": a, "signed_on": str(today())},
                    {"party_id": b, "signed_on": str(today())},
                ],
                "document_text": "Second settlement agreement",
                "obligations": [],
            },
        )
        assert again["status"] == "settled"
        assert subjects(settings, case_id)[-1] == "cases.case.settled"


async def test_the_floor_of_a_case_reopened_twice_is_its_latest_reopening(settings, monkeypatch):
    """Reopened ten days ago, settled again, breached and reopened today: a third settlement
    dated after the first reopening and the second settlement, but before today, is refused."""
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings, signed_on=today() - timedelta(days=20))
        case_id = case["id"]
        parties = [p["id"] for p in case["parties"]]
        # The first reopening's step is recorded ten days ago (the timeline's clock).
        monkeypatch.setattr(audit, "now", lambda: now() - timedelta(days=10))
        await _settle_breach_reopen(cases, settings, case_id, parties, today() - timedelta(days=15))
        monkeypatch.undo()
        await _settle_breach_reopen(cases, settings, case_id, parties, today() - timedelta(days=8))
        third = str(today() - timedelta(days=5))
        refused = await cases.post(
            f"{BASE}/{case_id}/settlement",
            headers=med,
            json={
                "terms": "Quiet hours after 20:00",
                "signed_on": third,
                "signatures": [{"party_id": p, "signed_on": third} for p in parties],
                "document_text": "Third settlement",
                "obligations": [],
            },
        )
        problem = assert_problem(refused, 422, "settled-before-reopening")
        assert (problem["signed_on"], problem["reopened_on"]) == (third, str(today()))
        assert problem["parties"] == sorted(parties)
