"""A case walked through the gateway, as its users would: staff log in, the gateway proxies."""

from __future__ import annotations

from tests.cases.support import BASE, assert_problem, ok, person, published, today
from tests.support.checks import items_of
from tests.support.gateway import gateway_stack


async def test_case_from_registration_to_escalation_through_the_gateway(settings):
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord = await stack.login_as("coord-almaty", roles=["coordinator"], regions=["KZ-75"])
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"])
        other = await stack.login_as("med-astana", roles=["mediator"], regions=["KZ-71"])
        parties = [person(), person()]
        case = ok(
            await gw.post(
                BASE,
                headers=med,
                json={
                    "region": "KZ-75",
                    "category": "interethnic",
                    "parties": parties,
                    "description": "Quarrel at the market",
                },
            ),
            201,
        )
        case_id = case["id"]
        ok(
            await gw.post(
                f"{BASE}/{case_id}/assignment", headers=coord, json={"mediator": "med-aigerim"}
            )
        )
        hidden = ok(await gw.get(f"{BASE}/{case_id}", headers=med))
        assert hidden["parties"] is None and hidden["description"] is None
        answer = await gw.get(f"{BASE}/{case_id}", headers=other)
        assert answer.status_code in (403, 404), answer.text
        declared = ok(
            await gw.post(f"{BASE}/{case_id}/declaration", headers=med, json={"conflict": False})
        )
        for party in declared["parties"]:
            ok(
                await gw.post(
                    f"{BASE}/{case_id}/consents",
                    headers=med,
                    json={"party_id": party["id"], "given_on": str(today())},
                )
            )
        signed = ok(
            await gw.post(
                f"{BASE}/{case_id}/agreement", headers=med, json={"signed_on": str(today())}
            )
        )
        assert signed["status"] == "in_mediation"
        ok(
            await gw.post(
                f"{BASE}/{case_id}/escalations",
                headers=coord,
                json={
                    "reason": "Calls for violence at the market",
                    "risk_of": "interethnic",
                    "risk_level": "high",
                    "summary": "Tension between traders of different groups at a market",
                },
            ),
            201,
        )
        assert_problem(
            await gw.post(
                f"{BASE}/{case_id}/agreement", headers=med, json={"signed_on": str(today())}
            ),
            409,
            "invalid-transition",
        )
        timeline = items_of(await gw.get(f"{BASE}/{case_id}/timeline", headers=coord))
        assert [e["actor"] for e in timeline if e["action"] == "case.assign"] == ["coord-almaty"]
        secrets = [p[k] for p in parties for k in ("name", "phone", "email", "address")]
        for message in await published(stack.settings):
            assert not any(s.encode() in message for s in secrets)
