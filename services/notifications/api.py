"""Thin routes for people: the in-app inbox and the admin's notification rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import and_, func, or_
from sqlmodel import col, select

from kelisim.auth import Principal
from kelisim.db import new_session
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, actor_of
from services.notifications import handlers, messages
from services.notifications.audience import visible_to
from services.notifications.idempotency import create_once, etag
from services.notifications.models import Notification, NotificationRead, Rule, aware
from services.notifications.schemas import (
    Inbox,
    InboxItem,
    NotificationPublic,
    RuleCreate,
    RulePublic,
    RuleUpdate,
)

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def require_staff(principal: Principal) -> None:
    """A liaison reaches only the feed."""
    if not principal.roles - {"liaison"}:
        raise Problem(403, "forbidden", "A liaison account reaches only the escalation feed.")


def require_admin(principal: Principal) -> None:
    if not principal.has("admin"):
        raise Problem(403, "forbidden", "Only an admin manages notifications.")


@router.get("", response_model=list[NotificationPublic])
def my_notifications(principal: CurrentPrincipal, ctx: ContextDep):
    """The caller's latest notifications as neutral one-line summaries."""
    require_staff(principal)
    with new_session(ctx.engine) as session:
        rows = session.exec(
            select(Notification)
            .where(visible_to(principal))
            .order_by(col(Notification.created_at).desc())
            .limit(100)
        ).all()
    return [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]


def _inbox_cursor(raw: str | None):  # type: ignore[no-untyped-def]
    if not raw:
        return None
    stamp, _, note_id = raw.partition("_")
    if not stamp.isdigit() or not note_id:
        raise Problem(422, "invalid-cursor", "The cursor is not one this service gave out.")
    at = EPOCH + timedelta(microseconds=int(stamp))
    return or_(
        col(Notification.created_at) < at,
        and_(col(Notification.created_at) == at, col(Notification.id) < note_id),
    )


@router.get("/inbox", response_model=Inbox)
def inbox(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    unread_only: bool = False,
):
    """The caller's in-app notifications, newest first, in their language, with unread count."""
    require_staff(principal)
    condition = handlers.unread_condition(principal) if unread_only else visible_to(principal)
    query = select(Notification).where(condition)
    after = _inbox_cursor(cursor)
    if after is not None:
        query = query.where(after)
    with new_session(ctx.engine) as session:
        rows = session.exec(
            query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc()).limit(
                limit + 1
            )
        ).all()
        page = rows[:limit]
        read = set(
            session.exec(
                select(NotificationRead.notification_id)
                .where(NotificationRead.username == principal.sub)
                .where(col(NotificationRead.notification_id).in_([n.id for n in page]))
            ).all()
        )
        unread = session.exec(
            select(func.count())
            .select_from(Notification)
            .where(handlers.unread_condition(principal))
        ).one()
    items = []
    for note in page:
        title, body = messages.title_and_body(note.topic, principal.lang, json.loads(note.params))
        items.append(
            InboxItem(
                id=note.id,
                topic=note.topic,
                title=title,
                body=body,
                region=note.region,
                council_id=note.council_id,
                created_at=aware(note.created_at),  # type: ignore[arg-type]
                read=note.id in read,
            )
        )
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        stamp = (aware(last.created_at) - EPOCH) // timedelta(microseconds=1)  # type: ignore[operator]
        next_cursor = f"{stamp}_{last.id}"
    return Inbox(items=items, unread=unread, next_cursor=next_cursor)


@router.post("/inbox/read-all")
def read_all(request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """Mark every notification of the caller read."""
    require_staff(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        count = handlers.mark_all_read(principal, uow)
        uow.commit()
    return {"marked": count}


@router.post("/inbox/{notification_id}/read", status_code=204)
def read_one(notification_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """Mark one notification of the caller read."""
    require_staff(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        handlers.mark_read(notification_id, principal, uow)
        uow.commit()
    return Response(status_code=204)


def _rule_public(rule: Rule) -> RulePublic:
    return RulePublic.model_validate(rule, from_attributes=True)


@router.get("/rules", response_model=list[RulePublic])
def list_rules(principal: CurrentPrincipal, ctx: ContextDep):
    """Every notification rule."""
    require_admin(principal)
    with new_session(ctx.engine) as session:
        rules = session.exec(select(Rule).order_by(col(Rule.subject), col(Rule.id))).all()
        return [_rule_public(r) for r in rules]


@router.get("/rules/{rule_id}", response_model=RulePublic)
def get_rule(rule_id: str, response: Response, principal: CurrentPrincipal, ctx: ContextDep):
    """One rule, with its `ETag` for a later `If-Match`."""
    require_admin(principal)
    with new_session(ctx.engine) as session:
        rule = session.get(Rule, rule_id)
    if rule is None:
        raise Problem(404, "not-found", "No such rule.")
    response.headers["ETag"] = etag(rule.id, rule.updated_at)
    return _rule_public(rule)


@router.post("/rules", status_code=201, response_model=RulePublic)
async def create_rule(
    body: RuleCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep
):
    """Add a rule: an event subject, an audience and channels (`Idempotency-Key` honoured)."""
    require_admin(principal)
    return await create_once(
        ctx, request, principal, lambda uow: _rule_public(handlers.create_rule(body, uow))
    )


@router.patch("/rules/{rule_id}", response_model=RulePublic)
def update_rule(
    rule_id: str,
    body: RuleUpdate,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """Change a rule; with `If-Match`, only if nobody changed it since."""
    require_admin(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        rule = handlers.update_rule(rule_id, body, uow, request.headers.get("if-match"))
        uow.commit()
    response.headers["ETag"] = etag(rule.id, rule.updated_at)
    return _rule_public(rule)


@router.delete("/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: str, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """Remove a rule."""
    require_admin(principal)
    with ctx.uow(actor_of(request, principal)) as uow:
        handlers.delete_rule(rule_id, uow)
        uow.commit()
    return Response(status_code=204)
