"""The outgoing mail as the admin reads it: what was written to whom, and whether it went."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter

from fastapi import APIRouter
from sqlmodel import col, select

from kelisim import pagination
from kelisim.db import table_of
from kelisim.pagination import Cursor, Limit, Page
from kelisim.service import ContextDep, reading
from services.notifications.api.common import PREFIX
from services.notifications.models import EmailMessage
from services.notifications.permissions import Admin
from services.notifications.schemas import EmailPublic

router = APIRouter(prefix=PREFIX, tags=["notifications"])


@router.get("/emails", response_model=Page[EmailPublic])
def list_emails(
    principal: Admin,
    ctx: ContextDep,
    to: str | None = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
) -> Page[EmailPublic]:
    """E-mails written for people, newest first (by when they were written; ids are random,
    so they only break ties); `to` filters."""
    query = select(EmailMessage)
    if to:
        query = query.where(EmailMessage.to_address == to)
    if cursor:
        at, after = pagination.decode(cursor, datetime, str)
        table = table_of(EmailMessage)  # its columns
        query = query.where(
            pagination.after([table.c.created_at, table.c.id], [at, after], descending=True)
        )
    order = (col(EmailMessage.created_at).desc(), col(EmailMessage.id).desc())
    with reading(ctx) as session:
        rows = session.exec(query.order_by(*order).limit(limit + 1)).all()
    page, next_cursor = pagination.page(rows, limit, attrgetter("created_at", "id"))
    items = [EmailPublic.model_validate(r, from_attributes=True) for r in page]
    return Page[EmailPublic](items=items, next_cursor=next_cursor)
