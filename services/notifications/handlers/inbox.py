"""The in-app inbox: a reader marks one notification, or all of theirs, read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from kelisim.commands import Command
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.notifications.models import Notification, NotificationRead
from services.notifications.queries import unread_condition, visible_to


@dataclass(frozen=True, kw_only=True)
class MarkRead(Command):
    notification_id: str


@dataclass(frozen=True, kw_only=True)
class MarkAllRead(Command):
    pass


def mark_read(cmd: MarkRead, uow: UnitOfWork) -> None:
    """Mark one of the caller's notifications read (idempotent)."""
    reader = cmd.principal
    note = uow.session.exec(
        select(Notification).where(Notification.id == cmd.notification_id, visible_to(reader))
    ).first()
    if note is None:
        raise Problem(404, "not-found", "No such notification in your inbox.")
    if uow.session.get(NotificationRead, (note.id, reader.sub)) is None:
        uow.session.add(NotificationRead(notification_id=note.id, username=reader.sub))
        uow.audit("notification.read", "notification", note.id, after={"by": reader.sub})


def mark_all_read(cmd: MarkAllRead, uow: UnitOfWork) -> int:
    """Mark every unread notification of the caller read; how many were."""
    reader = cmd.principal
    ids = uow.session.exec(select(Notification.id).where(unread_condition(reader))).all()
    for note_id in ids:
        uow.session.add(NotificationRead(notification_id=note_id, username=reader.sub))
    if ids:
        uow.audit("notification.read_all", "inbox", reader.sub, after={"count": len(ids)})
    return len(ids)
