"""Escalation to law enforcement: a reasoned decision, the liaison subset, the acknowledgement."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import nats

from kelisim.events import Envelope
from kelisim.events.cases import CaseEscalated
from kelisim.events.notifications import EscalationAcknowledged
from tests.cases.support import (
    BASE,
    assert_problem,
    audit_count,
    coordinator,
    mediator,
    ok,
    outbox,
    person,
    post,
    register,
    subjects,
    to_mediation,
)
from tests.support.checks import items_of
from tests.support.services import bearer, running

LIAISON_FIELDS = {
    "escalation_id",
    "case_ref",
    "region",
    "category",
    "risk_level",
    "summary",
    "escalated_at",
    "risk_of",
}
ESCALATION = {
    "reason": "Leaflets calling for violence against one community were found",
    "risk_of": "interethnic",
    "risk_level": "critical",
    "summary": "Leaflets inciting ethnic hatred in a residential block",
}


async def test_mediator_escalates_with_only_the_liaison_subset_leaving(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings, category="interethnic")
        escalation = ok(
            await cases.post(f"{BASE}/{case['id']}/escalations", headers=med, json=ESCALATION),
            201,
        )
        assert escalation["risk_level"] == "critical"
        assert escalation["reason"] == ESCALATION["reason"]
        assert subjects(settings, case["id"])[-1] == "cases.case.escalated"
        envelope = outbox(settings, case["id"])[-1]
        data = envelope["data"]
        # The internal stream names the case for staff notices; the liaison subset never does.
        assert set(data) == LIAISON_FIELDS | {"case_id", "number", "mediator"}
        assert (data["case_id"], data["number"]) == (case["id"], case["number"])
        assert data["mediator"] == case["mediator"]
        assert data["risk_of"] == "interethnic"
        subset = CaseEscalated.model_validate(data).liaison_subset()
        assert set(subset) == LIAISON_FIELDS
        assert data["case_ref"] not in (case["id"], case["number"])
        assert case["id"] not in json.dumps(subset)
        assert case["number"] not in json.dumps(subset)
        assert ESCALATION["reason"] not in json.dumps(envelope)
        assert (data["region"], data["category"]) == ("KZ-75", "interethnic")
        got = ok(await cases.get(f"{BASE}/{case['id']}", headers=med))
        assert got["escalated"] is True and got["status"] == "in_mediation"


async def test_escalation_needs_a_reason_a_risk_and_the_right_person(settings):
    async with running("cases", settings) as cases:
        case = await register(cases, mediator(settings))
        coord = coordinator(settings)
        bad = await cases.post(
            f"{BASE}/{case['id']}/escalations",
            headers=coord,
            json={**ESCALATION, "risk_level": "apocalyptic"},
        )
        assert_problem(bad, 422, "validation-error")
        stranger = coordinator(settings, sub="coord-astana", regions=["KZ-71"])
        assert_problem(
            await cases.post(f"{BASE}/{case['id']}/escalations", headers=stranger, json=ESCALATION),
            404,
            "not-found",
        )
        ok(
            await cases.post(f"{BASE}/{case['id']}/escalations", headers=coord, json=ESCALATION),
            201,
        )


async def test_liaison_acknowledgement_is_recorded_on_the_escalation_and_timeline(settings):
    async with running("cases", settings) as cases:
        coord = coordinator(settings)
        case = await to_mediation(cases, settings, category="interfaith")
        escalation = ok(
            await cases.post(
                f"{BASE}/{case['id']}/escalations",
                headers=coord,
                json={**ESCALATION, "risk_of": "interfaith"},
            ),
            201,
        )
        liaison_ref = outbox(settings, case["id"])[-1]["data"]["case_ref"]
        # The liaisons' reference is random: nothing in it ties it to the case's time-ordered id.
        assert uuid.UUID(liaison_ref).version == 4
        assert uuid.UUID(case["id"]).version == 7
        accepted_at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        ack = Envelope.wrap(
            EscalationAcknowledged(
                escalation_id=escalation["id"],
                case_ref=liaison_ref,
                region="KZ-75",
                acknowledged_by="police-almaty-duty",
                acknowledged_at=accepted_at,
            ),
            source="/kelisim/notifications",
            subject=f"escalation:{escalation['id']}",
        )
        nc = await nats.connect(settings.nats_url)
        try:
            js = nc.jetstream()
            for _ in range(2):  # delivered twice, applied once
                await js.publish(ack.nats_subject, ack.to_bytes(), headers={"Nats-Msg-Id": ack.id})
        finally:
            await nc.close()
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            [found] = items_of(await cases.get(f"{BASE}/{case['id']}/escalations", headers=coord))
            if found["acknowledged_at"]:
                break
            assert asyncio.get_running_loop().time() < deadline, "acknowledgement not applied"
            await asyncio.sleep(0.05)
        assert found["acknowledged_by"] == "police-almaty-duty"
        assert found["acknowledged_at"].startswith("2026-03-01T09:30:00")
        timeline = items_of(await cases.get(f"{BASE}/{case['id']}/timeline", headers=coord))
        acks = [e for e in timeline if e["action"] == "case.escalation_acknowledged"]
        assert len(acks) == 1
        assert acks[0]["details"]["acknowledged_by"] == "police-almaty-duty"


async def test_analyst_never_sees_escalations(settings):
    async with running("cases", settings) as cases:
        case = await register(cases, mediator(settings))
        analyst = bearer(settings, "cases", sub="an", roles=["analyst"], regions=["KZ-75"])
        assert_problem(
            await cases.get(f"{BASE}/{case['id']}/escalations", headers=analyst), 403, "forbidden"
        )
        await post(
            cases,
            case["id"],
            "refusal",
            coordinator(settings),
            {"reason": "state_body", "note": "The other party is an akimat"},
        )


async def test_summary_naming_a_party_or_holding_contacts_is_refused_and_changes_nothing(
    settings,
):
    petrov = person(name="Иван Петров", phone="+7 777 000 11 22", address="ул. Абая 10 кв 5")
    aigul = person(name="Айгүл Серікқызы")
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings, parties=[petrov, aigul])
        url = f"{BASE}/{case['id']}/escalations"
        events, audited = len(outbox(settings, case["id"])), audit_count(settings)
        refused = {
            "Иван Петров, +7 777 000 11 22, угрожал соседке Айгүл Серікқызы": {"name", "phone"},
            "И. Петров, тел 87770001122, ул. Абая 10 кв 5": {"name", "phone", "address"},
            "Петрова видели у дома соседки": {"name"},
            "Звонили с номера 8 701 555 12 34 и с mail@example.kz": {"phone", "email"},
            "Листовки нашли у дома на ул. Сатпаева 22": {"address"},
            "Листовки нашли 14.03.2026 во дворе": {"date"},
            f"См. дело {case['number']}": {"case_number"},
            "ИИН стороны 900101300123.": {"identity_number"},
            "Записал номер 900101300123": {"identity_number"},
            "БИН кафе 140340012345": {"identity_number"},
            "Удостоверение личности № 045123456": {"document_number"},
            "Деньги переводили на KZ86 125K ZT50 0410 0100": {"iban"},
            "Угрозы шли с https://t.me/omarov_b": {"link"},
            "Телефон заканчивался на 00-50": {"phone"},
        }
        for summary, kinds in refused.items():
            answer = await cases.post(url, headers=med, json={**ESCALATION, "summary": summary})
            problem = assert_problem(answer, 422, "personal-data-in-summary")
            assert {f["kind"] for f in problem["findings"]} == kinds, summary
            assert all(set(f) == {"kind", "start", "end"} for f in problem["findings"])
            assert problem["errors"][0]["loc"] == ["body", "summary"]
            # The refusal says what kind of data is where, and never repeats it.
            for word in ("Петров", "Серікқызы", "0001122", "000 11 22", "Абая", "Сатпаева",
                         "900101300123", "045123456", "omarov_b", "00-50",
                         "ZT50 0410"):  # fmt: skip
                assert word not in answer.text, summary
        assert items_of(await cases.get(url, headers=med)) == []
        assert len(outbox(settings, case["id"])) == events
        assert audit_count(settings) == audited
        got = ok(await cases.get(f"{BASE}/{case['id']}", headers=med))
        assert got["escalated"] is False
        ok(await cases.post(url, headers=med, json=ESCALATION), 201)


async def test_a_summary_may_cite_the_law_on_an_official_site_but_no_other_link(settings):
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings, category="interethnic")
        url = f"{BASE}/{case['id']}/escalations"
        law = "https://adilet.zan.kz/rus/docs/K1400000226"
        for link in ("https://vk.com/omarov", f"https://olga@{law.removeprefix('https://')}"):
            summary = f"Листовки со ссылкой {link} в подъезде"
            answer = await cases.post(url, headers=med, json={**ESCALATION, "summary": summary})
            problem = assert_problem(answer, 422, "personal-data-in-summary")
            assert [f["kind"] for f in problem["findings"]] == ["link"]
        summary = f"Листовки в подъезде; признаки ст. 174 УК РК ({law})"
        escalation = ok(
            await cases.post(url, headers=med, json={**ESCALATION, "summary": summary}), 201
        )
        assert escalation["summary"] == summary
        assert outbox(settings, case["id"])[-1]["data"]["summary"] == summary


async def test_the_same_escalation_sent_again_is_refused_and_nothing_reaches_the_liaison(
    settings,
):
    """A client retrying without an Idempotency-Key sent the police the same alert twice."""
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings, category="interethnic")
        url = f"{BASE}/{case['id']}/escalations"
        first = ok(await cases.post(url, headers=med, json=ESCALATION), 201)
        version = ok(await cases.get(f"{BASE}/{case['id']}", headers=med))["version"]
        events, audited = len(outbox(settings, case["id"])), audit_count(settings)
        spaced = "  Leaflets inciting ethnic\thatred in a  residential block \n"
        for again, who in (
            (ESCALATION, med),
            ({**ESCALATION, "summary": spaced}, med),
            ({**ESCALATION, "reason": "Another reason, the same alert"}, coordinator(settings)),
        ):
            refused = await cases.post(url, headers=who, json=again)
            problem = assert_problem(refused, 409, "escalation-already-raised")
            assert (problem["escalation_id"], problem["reference"]) == (
                first["id"],
                first["reference"],
            )
            assert datetime.fromisoformat(problem["escalated_at"]) == datetime.fromisoformat(
                first["escalated_at"]
            )
            assert first["reference"] in problem["detail"]
            assert len(outbox(settings, case["id"])) == events
            assert audit_count(settings) == audited
        assert [e["id"] for e in items_of(await cases.get(url, headers=med))] == [first["id"]]
        assert ok(await cases.get(f"{BASE}/{case['id']}", headers=med))["version"] == version
        # A changed summary, or another level of the same risk, is news for the liaison.
        changed = {**ESCALATION, "summary": "Leaflets inciting ethnic hatred in two blocks"}
        ok(await cases.post(url, headers=med, json=changed), 201)
        ok(await cases.post(url, headers=med, json={**changed, "risk_level": "high"}), 201)
        assert subjects(settings, case["id"]).count("cases.case.escalated") == 3
