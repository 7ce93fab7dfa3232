"""Real cases walked along every path, with the events each step publishes."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from tests.cases.support import (
    BASE,
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
    today,
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
        assert case["deadline"] == str(today() + timedelta(days=30))
        a, b = (p["id"] for p in case["parties"])

        session = ok(
            await cases.post(
                f"{BASE}/{case_id}/sessions",
                headers=med,
                json={
                    "scheduled_at": f"{today() - timedelta(days=1)}T10:00:00+05:00",
                    "place": "Friendship House, room 2",
                },
            ),
            201,
        )
        # Given in Almaty's time, answered in UTC, as every later read answers it.
        assert session["scheduled_at"] == f"{today() - timedelta(days=1)}T05:00:00Z"
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
                "signed_on": str(today()),
                "signatures": [
                    {"party_id": a, "signed_on": str(today())},
                    {"party_id": b, "signed_on": str(today())},
                ],
                "document_base64": base64.b64encode(document).decode(),
                "document_name": "settlement.pdf",
                "media_type": "application/pdf",
                "obligations": [
                    {
                        "description": "Pay half of the repair",
                        "due_on": str(today() + timedelta(days=10)),
                    },
                    {"description": "Repair the wall", "due_on": str(today() + timedelta(days=20))},
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
                "signed_on": str(today()),
                "document_text": "signed",
                "signatures": [{"party_id": a, "signed_on": str(today())}],
            },
        )
        assert_problem(answer, 422, "signature-missing")
        assert audit_count(settings) == before


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
                    "consents": [{"party_id": "x", "form": "oral", "given_on": str(today())}],
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
                    "signed_on": str(today()),
                    "document_text": "x",
                    "signatures": [{"party_id": party, "signed_on": str(today())}],
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
            {"party_id": full["parties"][0]["id"], "form": "oral", "given_on": str(today())},
        )
        answer = await cases.post(
            f"{BASE}/{case['id']}/agreement", headers=med, json={"signed_on": str(today())}
        )
        body = assert_problem(answer, 409, "consent-missing")
        assert body["parties"] == [full["parties"][1]["id"]]


async def test_term_is_extended_once_with_all_consents_and_a_second_time_refused(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings)
        a, b = (p["id"] for p in case["parties"])
        consent_a = {"party_id": a, "form": "written", "given_on": str(today())}
        consent_b = {"party_id": b, "form": "written", "given_on": str(today())}
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
        assert extended["deadline"] == str(today() + timedelta(days=60))
        before = audit_count(settings)
        again = await cases.post(
            f"{BASE}/{case['id']}/extension",
            headers=med,
            json={"reason": "Still pending", "consents": [consent_a, consent_b]},
        )
        assert_problem(again, 409, "extension-used")
        assert audit_count(settings) == before
        got = ok(await cases.get(f"{BASE}/{case['id']}", headers=med))
        assert got["deadline"] == str(today() + timedelta(days=60))
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
                when = {"scheduled_at": f"{today() + timedelta(days=days)}T10:00:00+05:00"}
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
                "scheduled_at": f"{today() + timedelta(days=20)}T10:00:00+05:00",
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
