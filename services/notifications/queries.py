"""The read side of notifications: what routes and handlers read, never what they change.

Cursors are `kelisim.pagination` cursors: the inbox pages newest first by (created_at, id),
deliveries newest first by id, the feed oldest first by arrival sequence.
"""

from __future__ import annotations

import json
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from kelisim import pagination, webhooks
from kelisim.auth import Principal
from kelisim.bus.dead_letter import dead_letters
from kelisim.pagination import Page
from kelisim.preconditions import etag_of
from kelisim.problems import Problem
from kelisim.service import ServiceContext
from services.notifications import messages
from services.notifications.lifecycle import PENDING
from services.notifications.models import (
    Delivery,
    DeliveryAttempt,
    Escalation,
    LiaisonEndpoint,
    Notification,
    NotificationRead,
    Rule,
)
from services.notifications.schemas import (
    AttemptPublic,
    DeadLetterPublic,
    DeliveryDetail,
    DeliveryPublic,
    EndpointPublic,
    Feed,
    FeedItem,
    Inbox,
    InboxItem,
    NotificationPublic,
    RulePublic,
)


def etag(row: Rule | LiaisonEndpoint) -> str:
    """The `ETag` of a rule or an endpoint: its id and the time it last changed."""
    return etag_of({"id": row.id, "updated_at": row.updated_at})


def visible_to(principal: Principal):  # type: ignore[no-untyped-def]
    """SQL condition: the notifications addressed to this caller (a role's, unless the caller
    caused its event)."""
    role_match = and_(
        col(Notification.audience_role).in_(sorted(principal.roles)),
        or_(
            col(Notification.region).is_(None),
            col(Notification.region).in_(sorted(principal.regions)),
        ),
        or_(
            col(Notification.council_id).is_(None),
            col(Notification.council_id).in_(sorted(principal.councils)),
        ),
        or_(col(Notification.actor).is_(None), col(Notification.actor) != principal.sub),
    )
    addressed = or_(col(Notification.audience_user) == principal.sub, role_match)
    return and_(col(Notification.in_app).is_(True), addressed)


def unread_condition(principal: Principal):  # type: ignore[no-untyped-def]
    """SQL condition: the caller's notifications they have not read."""
    read = sa_select(NotificationRead.notification_id).where(
        NotificationRead.username == principal.sub
    )
    return and_(visible_to(principal), col(Notification.id).not_in(read))


def latest(
    session: Session, principal: Principal, cursor: str | None, limit: int
) -> Page[NotificationPublic]:
    """The caller's notifications, newest first, as neutral one-line summaries."""
    order = [col(Notification.created_at), col(Notification.id)]
    query = select(Notification).where(visible_to(principal))
    if cursor:
        key = pagination.decode(cursor, datetime, str)
        query = query.where(pagination.after(order, key, descending=True))
    query = query.order_by(*(c.desc() for c in order)).limit(limit + 1)
    found, next_cursor = pagination.page(
        session.exec(query).all(), limit, lambda r: (r.created_at, r.id)
    )
    return Page[NotificationPublic](
        items=[NotificationPublic.model_validate(r, from_attributes=True) for r in found],
        next_cursor=next_cursor,
    )


def inbox(
    session: Session, principal: Principal, cursor: str | None, limit: int, unread_only: bool
) -> Inbox:
    """The caller's in-app notifications, newest first, in their language, with unread count."""
    condition = unread_condition(principal) if unread_only else visible_to(principal)
    query = select(Notification).where(condition)
    if cursor:
        at, note_id = pagination.decode(cursor, datetime, str)
        query = query.where(
            pagination.after(
                [col(Notification.created_at), col(Notification.id)], [at, note_id], descending=True
            )
        )
    rows = session.exec(
        query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(
            limit + 1
        )
    ).all()
    page, next_cursor = pagination.page(rows, limit, attrgetter("created_at", "id"))
    read = set(
        session.exec(
            select(NotificationRead.notification_id)
            .where(NotificationRead.username == principal.sub)
            .where(col(NotificationRead.notification_id).in_([n.id for n in page]))
        ).all()
    )
    unread = session.exec(
        select(func.count()).select_from(Notification).where(unread_condition(principal))
    ).one()
    items = []
    for note in page:
        params = json.loads(note.params)
        title, body = messages.title_and_body(note.topic, principal.lang, params)
        items.append(
            InboxItem(
                id=note.id,
                topic=note.topic,
                title=title,
                body=body,
                region=note.region,
                council_id=note.council_id,
                created_at=note.created_at,
                read=note.id in read,
                refs=refs_of(note.topic, params),
            )
        )
    return Inbox(items=items, unread=unread, next_cursor=next_cursor)


# What a notice may link to: the ids its event carries (never a person's data).
REFS = (
    "case_ref",
    "session_id",
    "protocol_id",
    "council_id",
    "recommendation_id",
    "alert_id",
    "escalation_id",
    "note_id",
)
# Escalation notices written before they named their case hold the liaison's reference as
# `case_ref`, which is no case's id: they link to the escalations page instead.
ESCALATION_TOPICS = frozenset(
    {
        "cases.case.escalated",
        "notifications.escalation.unacknowledged",
        "notifications.escalation.acknowledged",
    }
)


def refs_of(topic: str, params: dict[str, Any]) -> dict[str, str]:
    """The ids a notice may link to."""
    refs = {k: str(params[k]) for k in REFS if isinstance(params.get(k), str)}
    if topic in ESCALATION_TOPICS and "number" not in params:
        refs.pop("case_ref", None)
    return refs


def rule_public(rule: Rule, _uow: object = None) -> RulePublic:
    """A rule as the API shows it."""
    return RulePublic.model_validate(rule, from_attributes=True)


def rules(session: Session) -> Page[RulePublic]:
    """Every notification rule, by subject (one page: a rule per subject and audience)."""
    rows = session.exec(select(Rule).order_by(col(Rule.subject), col(Rule.id))).all()
    return Page[RulePublic](items=[rule_public(r) for r in rows])


def rule(session: Session, rule_id: str) -> Rule:
    """One rule; 404 when there is none."""
    found = session.get(Rule, rule_id)
    if found is None:
        raise Problem(404, "not-found", "No such rule.")
    return found


def endpoint_public(row: LiaisonEndpoint) -> EndpointPublic:
    """An endpoint as the admin sees it: secrets masked, public keys in full."""
    return EndpointPublic(
        id=row.id,
        region=row.region,
        url=row.url,
        description=row.description,
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        failing_since=row.failing_since,
        secret_hints=[s[:10] + "…" for s in json.loads(row.secrets)],
        public_keys=[webhooks.public_key_of(k) for k in json.loads(row.signing_keys)],
        created_at=row.created_at,
    )


def endpoints(session: Session) -> Page[EndpointPublic]:
    """Every liaison endpoint, by region (one page: a few per region)."""
    query = select(LiaisonEndpoint).order_by(col(LiaisonEndpoint.region), col(LiaisonEndpoint.id))
    return Page[EndpointPublic](items=[endpoint_public(r) for r in session.exec(query).all()])


def endpoint(session: Session, endpoint_id: str) -> LiaisonEndpoint:
    """One endpoint; 404 when there is none."""
    found = session.get(LiaisonEndpoint, endpoint_id)
    if found is None:
        raise Problem(404, "not-found", "No such endpoint.")
    return found


def delivery_public(row: Delivery) -> DeliveryPublic:
    """A delivery as the admin sees it (its next attempt only while it is pending)."""
    shown = DeliveryPublic.model_validate(row, from_attributes=True)
    return shown if row.status == PENDING else shown.model_copy(update={"next_attempt_at": None})


def deliveries(
    session: Session,
    status: str | None,
    endpoint_id: str | None,
    cursor: str | None,
    limit: int,
) -> pagination.Page[DeliveryPublic]:
    """Deliveries, newest first (their ids are time-ordered)."""
    query = select(Delivery)
    if status:
        query = query.where(Delivery.status == status)
    if endpoint_id:
        query = query.where(Delivery.endpoint_id == endpoint_id)
    if cursor:
        (after,) = pagination.decode(cursor, str)
        query = query.where(col(Delivery.id) < after)
    rows = session.exec(query.order_by(col(Delivery.id).desc()).limit(limit + 1)).all()
    page, next_cursor = pagination.page(rows, limit, attrgetter("id"))
    return pagination.Page[DeliveryPublic](
        items=[delivery_public(r) for r in page], next_cursor=next_cursor
    )


def delivery(session: Session, delivery_id: str) -> DeliveryDetail:
    """One delivery with every attempt (status, latency, response code); 404 when none."""
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise Problem(404, "not-found", "No such delivery.")
    attempts = session.exec(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id == delivery_id)
        .order_by(col(DeliveryAttempt.attempt))
    ).all()
    history = [AttemptPublic.model_validate(a, from_attributes=True) for a in attempts]
    return DeliveryDetail(**delivery_public(row).model_dump(), history=history)


def consumer_dead_letters(
    ctx: ServiceContext, cursor: str | None, limit: int
) -> Page[DeadLetterPublic]:
    """Events this service could never apply (poison messages), newest first."""
    before = pagination.decode(cursor, int)[0] if cursor else None
    rows = dead_letters(ctx.engine, ctx.tables, before=before, limit=limit + 1)
    found, next_cursor = pagination.page(rows, limit, lambda r: (r["id"],))
    return Page[DeadLetterPublic](
        items=[DeadLetterPublic(**row) for row in found], next_cursor=next_cursor
    )


def feed_item(row: Escalation) -> FeedItem:
    """An escalation in the liaison subset, with its receipt."""
    return FeedItem.model_validate(row, from_attributes=True)


def feed(
    session: Session,
    regions: list[str] | None,
    cursor: str | None,
    limit: int,
    unacknowledged: bool,
) -> Feed:
    """Escalations of the regions (None: all), oldest first by arrival, after the cursor.

    The next cursor always moves to the last item returned, and stays put on an empty page,
    so a system can poll from it.
    """
    (after,) = pagination.decode(cursor, pagination.position) if cursor else (0,)
    query = select(Escalation).where(col(Escalation.seq) > after)
    if regions is not None:
        query = query.where(col(Escalation.region).in_(regions))
    if unacknowledged:
        query = query.where(col(Escalation.acknowledged_at).is_(None))
    rows = session.exec(query.order_by(col(Escalation.seq)).limit(limit + 1)).all()
    page = rows[:limit]
    next_cursor = pagination.encode(page[-1].seq) if page else (cursor or None)
    return Feed(
        items=[feed_item(r) for r in page], next_cursor=next_cursor, has_more=len(rows) > limit
    )
