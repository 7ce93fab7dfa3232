"""Issue 17.5: a passed compliance date reaches the case's mediator and the region's
coordinators by the notifications service's default rules, in their languages."""

from __future__ import annotations

from datetime import timedelta

from tests.cases.support import BASE, eventually, ok, person, today
from tests.support.gateway import gateway_stack

INBOX = "/api/v1/notifications/inbox"


async def _told(gw, headers) -> list[dict]:  # type: ignore[no-untyped-def]
    inbox = ok(await gw.get(INBOX, headers=headers))
    return [i for i in inbox["items"] if i["topic"] == "cases.case.compliance_overdue"]


async def test_overdue_obligation_tells_the_mediator_and_the_coordinator(make_settings, clean_nats):
    settings = make_settings(cases_watch_seconds=0.1)
    async with gateway_stack(settings) as stack:
        gw = stack.client
        coord = await stack.login_as(
            "coord-almaty", roles=["coordinator"], regions=["KZ-75"], lang="ru"
        )
        med = await stack.login_as("med-aigerim", roles=["mediator"], regions=["KZ-75"], lang="kk")
        other = await stack.login_as("med-bolat", roles=["mediator"], regions=["KZ-75"], lang="en")
        signed = today() - timedelta(days=30)
        body = {"region": "KZ-75", "category": "land", "parties": [person(), person()]}
        case = ok(await gw.post(BASE, headers=med, json=body), 201)
        base = f"{BASE}/{case['id']}"
        ok(await gw.post(f"{base}/assignment", headers=coord, json={"mediator": "med-aigerim"}))
        full = ok(await gw.post(f"{base}/declaration", headers=med, json={"conflict": False}))
        for party in full["parties"]:
            ok(
                await gw.post(
                    f"{base}/consents",
                    headers=med,
                    json={"party_id": party["id"], "given_on": str(signed)},
                )
            )
        ok(await gw.post(f"{base}/agreement", headers=med, json={"signed_on": str(signed)}))
        due = today() - timedelta(days=2)
        ok(
            await gw.post(
                f"{base}/settlement",
                headers=med,
                json={
                    "terms": "Return the fence to its line",
                    "signed_on": str(signed + timedelta(days=1)),
                    "signatures": [
                        {"party_id": p["id"], "signed_on": str(signed)} for p in full["parties"]
                    ],
                    "document_text": "signed",
                    "obligations": [{"description": "Move the fence", "due_on": str(due)}],
                },
            )
        )
        [kk] = await eventually(lambda: _told(gw, med), what="the mediator's notice")
        assert kk["title"] == f"{case['number']} іс: келісім міндеттемесінің мерзімі өтті"
        [ru] = await eventually(lambda: _told(gw, coord), what="the coordinator's notice")
        assert ru["title"] == f"Дело {case['number']}: срок обязательства истёк"
        assert await _told(gw, other) == []
