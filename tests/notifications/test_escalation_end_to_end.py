"""A coordinator escalates a real case; the police's system receives it signed, and accepts it."""

from __future__ import annotations

import json

from kelisim import webhooks
from tests.notifications.conftest import admin, eventually
from tests.support.checks import items_of
from tests.support.services import bearer, running

PARTY = {
    "kind": "person",
    "name": "Асқар Нұрланұлы",
    "phone": "+7 701 555 0101",
    "address": "Алматы, Абай даңғылы 1",
}


async def test_an_escalated_case_reaches_the_police_signed_and_their_acceptance_comes_back(
    settings, receivers
):
    receiver = receivers()
    key = webhooks.generate_signing_key()
    async with (
        running("notifications", settings) as notifications,
        running("cases", settings) as cases,
    ):
        endpoint = await notifications.post(
            "/api/v1/notifications/endpoints",
            json={"region": "KZ-75", "url": receiver.url, "signing_keys": [key]},
            headers=admin(settings),
        )
        assert endpoint.status_code == 201, endpoint.text
        assert endpoint.json()["public_keys"] == [webhooks.public_key_of(key)]

        coordinator = bearer(
            settings, "cases", sub="coord-75", roles=["coordinator"], regions=["KZ-75"]
        )
        case = await cases.post(
            "/api/v1/cases",
            json={"region": "KZ-75", "category": "interethnic", "parties": [PARTY]},
            headers=coordinator,
        )
        assert case.status_code == 201, case.text
        case_id, number = case.json()["id"], case.json()["number"]
        escalated = await cases.post(
            f"/api/v1/cases/{case_id}/escalations",
            json={
                "reason": "Leaflets calling for violence against one community were found",
                "risk_of": "interethnic",
                "risk_level": "critical",
                "summary": "Leaflets inciting ethnic hatred in a residential block",
            },
            headers=coordinator,
        )
        assert escalated.status_code == 201, escalated.text
        escalation_id = escalated.json()["id"]

        [call] = await eventually(receiver.snapshot, what="the webhook at the police's system")
        public = webhooks.public_key_of(key)
        assert webhooks.verify(call.headers, call.body, public_keys=[public], now=call.at)
        body = json.loads(call.body)
        assert body["data"]["escalation_id"] == escalation_id
        text = call.body.decode()
        for secret in (case_id, number, PARTY["name"], PARTY["phone"], "Leaflets calling"):
            assert secret not in text

        police = bearer(
            settings, "notifications", sub="police-75", roles=["liaison"], regions=["KZ-75"]
        )
        accepted = await notifications.post(
            f"/api/v1/notifications/feed/{escalation_id}/ack", headers=police
        )
        assert accepted.status_code == 200, accepted.text

        async def recorded_in_the_case():  # type: ignore[no-untyped-def]
            rows = await cases.get(f"/api/v1/cases/{case_id}/escalations", headers=coordinator)
            return [r for r in items_of(rows) if r["acknowledged_by"] == "police-75"]

        [row] = await eventually(recorded_in_the_case, what="the acceptance in the case")
        assert row["acknowledged_at"] is not None

        # The region's coordinator was told of the escalation in-app as well.
        told = bearer(
            settings, "notifications", sub="coord-75", roles=["coordinator"], regions=["KZ-75"]
        )
        inbox = await notifications.get("/api/v1/notifications/inbox", headers=told)
        assert "cases.case.escalated" in {i["topic"] for i in inbox.json()["items"]}
