"""People hear of what concerns them: in-app inbox and e-mail, in their language, by the rules."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import nats
from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from kelisim.events.cases import CaseDeadlineApproaching, CaseOverdue
from kelisim.events.councils import SessionConvened
from services.notifications.models import EmailMessage, Recipient
from tests.notifications.conftest import Mailbox, admin, eventually
from tests.support.checks import assert_problem, items_of
from tests.support.nats import free_port
from tests.support.services import bearer, running


def overdue(mediator: str | None, region: str = "KZ-75") -> CaseOverdue:
    return CaseOverdue(
        case_ref="ref-1",
        number=f"{region}-2026-000042",
        region=region,
        mediator=mediator,
        deadline=date(2026, 11, 20),
    )


async def test_emails_arrive_in_each_recipients_language(settings, producer, smtp):
    mailbox, port = smtp
    live = settings.model_copy(update={"smtp_port": port, "notifications_digest_minutes": 0.04})
    async with running("notifications", live) as client:
        producer.user("aigerim", roles=["mediator"], regions=["KZ-75"], lang="kk")
        producer.user("olga", roles=["mediator"], regions=["KZ-75"], lang="ru")
        producer.user("john", roles=["coordinator"], regions=["KZ-75"], lang="en")
        producer.user("marat", roles=["coordinator"], regions=["KZ-75"], lang="ru", digest=True)
        producer.user("far", roles=["coordinator"], regions=["KZ-71"], lang="en")
        producer.user("gone", roles=["coordinator"], regions=["KZ-75"], active=False)
        await eventually(
            lambda: _recipients(client, live, 6), what="the recipient directory filled"
        )
        producer.emit(overdue("aigerim"))
        producer.emit(
            CaseDeadlineApproaching(
                case_ref="ref-2",
                number="KZ-75-2026-000043",
                region="KZ-75",
                mediator="olga",
                deadline=date(2026, 12, 1),
                days_left=3,
            )
        )
        producer.emit(overdue("olga", region="KZ-75"))
        await eventually(
            lambda: (
                mailbox.to("aigerim@example.kz")
                and len(mailbox.to("olga@example.kz")) >= 2
                and len(mailbox.to("john@example.kz")) >= 2
                and mailbox.to("marat@example.kz")
            ),
            what="every e-mail at the SMTP server",
        )

    kk = mailbox.to("aigerim@example.kz")
    assert [m["Subject"] for m in kk] == ["KZ-75-2026-000042 іс мерзімі өткен"]
    # Days in words, never ISO text; Russian ends its sentence on "г." once, not "г..".
    assert "мерзімі 2026\u202fж. 20 қараша өтіп кетті" in kk[0].get_content()
    russian = [m.get_content() for m in mailbox.to("olga@example.kz")]
    assert any("Срок медиации истёк 20 ноября 2026\u202fг.\n" in text for text in russian), russian
    assert any("истекает 1 декабря 2026\u202fг. (осталось" in text for text in russian), russian
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}|г\.\.", text) for text in russian)
    assert kk[0]["Content-Language"] == "kk"
    assert sorted(m["Subject"] for m in mailbox.to("olga@example.kz")) == [
        "Дело KZ-75-2026-000042 просрочено",
        "Приближается срок по делу KZ-75-2026-000043",
    ]
    assert sorted(m["Subject"] for m in mailbox.to("john@example.kz")) == [
        "Case KZ-75-2026-000042 is overdue",
        "Case KZ-75-2026-000042 is overdue",
    ]
    # The digest reader gets one mail holding both overdue terms, in Russian.
    digest = mailbox.to("marat@example.kz")
    assert [m["Subject"] for m in digest] == ["Kelisim: уведомления (2)"]
    assert digest[0].get_content().count("просрочено") == 2
    # Nobody outside the audience, nobody inactive, and each mail once (stable Message-ID).
    assert mailbox.to("far@example.kz") == [] and mailbox.to("gone@example.kz") == []
    ids = [m["Message-ID"] for _, m in mailbox.messages]
    assert len(ids) == len(set(ids)) == 6


async def _recipients(client, settings, n: int) -> bool:  # type: ignore[no-untyped-def]
    ctx = client.app.state.ctx
    with Session(ctx.engine) as session:
        return session.exec(select(func.count()).select_from(Recipient)).one() >= n


async def test_a_mediator_reads_their_inbox_in_their_language(settings, producer):
    async with running("notifications", settings) as client:
        producer.emit(overdue("aigerim"))
        producer.emit(overdue("someone-else"))
        mediator = bearer(
            settings, "notifications", sub="aigerim", roles=["mediator"], regions=["KZ-75"]
        )

        async def inbox():  # type: ignore[no-untyped-def]
            return (await client.get("/api/v1/notifications/inbox", headers=mediator)).json()

        first = await eventually(lambda: _nonempty(inbox), what="the mediator's notification")
        coordinator = bearer(
            settings,
            "notifications",
            sub="john",
            roles=["coordinator"],
            regions=["KZ-75"],
            lang="en",
        )
        coord_inbox = await eventually(
            lambda: _count(client, coordinator, 2), what="the coordinator's two notifications"
        )

    assert first["unread"] == 1
    assert [(i["title"], i["read"]) for i in first["items"]] == [
        ("KZ-75-2026-000042 іс мерзімі өткен", False)
    ]
    assert {i["title"] for i in coord_inbox["items"]} == {"Case KZ-75-2026-000042 is overdue"}


async def _nonempty(fetch):  # type: ignore[no-untyped-def]
    body = await fetch()
    return body if body["items"] else None


async def _count(client, headers, n):  # type: ignore[no-untyped-def]
    body = (await client.get("/api/v1/notifications/inbox", headers=headers)).json()
    return body if len(body["items"]) >= n else None


async def test_marking_read_changes_the_unread_count_and_only_for_the_reader(settings, producer):
    async with running("notifications", settings) as client:
        for _ in range(3):
            producer.emit(overdue(None))
        alice = bearer(
            settings, "notifications", sub="alice", roles=["coordinator"], regions=["KZ-75"]
        )
        bob = bearer(settings, "notifications", sub="bob", roles=["coordinator"], regions=["KZ-75"])
        box = await eventually(lambda: _count(client, alice, 3), what="three notifications")
        assert box["unread"] == 3
        one = box["items"][0]["id"]
        read = await client.post(f"/api/v1/notifications/inbox/{one}/read", headers=alice)
        assert read.status_code == 204
        after = (await client.get("/api/v1/notifications/inbox", headers=alice)).json()
        assert after["unread"] == 2
        assert [i["read"] for i in after["items"] if i["id"] == one] == [True]
        unread = await client.get(
            "/api/v1/notifications/inbox", params={"unread_only": True}, headers=alice
        )
        assert one not in [i["id"] for i in unread.json()["items"]]
        assert (await client.get("/api/v1/notifications/inbox", headers=bob)).json()["unread"] == 3
        everything = await client.post("/api/v1/notifications/inbox/read-all", headers=alice)
        assert everything.json() == {"marked": 2}
        assert (await client.get("/api/v1/notifications/inbox", headers=alice)).json()[
            "unread"
        ] == 0
        paged = await client.get("/api/v1/notifications/inbox", params={"limit": 2}, headers=bob)
        rest = await client.get(
            "/api/v1/notifications/inbox",
            params={"limit": 2, "cursor": paged.json()["next_cursor"]},
            headers=bob,
        )
        ids = [i["id"] for i in paged.json()["items"] + rest.json()["items"]]
        assert len(ids) == len(set(ids)) == 3
        outsider = bearer(
            settings, "notifications", sub="carol", roles=["coordinator"], regions=["KZ-71"]
        )
        refused = await client.post(f"/api/v1/notifications/inbox/{one}/read", headers=outsider)
        assert refused.status_code == 404


async def test_council_members_hear_of_their_councils_sessions_only(settings, producer):
    async with running("notifications", settings) as client:
        producer.emit(
            SessionConvened(
                council_id="council-a",
                session_id="s1",
                region="KZ-75",
                starts_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
                place="Достық үйі",
            )
        )
        member = bearer(
            settings,
            "notifications",
            sub="m",
            roles=["council_member"],
            councils=["council-a"],
            lang="en",
        )
        box = await eventually(lambda: _count(client, member, 1), what="the session notice")
        assert box["items"][0]["title"] == "Council session convened"
        other = bearer(
            settings, "notifications", sub="n", roles=["council_member"], councils=["council-b"]
        )
        assert (await client.get("/api/v1/notifications/inbox", headers=other)).json()[
            "items"
        ] == []


async def test_an_admin_changes_the_rules_and_the_next_event_follows_them(settings, producer):
    async with running("notifications", settings) as client:
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        subjects = {r["subject"] for r in rules}
        assert {
            "cases.case.deadline_approaching",
            "cases.case.overdue",
            "cases.case.escalated",
            "councils.session.convened",
            "councils.protocol.published",
            "councils.recommendation.overdue",
        } <= subjects
        coordinator_rule = next(
            r for r in rules if r["subject"] == "cases.case.overdue" and r["role"] == "coordinator"
        )
        off = await client.patch(
            f"/api/v1/notifications/rules/{coordinator_rule['id']}",
            json={"enabled": False},
            headers=admin(settings),
        )
        assert off.status_code == 200 and off.json()["enabled"] is False
        added = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.overdue", "role": "analyst", "scope": "all"},
            headers=admin(settings),
        )
        assert added.status_code == 201, added.text

        bad = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.nonsense", "role": "analyst"},
            headers=admin(settings),
        )
        assert bad.status_code == 422
        assert bad.json()["type"] == "urn:kelisim:problem:unknown-subject"
        no_mediator = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.escalated", "audience": "mediator"},
            headers=admin(settings),
        )
        assert no_mediator.json()["type"] == "urn:kelisim:problem:invalid-audience"
        coordinator = bearer(
            settings, "notifications", sub="c", roles=["coordinator"], regions=["KZ-75"]
        )
        refused = await client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.overdue", "role": "coordinator"},
            headers=coordinator,
        )
        assert refused.status_code == 403

        producer.emit(overdue("aigerim"))
        analyst = bearer(settings, "notifications", sub="an", roles=["analyst"])
        await eventually(lambda: _count(client, analyst, 1), what="the analyst's notification")
        assert (await client.get("/api/v1/notifications/inbox", headers=coordinator)).json()[
            "items"
        ] == []
        deleted = await client.delete(
            f"/api/v1/notifications/rules/{added.json()['id']}", headers=admin(settings)
        )
        assert deleted.status_code == 204
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        assert added.json()["id"] not in {r["id"] for r in rules}


async def test_two_admins_editing_one_rule_the_second_is_told_it_changed(settings):
    async with running("notifications", settings) as client:
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        rule_id = rules[0]["id"]
        read = await client.get(f"/api/v1/notifications/rules/{rule_id}", headers=admin(settings))
        version = read.headers["etag"]
        first = await client.patch(
            f"/api/v1/notifications/rules/{rule_id}",
            json={"email": True},
            headers={**admin(settings), "If-Match": version},
        )
        assert first.status_code == 200 and first.headers["etag"] != version
        second = await client.patch(
            f"/api/v1/notifications/rules/{rule_id}",
            json={"enabled": False},
            headers={**admin(settings), "If-Match": version},
        )
        assert second.status_code == 412
        assert second.json()["type"] == "urn:kelisim:problem:precondition-failed"
        now = await client.get(f"/api/v1/notifications/rules/{rule_id}", headers=admin(settings))
        assert now.json()["enabled"] is True and now.json()["email"] is True


async def test_if_match_takes_a_list_of_tags_but_never_a_weak_one(settings):
    async with running("notifications", settings) as client:
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        path = f"/api/v1/notifications/rules/{rules[0]['id']}"
        version = (await client.get(path, headers=admin(settings))).headers["etag"]
        weak = await client.patch(
            path, json={"email": True}, headers={**admin(settings), "If-Match": f"W/{version}"}
        )
        problem = assert_problem(weak, 412, "precondition-failed")
        assert problem["etag"] == version
        listed = await client.patch(
            path,
            json={"email": True},
            headers={**admin(settings), "If-Match": f'"stale", {version}'},
        )
        assert listed.status_code == 200, listed.text


async def test_a_cursor_this_service_never_gave_out_is_a_bad_request(settings):
    async with running("notifications", settings) as client:
        reader = bearer(settings, "notifications", sub="r", roles=["coordinator"])
        for cursor in ("99999999999999999999", "not-a-cursor", "WzEsMl0"):
            inbox = await client.get(
                "/api/v1/notifications/inbox", params={"cursor": cursor}, headers=reader
            )
            assert_problem(inbox, 400, "bad-cursor")
            deliveries = await client.get(
                "/api/v1/notifications/deliveries",
                params={"cursor": cursor},
                headers=admin(settings),
            )
            assert_problem(deliveries, 400, "bad-cursor")


async def test_a_repeated_create_with_the_same_idempotency_key_creates_once(settings):
    async with running("notifications", settings) as client:
        body = {"subject": "cases.case.overdue", "role": "analyst", "scope": "all"}
        headers = {**admin(settings), "Idempotency-Key": "rule-analyst-1"}
        first = await client.post("/api/v1/notifications/rules", json=body, headers=headers)
        again = await client.post("/api/v1/notifications/rules", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
        other = await client.post(
            "/api/v1/notifications/rules", json={**body, "scope": "region"}, headers=headers
        )
        assert other.status_code == 422
        assert other.json()["type"] == "urn:kelisim:problem:idempotency-key-reused"
        rules = items_of(await client.get("/api/v1/notifications/rules", headers=admin(settings)))
        added = [r for r in rules if r["role"] == "analyst" and r["subject"] == body["subject"]]
        assert len(added) == 1


async def test_an_smtp_outage_delays_an_email_but_never_loses_or_doubles_it(settings, producer):
    port = free_port()
    live = settings.model_copy(update={"smtp_port": port})
    async with running("notifications", live) as client:
        producer.user("aigerim", roles=["mediator"], regions=["KZ-75"], lang="kk")
        await eventually(lambda: _recipients(client, live, 1), what="the recipient known")
        producer.emit(overdue("aigerim"))
        ctx = client.app.state.ctx  # type: ignore[attr-defined]

        def failed_attempts() -> int:
            with Session(ctx.engine) as session:
                rows = session.exec(select(EmailMessage)).all()
            return sum(r.attempts for r in rows if r.last_error and r.status == "pending")

        await eventually(failed_attempts, what="a failed attempt while the server is down")
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            await eventually(
                lambda: mailbox.to("aigerim@example.kz"), what="the mail after the outage"
            )
        finally:
            controller.stop()
    assert [m["Subject"] for m in mailbox.to("aigerim@example.kz")] == [
        "KZ-75-2026-000042 іс мерзімі өткен"
    ]
    assert len(mailbox.messages) == 1


async def test_an_unreadable_event_is_set_aside_for_the_admin(settings):
    async with running("notifications", settings) as client:
        nc = await nats.connect(settings.nats_url)
        try:
            # Two poison messages, told apart by their message ids (the dead letter's key).
            for n, data in enumerate([b"{not json", b"[also not an envelope"]):
                headers = {"Nats-Msg-Id": f"poison-{n}"}
                await nc.jetstream().publish("cases.case.overdue", data, headers=headers)
        finally:
            await nc.close()

        async def listed():  # type: ignore[no-untyped-def]
            response = await client.get(
                "/api/v1/notifications/dead-letters", headers=admin(settings)
            )
            found = items_of(response)
            return found if len(found) == 2 else None

        both = await eventually(listed, what="the poison messages in the dead letters")
        assert {d["subject"] for d in both} == {"cases.case.overdue"}
        assert all("unreadable" in d["error"] for d in both)
        # Newest first, a page at a time.
        first = await client.get(
            "/api/v1/notifications/dead-letters", params={"limit": 1}, headers=admin(settings)
        )
        assert first.json()["items"] == both[:1] and first.json()["next_cursor"]
        rest = await client.get(
            "/api/v1/notifications/dead-letters",
            params={"limit": 1, "cursor": first.json()["next_cursor"]},
            headers=admin(settings),
        )
        assert items_of(rest) == both[1:]
        coordinator = bearer(settings, "notifications", sub="c", roles=["coordinator"])
        refused = await client.get("/api/v1/notifications/dead-letters", headers=coordinator)
        assert refused.status_code == 403


async def test_an_escalation_not_accepted_in_time_is_emailed_to_the_coordinators(
    settings, producer, smtp
):
    mailbox, port = smtp
    fast = settings.model_copy(update={"smtp_port": port, "escalation_ack_alert_hours": 0.0015})
    async with running("notifications", fast) as client:
        producer.user("dana", roles=["coordinator"], regions=["KZ-75"], lang="ru")
        producer.user("farther", roles=["coordinator"], regions=["KZ-71"], lang="ru")
        await eventually(lambda: _recipients(client, fast, 2), what="the recipient directory")
        producer.escalate("KZ-75", risk="critical")

        def alerts() -> list:  # the escalation's own notice comes first, then the alert
            return [
                m
                for m in mailbox.to("dana@example.kz")
                if m["Subject"].startswith("Информирование не принято")
            ]

        await eventually(alerts, what="the alert by e-mail")
    (mail,) = alerts()
    assert "не приняли информирование" in mail.get_content()
    assert mailbox.to("farther@example.kz") == []
