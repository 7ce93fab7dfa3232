"""A client that lost an answer retries with its Idempotency-Key: done once, the first answer."""

from __future__ import annotations

from sqlalchemy import create_engine, select

from services.cases.models import backbone
from tests.cases.support import (
    BASE,
    assert_problem,
    coordinator,
    mediator,
    ok,
    person,
    subjects,
    to_mediation,
)
from tests.cases.test_escalation import ESCALATION
from tests.support.services import running


def _records(settings) -> list:
    engine = create_engine(settings.database_url("cases"))
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(backbone.idempotency)).all())
    finally:
        engine.dispose()


async def test_a_retried_escalation_escalates_once_and_answers_as_the_first_time(settings):
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings, category="interethnic")
        url = f"{BASE}/{case['id']}/escalations"
        keyed = {**coordinator(settings), "Idempotency-Key": "esc-1"}
        first = await cases.post(url, headers=keyed, json=ESCALATION)
        again = await cases.post(url, headers=keyed, json=ESCALATION)
        assert (first.status_code, again.status_code) == (201, 201), again.text
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert subjects(settings, case["id"]).count("cases.case.escalated") == 1

        reused = await cases.post(url, headers=keyed, json={**ESCALATION, "risk_level": "high"})
        assert_problem(reused, 422, "idempotency-key-reused")
        assert subjects(settings, case["id"]).count("cases.case.escalated") == 1

        # The key is the caller's own: another user's identical key is another request (of
        # another summary: the same escalation again is refused, test_escalation).
        other = {**mediator(settings), "Idempotency-Key": "esc-1"}
        news = {**ESCALATION, "summary": "Leaflets inciting ethnic hatred found again"}
        theirs = ok(await cases.post(url, headers=other, json=news), 201)
        assert theirs["id"] != first.json()["id"]
        assert subjects(settings, case["id"]).count("cases.case.escalated") == 2


async def test_a_retried_registration_and_a_retried_party_are_done_once(settings):
    async with running("cases", settings) as cases:
        med = {**mediator(settings), "Idempotency-Key": "reg-1"}
        body = {"region": "KZ-75", "category": "labour", "parties": [person(), person()]}
        first = ok(await cases.post(BASE, json=body, headers=med), 201)
        assert ok(await cases.post(BASE, json=body, headers=med), 201) == first
        party = person()
        keyed = {**coordinator(settings), "Idempotency-Key": "party-1"}
        url = f"{BASE}/{first['id']}/parties"
        added = await cases.post(url, json=party, headers=keyed)
        again = await cases.post(url, json=party, headers=keyed)
        assert (added.status_code, again.status_code) == (200, 200), again.text
        assert again.json() == added.json()
        assert again.headers["etag"] == added.headers["etag"]
        assert len(again.json()["parties"]) == 3
        listed = ok(await cases.get(BASE, headers=coordinator(settings)))
        assert len(listed["items"]) == 1


async def test_a_retry_while_the_first_is_still_answered_is_told_to_wait(settings):
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings, category="interethnic")
        keyed = {**coordinator(settings), "Idempotency-Key": "esc-slow"}
        url = f"{BASE}/{case['id']}/escalations"
        ok(await cases.post(url, headers=keyed, json=ESCALATION), 201)
        (record,) = [r for r in _records(settings) if r.key == "esc-slow"]
        assert record.status == 201 and record.response
        # As if the first request were still between its commit and its answer:
        engine = create_engine(settings.database_url("cases"))
        with engine.begin() as conn:
            table = backbone.idempotency
            conn.execute(table.update().where(table.c.id == record.id).values(status=0))
        engine.dispose()
        waiting = await cases.post(url, headers=keyed, json=ESCALATION)
        assert_problem(waiting, 409, "request-in-progress")
        assert waiting.headers["retry-after"] == "1"
        assert subjects(settings, case["id"]).count("cases.case.escalated") == 1
