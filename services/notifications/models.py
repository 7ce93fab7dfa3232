"""The notifications service's tables: its domain tables and the backbone tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.tables import backbone_tables

metadata = MetaData()
backbone = backbone_tables(metadata)


class NotificationsModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the notifications service's SQLModel tables."""


def _now() -> datetime:
    return datetime.now(UTC)


class Notification(NotificationsModel, table=True):
    """An in-app notification addressed to a role in a scope (region or council)."""

    __tablename__ = "notification"

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    source_event_id: str = Field(index=True, max_length=64)
    topic: str = Field(max_length=200)
    audience_role: str = Field(max_length=40)
    region: str | None = Field(default=None, index=True, max_length=8)
    summary: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False))
