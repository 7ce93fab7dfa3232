"""A coordinator escalates a real case; the police's system receives it signed, and accepts it."""

from __future__ import annotations

import json

from sqlmodel import Session, create_engine

from kelisim import webhooks
from services.notifications.models import Notification
from tests.notifications.conftest import admin, eventually
from tests.notifications.people_support import announce, in_directory
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
        case_id, number, escalation_id = await _escalated_case(cases, coordinator, "critical")

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

        # The region's other coordinators were told of the escalation in-app as well; the one
        # who escalated it, of its acceptance alone.
        def inbox_of(sub: str) -> dict[str, str]:
            return bearer(
                settings, "notifications", sub=sub, roles=["coordinator"], regions=["KZ-75"]
            )

        async def topics(sub: str) -> set[str]:
            inbox = await notifications.get("/api/v1/notifications/inbox", headers=inbox_of(sub))
            return {i["topic"] for i in inbox.json()["items"]}

        accepted = "notifications.escalation.acknowledged"
        assert {"cases.case.escalated", accepted} <= await topics("coord-76")
        assert accepted in await topics("coord-75")
        assert "cases.case.escalated" not in await topics("coord-75")


# What law enforcement receives of an escalation: the webhook's `data` and a feed item.
LIAISON_DATA = {
    "escalation_id",
    "case_ref",
    "region",
    "category",
    "risk_level",
    "summary",
    "escalated_at",
    "risk_of",
    "reference",
}
FEED_ITEM = LIAISON_DATA | {"acknowledged_by", "acknowledged_at"}


async def test_coordinators_are_told_which_case_and_the_police_only_the_subset(
    settings, receivers, smtp
):
    mailbox, port = smtp
    live = settings.model_copy(update={"smtp_port": port, "escalation_ack_alert_hours": 0.002})
    receiver = receivers()
    secret = webhooks.generate_secret()
    async with (
        running("notifications", live) as notifications,
        running("cases", live) as cases,
    ):
        endpoint = await notifications.post(
            "/api/v1/notifications/endpoints",
            json={"region": "KZ-75", "url": receiver.url, "secrets": [secret]},
            headers=admin(live),
        )
        assert endpoint.status_code == 201, endpoint.text
        # The gateway announces the coordinator (the cases service owns the outbox here).
        await announce(live, "coord-75", roles=["coordinator"], regions=["KZ-75"], lang="ru")
        await eventually(
            lambda: in_directory(live, "coord-75"), what="the coordinator in the directory"
        )
        # A colleague escalates (who escalates is not told of it); coord-75 is told.
        coordinator = bearer(
            live, "cases", sub="coord-duty", roles=["coordinator"], regions=["KZ-75"], lang="ru"
        )
        case_id, number, _ = await _escalated_case(cases, coordinator, "medium")

        # The police: the subset alone, in the webhook and in the feed.
        [call] = await eventually(receiver.snapshot, what="the webhook at the police's system")
        body = json.loads(call.body)
        assert set(body["data"]) == LIAISON_DATA
        police = bearer(
            live, "notifications", sub="police-75", roles=["liaison"], regions=["KZ-75"]
        )
        feed = await notifications.get("/api/v1/notifications/feed", headers=police)
        [item] = feed.json()["items"]
        assert set(item) == FEED_ITEM
        # Which accord is at risk, and the reference to quote on the phone, in both.
        assert body["data"]["risk_of"] == item["risk_of"] == "interethnic"
        assert body["data"]["reference"] == item["reference"]
        liaison_ref = item["case_ref"]
        for text in (call.body.decode(), feed.text):
            assert case_id not in text and number not in text

        # The coordinator: a notice naming the case, linked to it (not to the liaison's
        # reference), in-app and by e-mail; and the alert when the police do not accept it.
        told = bearer(
            live,
            "notifications",
            sub="coord-75",
            roles=["coordinator"],
            regions=["KZ-75"],
            lang="ru",
        )

        async def notices() -> dict[str, dict] | None:
            inbox = await notifications.get("/api/v1/notifications/inbox", headers=told)
            found = {i["topic"]: i for i in inbox.json()["items"]}
            wanted = {"cases.case.escalated", "notifications.escalation.unacknowledged"}
            return found if wanted <= set(found) else None

        found = await eventually(notices, what="the escalation's notice and its alert")
        notice = found["cases.case.escalated"]
        assert notice["refs"]["case_ref"] == case_id
        assert notice["body"].startswith(f"Дело {number} передано правоохранительным органам")
        alert = found["notifications.escalation.unacknowledged"]
        assert alert["refs"]["case_ref"] == case_id and number in alert["body"]
        assert liaison_ref not in json.dumps(list(found.values()))
        mails = await eventually(
            lambda: (
                len(mailbox.to("coord-75@example.kz")) >= 2 and mailbox.to("coord-75@example.kz")
            ),
            what="both e-mails",
        )
        assert all(number in m.get_content() for m in mails)


async def test_escalation_notices_from_before_they_named_the_case_link_to_the_escalations(
    settings, producer
):
    async with running("notifications", settings) as notifications:
        stored = producer.escalate("KZ-75")  # an event as stored before it named its case
        # and a notice as the service wrote it then: the liaison's reference as `case_ref`
        engine = create_engine(settings.database_url("notifications"))
        try:
            with Session(engine) as session:
                session.add(
                    Notification(
                        source_event_id="old-event",
                        topic="cases.case.escalated",
                        audience_role="coordinator",
                        region="KZ-75",
                        summary="A case was escalated to law enforcement",
                        params=json.dumps(
                            {
                                "escalation_id": "old",
                                "case_ref": "liaison-ref",
                                "region": "KZ-75",
                                "risk_level": "high",
                            }
                        ),
                    )
                )
                session.commit()
        finally:
            engine.dispose()
        told = bearer(settings, "notifications", sub="c", roles=["coordinator"], regions=["KZ-75"])

        async def notices() -> list[dict] | None:
            inbox = await notifications.get("/api/v1/notifications/inbox", headers=told)
            items = inbox.json()["items"]
            return items if len(items) == 2 else None

        items = await eventually(notices, what="both escalation notices")
    assert sorted(i["refs"]["escalation_id"] for i in items) == sorted(
        ["old", stored.escalation_id]
    )
    assert all("case_ref" not in i["refs"] for i in items)  # no link to a case that is not


async def _escalated_case(cases, coordinator: dict, risk_level: str) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """A case registered by the coordinator and escalated at `risk_level`: its id, its number
    and the escalation's id."""
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
            "risk_level": risk_level,
            "summary": "Leaflets inciting ethnic hatred in a residential block",
        },
        headers=coordinator,
    )
    assert escalated.status_code == 201, escalated.text
    return case_id, number, escalated.json()["id"]
