"""People hear of what concerns them by e-mail: in their language, as a digest, past an outage."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from kelisim.events.cases import CaseDeadlineApproaching
from services.notifications.models import EmailMessage, Recipient
from tests.notifications.conftest import Mailbox, admin, eventually
from tests.notifications.people_support import overdue
from tests.support.nats import free_port
from tests.support.services import running


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
    assert [m["Subject"] for m in digest] == ["Келисим: уведомления (2)"]
    assert digest[0].get_content().count("просрочено") == 2
    # Nobody outside the audience, nobody inactive, and each mail once (stable Message-ID).
    assert mailbox.to("far@example.kz") == [] and mailbox.to("gone@example.kz") == []
    ids = [m["Message-ID"] for _, m in mailbox.messages]
    assert len(ids) == len(set(ids)) == 6
    # Each has the Date RFC 5322 requires, in UTC, when it was sent.
    for _, message in mailbox.messages:
        sent = parsedate_to_datetime(message["Date"])
        assert sent.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - sent) < timedelta(minutes=2)


async def _recipients(client, settings, n: int) -> bool:  # type: ignore[no-untyped-def]
    ctx = client.app.state.ctx
    with Session(ctx.engine) as session:
        return session.exec(select(func.count()).select_from(Recipient)).one() >= n


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


async def test_with_no_mail_server_an_email_is_recorded_as_not_sent_and_never_tried(
    settings, producer
):
    # The tests' settings: no SMTP server, no development mail sink (KELISIM_MAIL_SINK_PORT=0).
    assert settings.smtp_server() is None
    async with running("notifications", settings) as client:
        producer.user("aigerim", roles=["mediator"], regions=["KZ-75"], lang="kk")
        await eventually(lambda: _recipients(client, settings, 1), what="the recipient known")
        producer.emit(overdue("aigerim"))

        async def not_sent() -> list[dict]:
            page = await client.get("/api/v1/notifications/emails", headers=admin(settings))
            return [m for m in page.json()["items"] if m["status"] == "not_sent"]

        (mail,) = await eventually(not_sent, what="the e-mail recorded as not sent")
        ctx = client.app.state.ctx  # type: ignore[attr-defined]
        with Session(ctx.engine) as session:
            row = session.get(EmailMessage, mail["id"])
    assert mail["to_address"] == "aigerim@example.kz" and mail["attempts"] == 0
    assert row is not None and row.last_error is not None
    assert row.last_error.startswith("e-mail is off: no SMTP server")
