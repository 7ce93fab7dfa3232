"""Thin routes of the notifications service."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlmodel import col, select

from kelisim.db import new_session
from kelisim.service import ContextDep, CurrentPrincipal
from services.notifications.models import Notification

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class NotificationPublic(BaseModel):
    id: str
    topic: str
    region: str | None
    summary: str
    created_at: datetime


@router.get("", response_model=list[NotificationPublic])
def my_notifications(principal: CurrentPrincipal, ctx: ContextDep):
    """Notifications addressed to the caller's roles within the caller's regions."""
    with new_session(ctx.engine) as session:
        rows = session.exec(
            select(Notification)
            .where(col(Notification.audience_role).in_(sorted(principal.roles)))
            .where(col(Notification.region).in_(sorted(principal.regions)))
            .order_by(col(Notification.created_at).desc())
            .limit(100)
        ).all()
    return [NotificationPublic.model_validate(r, from_attributes=True) for r in rows]
