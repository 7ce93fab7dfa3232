"""E-mails in `email_outbox`: digests folded, due mails claimed, each send marked.

Messages are written in the event's transaction (`notify`); the mail worker claims due rows
(pushing their next attempt past the SMTP timeout first), sends them and marks them. A
digest reader's mails are held and folded into one digest once the oldest is due. With e-mail
off (no SMTP server, no mail sink) due mails are recorded as not sent, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from kelisim.clock import now
from kelisim.uow import UnitOfWork
from services.notifications import messages
from services.notifications.lifecycle import EMAIL, HELD, PENDING, move
from services.notifications.models import EmailMessage

RETRY_CEILING_SECONDS = 3600


@dataclass(frozen=True)
class BatchDigests:
    """Fold the held mails of each reader whose oldest was written before `due`."""

    due: datetime


@dataclass(frozen=True)
class ClaimMail:
    """Take up to `limit` due e-mails, holding each for `hold` (past the SMTP timeout)."""

    limit: int
    hold: timedelta


@dataclass(frozen=True)
class Mail:
    """A claimed e-mail."""

    id: str
    to_address: str
    lang: str
    subject: str
    body: str


@dataclass(frozen=True)
class MarkMail:
    """The result of one send (error None: accepted by the server) and the retry rule."""

    mail_id: str
    error: str | None
    max_attempts: int
    retry_base_seconds: float


@dataclass(frozen=True)
class LeaveUnsent:
    """E-mail is off: record up to `limit` due e-mails as not sent, for `reason`."""

    limit: int
    reason: str


def batch_digests(cmd: BatchDigests, uow: UnitOfWork) -> int:
    """Fold each digest reader's held messages into one digest; how many digests were made."""
    held = uow.session.exec(
        select(EmailMessage)
        .where(EmailMessage.status == HELD)
        .order_by(col(EmailMessage.username), col(EmailMessage.created_at))
    ).all()
    by_user: dict[str, list[EmailMessage]] = {}
    for message in held:
        by_user.setdefault(message.username, []).append(message)
    made = 0
    for username, items in by_user.items():
        first = items[0]
        if first.created_at > cmd.due:
            continue
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
            message.status = move(EMAIL, "batch", message.status)
            message.digest_id = digest.id
            uow.session.add(message)
        uow.audit("email.digest_batched", "email", digest.id, after={"count": len(items)})
        made += 1
    return made


def claim_mail(cmd: ClaimMail, uow: UnitOfWork) -> list[Mail]:
    """Take pending e-mails and push their next attempt past the SMTP call."""
    at = now()
    rows = uow.session.exec(
        select(EmailMessage)
        .where(EmailMessage.status == PENDING)
        .where(col(EmailMessage.next_attempt_at) <= at)
        .order_by(col(EmailMessage.next_attempt_at), col(EmailMessage.id))
        .limit(cmd.limit)
    ).all()
    mails = []
    for row in rows:
        row.next_attempt_at = at + cmd.hold
        uow.session.add(row)
        mails.append(Mail(row.id, row.to_address, row.lang, row.subject, row.body))
    return mails


def mark_mail(cmd: MarkMail, uow: UnitOfWork) -> None:
    """Mark an e-mail sent, or schedule its retry (failed after the last attempt)."""
    row = uow.session.get(EmailMessage, cmd.mail_id)
    if row is None or row.status != PENDING:
        return
    row.attempts += 1
    if cmd.error is None:
        row.status = move(EMAIL, "send", row.status)
        row.sent_at = now()
    else:
        row.last_error = cmd.error[:2000]
        if row.attempts >= cmd.max_attempts:
            row.status = move(EMAIL, "fail", row.status)
        else:
            delay = min(2**row.attempts * cmd.retry_base_seconds, RETRY_CEILING_SECONDS)
            row.next_attempt_at = now() + timedelta(seconds=delay)
    uow.session.add(row)
    action = "email.attempt_failed" if row.status == PENDING else "email." + row.status
    uow.audit(action, "email", row.id, after={"attempts": row.attempts})


def leave_unsent(cmd: LeaveUnsent, uow: UnitOfWork) -> int:
    """Record due e-mails as not sent (no attempt, no retry); how many."""
    rows = uow.session.exec(
        select(EmailMessage)
        .where(EmailMessage.status == PENDING)
        .where(col(EmailMessage.next_attempt_at) <= now())
        .order_by(col(EmailMessage.next_attempt_at), col(EmailMessage.id))
        .limit(cmd.limit)
    ).all()
    for row in rows:
        row.status = move(EMAIL, "leave_unsent", row.status)
        row.last_error = cmd.reason
        uow.session.add(row)
        uow.audit("email.not_sent", "email", row.id, after={"reason": cmd.reason})
    return len(rows)
