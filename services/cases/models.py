"""The cases service's tables: its domain tables and the backbone tables, on one MetaData."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, MetaData
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.tables import backbone_tables

metadata = MetaData()
backbone = backbone_tables(metadata)


class CasesModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the cases service's SQLModel tables."""


def _now() -> datetime:
    return datetime.now(UTC)


class Case(CasesModel, table=True):
    """A mediation case."""

    __tablename__ = "case"

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    number: str = Field(index=True, unique=True, max_length=40)
    region: str = Field(index=True, max_length=8)
    category: str = Field(max_length=40)
    description: str = Field(default="")
    status: str = Field(default="registered", index=True, max_length=30)
    registered_by: str = Field(max_length=100)
    registered_at: datetime = Field(default_factory=_now, sa_column=Column(DateTime(timezone=True), nullable=False))
