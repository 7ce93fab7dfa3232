"""Incrementing counters inside the consuming transaction (an upsert on both backends)."""

from __future__ import annotations

from kelisim.clock import now
from kelisim.db import upsert
from kelisim.uow import UnitOfWork
from services.analytics.cube import mark_changed
from services.analytics.measures import NOW
from services.analytics.models import Counter


def bump(
    uow: UnitOfWork, measure: str, region: str, dim: str, periods: tuple[str, ...], by: float = 1
) -> None:
    """Add `by` to the counter of each period (created at 0 when missing); its cubes are due."""
    table = Counter.__table__  # type: ignore[attr-defined]
    for period in periods:
        statement = upsert(uow.conn, table).values(
            measure=measure, region=region, dim=dim, period=period, value=by
        )
        statement = statement.on_conflict_do_update(
            index_elements=["measure", "region", "dim", "period"],
            set_={"value": table.c.value + by},
        )
        uow.conn.execute(statement)
    mark_changed(uow.conn, measure, periods, now())


def bump_stock(uow: UnitOfWork, measure: str, region: str, dim: str, by: float) -> None:
    """Move a stock (a count of what is in a state now)."""
    bump(uow, measure, region, dim, (NOW,), by)
