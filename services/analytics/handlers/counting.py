"""Incrementing counters inside the consuming transaction (an upsert on both backends)."""

from __future__ import annotations

import functools

from sqlalchemy.sql.expression import Executable

from kelisim.clock import now
from kelisim.db import table_of, upsert_for
from kelisim.uow import UnitOfWork
from services.analytics.cube_schedule import mark_changed
from services.analytics.measures import NOW
from services.analytics.models import Counter


def bump(
    uow: UnitOfWork, measure: str, region: str, dim: str, periods: tuple[str, ...], by: float = 1
) -> None:
    """Add `by` to the counter of each period (created at 0 when missing); its cubes are due."""
    rows = [
        {"measure": measure, "region": region, "dim": dim, "period": p, "value": by}
        for p in periods
    ]
    if rows:
        uow.conn.execute(_bump_statement(uow.conn.dialect.name), rows)
    mark_changed(uow.conn, measure, periods, now())


@functools.cache
def _bump_statement(dialect: str) -> Executable:
    """One upsert for every counter row, built once per backend and run for many rows
    (building and cache-keying a statement per period cost more than running it)."""
    table = table_of(Counter)
    insert = upsert_for(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=["measure", "region", "dim", "period"],
        set_={"value": table.c.value + insert.excluded.value},
    )


def bump_stock(uow: UnitOfWork, measure: str, region: str, dim: str, by: float) -> None:
    """Move a stock (a count of what is in a state now)."""
    bump(uow, measure, region, dim, (NOW,), by)
