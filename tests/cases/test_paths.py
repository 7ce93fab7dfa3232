"""Real cases walked along every path, with the events each step publishes."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from kelisim import audit
from kelisim.clock import now
from tests.cases.support import (
    BASE,
    TODAY,
    assert_problem,
    audit_count,
    coordinator,
    known_mediators,
    mediator,
    ok,
    outbox,
    post,
    subjects,
    to_mediation,
)
from tests.support.checks import items_of
from tests.support.services import running

START = ["cases.case.registered", "cases.case.assigned", "cases.case.declared"]
CONSENTS = ["cases.consent.recorded", "cases.consent.recorded"]
SIGNED = [*START, *CONSENTS, "cases.case.agreement_signed"]


async def test_settled_case_is_followed_up_until_every_obligation_is_fulfilled(settings):
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        case = await to_mediation(cases, settings)
        case_id = case["id"]
        assert case["status"] == "in_mediation"
        assert case["deadline"] == str(TODAY + timedelta(days=30))
        a, b = (p["id"] for p in case["parties"])

        session = ok(
            await cases.post(
                f"{BASE}/{case_id}/sessions",
                headers=med,
                json={
                    "scheduled_at": f"{TODAY - timedelta(days=1)}T10:00:00+05:00",
                    "place": "Friendship House, room 2",
                },
            ),
            201,
        )
        # Given in Almaty's time, answered in UTC, as every later read answers it.
        assert session["scheduled_at"] == f"{TODAY - timedelta(days=1)}T05:00:00Z"
        held = ok(
            await cases.patch(
                f"{BASE}/{case_id}/sessions/{session['id']}",
                headers=med,
                json={
                    "status": "held",
                    "attendance": [a, b],
                    "notes": "Both calm; wall to be shared",
                },
            )
        )
        assert held["attendance"] == [a, b]

        document = b"%PDF-1.4 signed settlement agreement"
        settled = await post(
            cases,
            case_id,
            "settlement",
            med,
            {
                "terms": "The wall is repaired at shared cost",
                "signed_on": str(TODAY),
                "signatures": [
                    {"party_id": a, "signed_on": str(TODAY)},
                    {"party_id": b, "signed_on": str(TODAY)},
                ],
                "document_base64": base64.b64encode(document).decode(),
                "document_name": "settlement.pdf",
                "media_type": "application/pdf",
                "obligations": [
                    {
                        "description": "Pay half of the repair",
                        "due_on": str(TODAY + timedelta(days=10)),
                    },
                    {"description": "Repair the wall", "due_on": str(TODAY + timedelta(days=20))},
                ],
            },
        )
        assert settled["status"] == "settled"
        stored = ok(await cases.get(f"{BASE}/{case_id}/settlement", headers=coord))
        assert stored["document_sha256"] == hashlib.sha256(document).hexdigest()
        assert {s["party_id"] for s in stored["signatures"]} == {a, b}
        download = await cases.get(f"{BASE}/{case_id}/settlement/document", headers=med)
        assert download.content == document

        obligations = items_of(await cases.get(f"{BASE}/{case_id}/obligations", headers=med))
        first = await post(cases, case_id, f"obligations/{obligations[0]['id']}/fulfilled", med)
        assert first["status"] == "settled"
        closed = await post(cases, case_id, f"obligations/{obligations[1]['id']}/fulfilled", coord)
        assert closed["status"] == "closed"

        assert subjects(settings, case_id) == [
            *SIGNED,
            "cases.session.scheduled",
            "cases.session.updated",
            "cases.case.settled",
            "cases.obligation.fulfilled",
            "cases.obligation.fulfilled",
            "cases.case.closed",
        ]
        timeline = items_of(await cases.get(f"{BASE}/{case_id}/timeline", headers=coord))
        audit = [e for e in timeline if e["kind"] == "audit"]
        assert [e["action"] for e in audit][:3] == [
            "case.registered",
            "case.assign",
            "case.declare",
        ]
        settle_entry = next(e for e in audit if e["action"] == "case.settle")
        assert settle_entry["details"]["document_sha256"] == stored["document_sha256"]
        assert settle_entry["actor"] == "med-aigerim"


async def test_settlement_needs_every_partys_signature(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings)
        a = case["parties"][0]["id"]
        before = audit_count(settings)
        answer = await cases.post(
            f"{BASE}/{case['id']}/settlement",
            headers=med,
            json={
                "terms": "t",
                "signed_on": str(TODAY),
                "document_text": "signed",
                "signatures": [{"party_id": a, "signed_on": str(TODAY)}],
            },
        )
        assert_problem(answer, 422, "signature-missing")
        assert audit_count(settings) == before


async def test_breached_settlement_can_reopen_the_mediation_or_be_escalated(settings):
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        # the agreement ten days ago, the first settlement five days ago
        case = await to_mediation(cases, settings, signed_on=TODAY - timedelta(days=10))
        case_id = case["id"]
        FIRST = TODAY - timedelta(days=5)  # noqa: N806
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
                "obligations": [{"description": "Quiet after 22:00", "due_on": str(TODAY)}],
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
        assert reopened["deadline"] == str(TODAY + timedelta(days=30))
        assert subjects(settings, case_id)[-3:] == [
            "cases.case.settled",
            "cases.obligation.breached",
            "cases.case.reopened",
        ]
        # The new settlement cannot be dated before the one it replaces (after the agreement,
        # so it is not that rule): neither the settlement nor a party's signature.
        before = await cases.get(f"{BASE}/{case_id}", headers=med)
        early = str(FIRST - timedelta(days=1))
        for dates in ((early, str(TODAY)), (str(TODAY), early)):
            refused = await cases.post(
                f"{BASE}/{case_id}/settlement",
                headers=med,
                json={
                    "terms": "Quiet hours after 21:00",
                    "signed_on": dates[0],
                    "signatures": [
                        {"party_id": a, "signed_on": dates[1]},
                        {"party_id": b, "signed_on": str(TODAY)},
                    ],
                    "document_text": "Second settlement",
                    "obligations": [],
                },
            )
            problem = assert_problem(refused, 422, "settled-before-last-settlement")
            assert problem["last_settled_on"] == str(FIRST) and problem["signed_on"] == early
            assert problem["parties"] == ([] if dates[1] == str(TODAY) else [a])
        after = await cases.get(f"{BASE}/{case_id}", headers=med)
        assert after.json() == before.json()  # nothing recorded
        again = await post(
            cases,
            case_id,
            "settlement",
            med,
            {
                "terms": "Quiet hours after 21:00, with a witness",
                "signed_on": str(TODAY),
                "signatures": [
                    {"party_id": a, "signed_on": str(TODAY)},
                    {"party_id": b, "signed_on": str(TODAY)},
                ],
                "document_text": "Second settlement agreement",
                "obligations": [{"description": "Quiet after 21:00", "due_on": str(TODAY)}],
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
            "obligations": [{"description": "Quiet after 22:00", "due_on": str(TODAY)}],
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
        case = await to_mediation(cases, settings, signed_on=TODAY - timedelta(days=10))
        case_id = case["id"]
        a, b = (p["id"] for p in case["parties"])
        first = TODAY - timedelta(days=5)
        await _settle_breach_reopen(cases, settings, case_id, [a, b], first)  # reopened today

        between = str(TODAY - timedelta(days=2))  # after the first settlement, before reopening
        before = ok(await cases.get(f"{BASE}/{case_id}", headers=med))

        async def steps() -> list[dict]:  # the timeline's audited steps (an event's `sent` moves)
            timeline = items_of(await cases.get(f"{BASE}/{case_id}/timeline", headers=coord))
            return [e for e in timeline if e["kind"] == "audit"]

        audited_steps = await steps()
        audited, events = audit_count(settings), subjects(settings, case_id)
        for signed_on, a_signed_on in ((between, str(TODAY)), (str(TODAY), between)):
            refused = await cases.post(
                f"{BASE}/{case_id}/settlement",
                headers=med,
                json={
                    "terms": "Quiet hours after 21:00",
                    "signed_on": signed_on,
                    "signatures": [
                        {"party_id": a, "signed_on": a_signed_on},
                        {"party_id": b, "signed_on": str(TODAY)},
                    ],
                    "document_text": "Second settlement",
                    "obligations": [],
                },
            )
            problem = assert_problem(refused, 422, "settled-before-reopening")
            assert (problem["signed_on"], problem["reopened_on"]) == (between, str(TODAY))
            assert problem["parties"] == ([] if a_signed_on == str(TODAY) else [a])
            assert str(TODAY) in problem["detail"] and between in problem["detail"]
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
                "signed_on": str(TODAY),
                "signatures": [
                    {"party_id": a, "signed_on": str(TODAY)},
                    {"party_id": b, "signed_on": str(TODAY)},
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
        case = await to_mediation(cases, settings, signed_on=TODAY - timedelta(days=20))
        case_id = case["id"]
        parties = [p["id"] for p in case["parties"]]
        # The first reopening's step is recorded ten days ago (the timeline's clock).
        monkeypatch.setattr(audit, "now", lambda: now() - timedelta(days=10))
        await _settle_breach_reopen(cases, settings, case_id, parties, TODAY - timedelta(days=15))
        monkeypatch.undo()
        await _settle_breach_reopen(cases, settings, case_id, parties, TODAY - timedelta(days=8))
        third = str(TODAY - timedelta(days=5))
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
        assert (problem["signed_on"], problem["reopened_on"]) == (third, str(TODAY))
        assert problem["parties"] == sorted(parties)


async def test_mediation_not_settled_or_terminated_ends_the_case(settings):
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        first = await to_mediation(cases, settings)
        ended = await post(cases, first["id"], "not-settled", med, {"reason": "No common ground"})
        assert (ended["status"], ended["outcome"]) == ("not_settled", "not_settled")
        assert subjects(settings, first["id"]) == [*SIGNED, "cases.case.not_settled"]
        assert_problem(
            await cases.post(
                f"{BASE}/{first['id']}/extension",
                headers=med,
                json={
                    "reason": "late",
                    "consents": [{"party_id": "x", "form": "oral", "given_on": str(TODAY)}],
                },
            ),
            409,
            "invalid-transition",
        )

        second = await to_mediation(cases, settings)
        ended = await post(cases, second["id"], "termination", coord, {"reason": "Party absent"})
        assert ended["status"] == "terminated"
        assert subjects(settings, second["id"])[-1] == "cases.case.terminated"


async def test_a_party_withdrawing_consent_ends_the_mediation(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings)
        party = case["parties"][1]["id"]
        withdrawn = await post(
            cases,
            case["id"],
            "withdrawal",
            med,
            {"party_id": party, "reason": "Changed their mind"},
        )
        assert (withdrawn["status"], withdrawn["outcome"]) == ("withdrawn", "withdrawn")
        assert not next(p for p in withdrawn["parties"] if p["id"] == party)["consented"]
        assert subjects(settings, case["id"])[-2:] == [
            "cases.consent.withdrawn",
            "cases.case.withdrawn",
        ]
        assert_problem(
            await cases.post(
                f"{BASE}/{case['id']}/settlement",
                headers=med,
                json={
                    "terms": "t",
                    "signed_on": str(TODAY),
                    "document_text": "x",
                    "signatures": [{"party_id": party, "signed_on": str(TODAY)}],
                },
            ),
            409,
            "invalid-transition",
        )


async def test_agreement_needs_every_partys_consent(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        med, coord = mediator(settings), coordinator(settings)
        from tests.cases.support import register

        case = await register(cases, med)
        await post(cases, case["id"], "assignment", coord, {"mediator": "med-aigerim"})
        full = await post(cases, case["id"], "declaration", med, {"conflict": False})
        await post(
            cases,
            case["id"],
            "consents",
            med,
            {"party_id": full["parties"][0]["id"], "form": "oral", "given_on": str(TODAY)},
        )
        answer = await cases.post(
            f"{BASE}/{case['id']}/agreement", headers=med, json={"signed_on": str(TODAY)}
        )
        body = assert_problem(answer, 409, "consent-missing")
        assert body["parties"] == [full["parties"][1]["id"]]


async def test_term_is_extended_once_with_all_consents_and_a_second_time_refused(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings)
        a, b = (p["id"] for p in case["parties"])
        consent_a = {"party_id": a, "form": "written", "given_on": str(TODAY)}
        consent_b = {"party_id": b, "form": "written", "given_on": str(TODAY)}
        missing = await cases.post(
            f"{BASE}/{case['id']}/extension",
            headers=med,
            json={"reason": "Expert valuation pending", "consents": [consent_a]},
        )
        assert_problem(missing, 422, "consent-missing")
        extended = await post(
            cases,
            case["id"],
            "extension",
            med,
            {"reason": "Expert valuation pending", "consents": [consent_a, consent_b]},
        )
        assert extended["extended"] is True
        assert extended["deadline"] == str(TODAY + timedelta(days=60))
        before = audit_count(settings)
        again = await cases.post(
            f"{BASE}/{case['id']}/extension",
            headers=med,
            json={"reason": "Still pending", "consents": [consent_a, consent_b]},
        )
        assert_problem(again, 409, "extension-used")
        assert audit_count(settings) == before
        got = ok(await cases.get(f"{BASE}/{case['id']}", headers=med))
        assert got["deadline"] == str(TODAY + timedelta(days=60))
        assert subjects(settings, case["id"]) == [*SIGNED, "cases.case.extended"]


async def test_an_ended_mediation_cancels_the_sessions_still_ahead(settings):
    """A terminated, unsettled, withdrawn or settled case keeps no session 'scheduled': the
    ones ahead are cancelled, each announced, and the ending's audit names them; a session
    already held stays held."""
    async with running("cases", settings) as cases:
        med, coord = mediator(settings), coordinator(settings)
        endings = [
            ("termination", coord, {"reason": "Party absent"}),
            ("not-settled", med, {"reason": "No common ground"}),
            ("withdrawal", med, {"party_id": None, "reason": "Changed their mind"}),
        ]
        for path, who, body in endings:
            case = await to_mediation(cases, settings)
            sessions = f"{BASE}/{case['id']}/sessions"
            planned = []
            for days in (-1, 3, 10):
                when = {"scheduled_at": f"{TODAY + timedelta(days=days)}T10:00:00+05:00"}
                planned.append(
                    ok(
                        await cases.post(sessions, headers=med, json=when | {"place": "Room 2"}),
                        201,
                    )
                )
            held = f"{sessions}/{planned[0]['id']}"
            ok(await cases.patch(held, headers=med, json={"status": "held", "attendance": []}))
            moved = {
                "status": "postponed",
                "scheduled_at": f"{TODAY + timedelta(days=20)}T10:00:00+05:00",
            }
            ok(await cases.patch(f"{sessions}/{planned[2]['id']}", headers=med, json=moved))
            if body.get("party_id", "") is None:
                body = body | {"party_id": case["parties"][0]["id"]}
            await post(cases, case["id"], path, who, body)

            after = {s["id"]: s["status"] for s in items_of(await cases.get(sessions, headers=med))}
            assert after == {
                planned[0]["id"]: "held",
                planned[1]["id"]: "cancelled",
                planned[2]["id"]: "cancelled",
            }, path
            cancelled = [
                e["data"]
                for e in outbox(settings, case["id"])
                if e["type"] == "kz.kelisim.cases.session.updated.v1"
                and e["data"]["status"] == "cancelled"
            ]
            assert sorted(e["session_ref"] for e in cancelled) == sorted(
                [planned[1]["id"], planned[2]["id"]]
            )
            steps = ok(await cases.get(f"{BASE}/{case['id']}/timeline", headers=med))["items"]
            ending = [e for e in steps if e["kind"] == "audit"][-1]
            assert sorted(ending["details"]["sessions_cancelled"]) == sorted(
                [planned[1]["id"], planned[2]["id"]]
            )
