"""E-mail delivery over SMTP from the `email_outbox` table, with digests.

Messages are written in the event's transaction; this worker claims due rows (pushing
their next attempt past the SMTP timeout first), sends them with aiosmtplib and marks
them sent. Every message carries a stable `Message-ID` (its row id): after a crash between
the server's acceptance and the mark, the retry is the same message, which mail systems
recognise as a duplicate. Held messages of digest users are batched into one mail.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage as MimeMessage

import aiosmtplib
import structlog
from sqlmodel import col, select

from kelisim.service import ServiceContext
from kelisim.uow import UnitOfWork
from services.notifications import messages
from services.notifications.leased import run_leased
from services.notifications.models import EmailMessage, aware, now_utc

log = structlog.get_logger("kelisim.notifications.mail")
LEASE = "notifications-mail"
BATCH = 20


@dataclass(frozen=True)
class Mail:
    """A claimed e-mail."""

    id: str
    to_address: str
    lang: str
    subject: str
    body: str


def batch_digests(ctx: ServiceContext) -> int:
    """Fold each digest user's held messages into one digest once the oldest is due."""
    due = now_utc() - timedelta(minutes=ctx.settings.notifications_digest_minutes)
    made = 0
    with UnitOfWork(ctx.engine, ctx.tables, source=ctx.source) as uow:
        held = uow.session.exec(
            select(EmailMessage)
            .where(EmailMessage.status == "held")
            .order_by(col(EmailMessage.username), col(EmailMessage.created_at))
        ).all()
        by_user: dict[str, list[EmailMessage]] = {}
        for message in held:
            by_user.setdefault(message.username, []).append(message)
        for username, items in by_user.items():
            if aware(items[0].created_at) > due:  # type: ignore[operator]
                continue
            first = items[0]
            subject, body = messages.digest(
                first.lang, [(m.subject, m.body.split("\n\n")[0]) for m in items]
            )
            digest = EmailMessage(
                username=username,
                to_address=items[-1].to_address,
                lang=first.lang,
                subject=subject,
                body=body,
            )
            uow.session.add(digest)
            for message in items:
                message.status = "batched"
                message.digest_id = digest.id
                uow.session.add(message)
            uow.audit("email.digest_batched", "email", digest.id, after={"count": len(items)})
            made += 1
        uow.commit()
    return made


def claim_due(ctx: ServiceContext, limit: int = BATCH) -> list[Mail]:
    """Take pending e-mails and push their next attempt past the SMTP call."""
    now = now_utc()
    hold = timedelta(seconds=ctx.settings.smtp_timeout_seconds * 2 + 5)
    with UnitOfWork(ctx.engine, ctx.tables, source=ctx.source) as uow:
        rows = uow.session.exec(
            select(EmailMessage)
            .where(EmailMessage.status == "pending")
            .where(col(EmailMessage.next_attempt_at) <= now)
            .order_by(col(EmailMessage.next_attempt_at), col(EmailMessage.id))
            .limit(limit)
        ).all()
        mails = []
        for row in rows:
            row.next_attempt_at = now + hold
            uow.session.add(row)
            mails.append(Mail(row.id, row.to_address, row.lang, row.subject, row.body))
        uow.commit()
    return mails


def mime(ctx: ServiceContext, mail: Mail) -> MimeMessage:
    message = MimeMessage()
    message["From"] = ctx.settings.smtp_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{mail.id}@kelisim>"
    message.set_content(mail.body)
    message["Content-Language"] = mail.lang
    return message


def mark(ctx: ServiceContext, mail: Mail, error: str | None) -> None:
    """Mark an e-mail sent, or schedule its retry (failed after the last attempt)."""
    settings = ctx.settings
    with UnitOfWork(ctx.engine, ctx.tables, source=ctx.source) as uow:
        row = uow.session.get(EmailMessage, mail.id)
        if row is None or row.status != "pending":
            return
        row.attempts += 1
        if error is None:
            row.status = "sent"
            row.sent_at = now_utc()
        else:
            row.last_error = error[:2000]
            if row.attempts >= settings.notifications_email_max_attempts:
                row.status = "failed"
            else:
                delay = min(2**row.attempts * settings.notifications_poll_seconds, 3600)
                row.next_attempt_at = now_utc() + timedelta(seconds=delay)
        uow.session.add(row)
        action = "email.attempt_failed" if row.status == "pending" else "email." + row.status
        uow.audit(action, "email", row.id, after={"attempts": row.attempts})
        uow.commit()


async def send_due(ctx: ServiceContext) -> int:
    """Send every due e-mail once; returns how many were attempted."""
    settings = ctx.settings
    mails = await asyncio.to_thread(claim_due, ctx)
    for mail in mails:
        try:
            await aiosmtplib.send(
                mime(ctx, mail),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
            error = None
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("mail.send_failed", email=mail.id, error=error)
        await asyncio.to_thread(mark, ctx, mail, error)
    return len(mails)


async def mail_round(ctx: ServiceContext) -> int:
    """Fold due digests, then send due e-mails; returns how many were attempted."""
    await asyncio.to_thread(batch_digests, ctx)
    return await send_due(ctx)


async def mail_worker(ctx: ServiceContext) -> None:
    """Batch digests and send e-mails forever; one replica at a time holds the lease."""
    await run_leased(ctx, LEASE, lambda: mail_round(ctx))
