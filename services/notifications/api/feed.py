"""The pull feed for law enforcement: escalations of the caller's regions, and acceptance.

A liaison reads and accepts only their own regions' escalations; coordinators read their
regions' escalations with the receipt state; an admin reads every region.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from kelisim import pagination
from kelisim.pagination import Cursor, Limit
from kelisim.service import ContextDep, reading
from services.notifications import permissions, queries
from services.notifications.api.common import PREFIX
from services.notifications.handlers.escalations import (
    AcknowledgeEscalation,
    acknowledge_escalation,
)
from services.notifications.permissions import FeedReader, Liaison
from services.notifications.schemas import Feed, FeedItem

router = APIRouter(prefix=f"{PREFIX}/feed", tags=["liaison"])


@router.get("", response_model=Feed)
def feed(
    principal: FeedReader,
    ctx: ContextDep,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
    region: str | None = None,
    unacknowledged: bool = False,
) -> Feed:
    """Escalations of the caller's regions, oldest first, after the cursor.

    Poll it: `next_cursor` stays on every page, the last one included, so asking with it
    later returns only the escalations that arrived since.
    """
    regions = permissions.feed_regions(principal, region)
    with reading(ctx) as session:
        return queries.feed(session, regions, cursor, limit, unacknowledged)


@router.post("/{escalation_id}/ack", response_model=FeedItem)
def acknowledge(
    escalation_id: str, request: Request, principal: Liaison, ctx: ContextDep
) -> FeedItem:
    """The liaison accepts an escalation of their region (receipt, beyond delivery)."""
    cmd = AcknowledgeEscalation(principal=principal, escalation_id=escalation_id)
    return queries.feed_item(ctx.run(request, acknowledge_escalation, cmd))
