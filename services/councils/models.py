"""The councils service's tables: its domain tables and the backbone tables, on one MetaData."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.tables import backbone_tables

metadata = MetaData()
backbone = backbone_tables(metadata)


class CouncilsModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the councils service's SQLModel tables."""


def _now() -> datetime:
    return datetime.now(UTC)


class Council(CouncilsModel, table=True):
    """A Public Accord council at its level."""

    __tablename__ = "council"

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    name: str = Field(max_length=300)
    level: str = Field(max_length=20)
    region: str | None = Field(default=None, index=True, max_length=8)
    created_at: datetime = Field(default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False))
