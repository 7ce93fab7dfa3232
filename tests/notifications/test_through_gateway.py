"""Through the gateway, as its users: escalation, webhook, e-mail, feed and acceptance."""

from __future__ import annotations

from kelisim import webhooks
from tests.notifications.conftest import eventually
from tests.support.checks import items_of
from tests.support.gateway import gateway_stack

ESCALATION = {
    "reason": "Leaflets calling for violence against one community were found",
    "risk_of": "interethnic",
    "risk_level": "high",
    "summary": "Leaflets inciting ethnic hatred in a residential block",
}


async def test_a_coordinators_escalation_reaches_police_and_their_acceptance_comes_back(
    settings, receivers, smtp
):
    mailbox, port = smtp
    receiver = receivers()
    secret = webhooks.generate_secret()
    live = settings.model_copy(update={"smtp_port": port})
    async with gateway_stack(live) as stack:
        gw = stack.client
        endpoint = await gw.post(
            "/api/v1/notifications/endpoints",
            json={"region": "KZ-75", "url": receiver.url, "secrets": [secret]},
            headers=stack.admin,
        )
        assert endpoint.status_code == 201, endpoint.text
        coordinator = await stack.login_as(
            "olga",
            roles=["coordinator"],
            regions=["KZ-75"],
            email="olga@example.kz",
            lang="ru",
        )
        colleague = await stack.login_as(
            "dana",
            roles=["coordinator"],
            regions=["KZ-75"],
            email="dana@example.kz",
            lang="ru",
        )
        police = await stack.login_as("police-75", roles=["liaison"], regions=["KZ-75"])
        key = await gw.post("/api/v1/me/api-keys", json={"name": "police"}, headers=police)
        by_key = {"Authorization": f"Bearer {key.json()['key']}"}

        case = await gw.post(
            "/api/v1/cases",
            json={"region": "KZ-75", "category": "interethnic"},
            headers=coordinator,
        )
        assert case.status_code == 201, case.text
        case_id = case.json()["id"]
        escalated = await gw.post(
            f"/api/v1/cases/{case_id}/escalations", json=ESCALATION, headers=coordinator
        )
        assert escalated.status_code == 201, escalated.text
        escalation_id = escalated.json()["id"]

        [call] = await eventually(receiver.snapshot, what="the webhook")
        assert webhooks.verify(call.headers, call.body, secrets=[secret], now=call.at)

        async def in_feed():  # type: ignore[no-untyped-def]
            feed = await gw.get("/api/v1/notifications/feed", headers=by_key)
            return feed.json()["items"]

        [item] = await eventually(in_feed, what="the escalation in the police feed")
        assert item["escalation_id"] == escalation_id and item["acknowledged_at"] is None
        ack = await gw.post(f"/api/v1/notifications/feed/{escalation_id}/ack", headers=by_key)
        assert ack.status_code == 200, ack.text
        assert (await gw.get("/api/v1/notifications/inbox", headers=by_key)).status_code == 403

        async def accepted():  # type: ignore[no-untyped-def]
            rows = await gw.get(f"/api/v1/cases/{case_id}/escalations", headers=coordinator)
            return [r for r in items_of(rows) if r["acknowledged_by"] == "police-75"]

        await eventually(accepted, what="the acceptance on the case")
        # Her colleague hears of the escalation and then of its acceptance, each by e-mail and
        # in-app; olga, who escalated, of the acceptance alone.
        escalated_title = "Информирование правоохранительных органов: город Алматы"
        accepted_title = "Информирование принято: город Алматы"
        mails = await eventually(
            lambda: len(mailbox.to("dana@example.kz")) >= 2 and mailbox.to("dana@example.kz"),
            what="both e-mails",
        )
        assert sorted(m["Subject"] for m in mails) == [escalated_title, accepted_title]
        [mail] = await eventually(lambda: mailbox.to("olga@example.kz"), what="olga's e-mail")
        assert mail["Subject"] == accepted_title

        def titles(inbox) -> set[str]:  # type: ignore[no-untyped-def]
            assert inbox.status_code == 200, inbox.text
            return {i["title"] for i in inbox.json()["items"]}

        inbox = "/api/v1/notifications/inbox"
        assert {escalated_title, accepted_title} <= titles(await gw.get(inbox, headers=colleague))
        assert titles(await gw.get(inbox, headers=coordinator)) == {accepted_title}
