"""The in-app inbox of staff: their notifications in their language, marked read."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim import pagination
from kelisim.pagination import Cursor, Limit, Page
from kelisim.service import ContextDep, reading, reads
from services.notifications import queries
from services.notifications.api.common import PREFIX
from services.notifications.handlers.inbox import MarkAllRead, MarkRead, mark_all_read, mark_read
from services.notifications.permissions import Staff
from services.notifications.schemas import Inbox, NotificationPublic

router = APIRouter(prefix=PREFIX, tags=["notifications"])


@router.get("", response_model=Page[NotificationPublic])
@reads
def my_notifications(
    principal: Staff,
    ctx: ContextDep,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
) -> Page[NotificationPublic]:
    """The caller's notifications, newest first, as neutral one-line summaries."""
    with reading(ctx) as session:
        return queries.latest(session, principal, cursor, limit)


@router.get("/inbox", response_model=Inbox)
@reads
def inbox(
    principal: Staff,
    ctx: ContextDep,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
    unread_only: bool = False,
) -> Inbox:
    """The caller's in-app notifications, newest first, in their language, with unread count."""
    with reading(ctx) as session:
        return queries.inbox(session, principal, cursor, limit, unread_only)


@router.post("/inbox/read-all")
def read_all(request: Request, principal: Staff, ctx: ContextDep) -> dict[str, int]:
    """Mark every notification of the caller read."""
    return {"marked": ctx.run(request, mark_all_read, MarkAllRead(principal=principal))}


@router.post("/inbox/{notification_id}/read", status_code=204)
def read_one(notification_id: str, request: Request, principal: Staff, ctx: ContextDep) -> Response:
    """Mark one notification of the caller read."""
    ctx.run(request, mark_read, MarkRead(principal=principal, notification_id=notification_id))
    return Response(status_code=204)
