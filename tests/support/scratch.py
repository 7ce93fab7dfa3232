"""A scratch service database for backbone tests: the backbone tables plus an `applied` table."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.engine import Engine

from kelisim.db import reader
from kelisim.tables import Backbone, backbone_tables

metadata = MetaData()
backbone: Backbone = backbone_tables(metadata)
# No unique constraint on purpose: a double application would show up as two rows.
applied = Table(
    "applied",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("aggregate", String(200), nullable=False),
)


def counts(engine: Engine) -> tuple[int, int]:
    """(rows applied, distinct events applied), read without waiting for a writer."""
    with reader(engine).connect() as conn:
        total = conn.execute(select(func.count()).select_from(applied)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(applied.c.event_id)))).scalar_one()
    return total, distinct
