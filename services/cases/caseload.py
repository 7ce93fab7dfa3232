"""The per-mediator caseload, kept as counters in the same transaction as the case change.

Every flush that inserts or changes a `Case` adds its old contribution with -1 and its new one
with +1 to `mediator_load` (active cases by region, mediator and state) and `mediator_term`
(cases in mediation by the day their term ends). A mapper event does it, so no handler can
forget it and the counters commit or roll back with the case. Reading the caseload is then a
few rows per mediator: overdue = in mediation - those whose term ends today or later (a
bounded, future range), instead of a scan of the region's cases.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper
from sqlmodel import Session, col

from services.cases.lifecycle import ACTIVE, IN_MEDIATION, SETTLED
from services.cases.models import Case, MediatorLoad, MediatorTerm
from services.cases.schemas import CaseloadRow

LOAD: Table = MediatorLoad.__table__  # type: ignore[attr-defined]
TERM: Table = MediatorTerm.__table__  # type: ignore[attr-defined]
Key = tuple[Table, tuple[Any, ...]]


def contributions(
    region: str, mediator: str | None, status: str, deadline: date | None
) -> list[Key]:
    """The counter rows one case in this state counts in."""
    if mediator is None or status not in ACTIVE:
        return []
    keys: list[Key] = [(LOAD, (region, mediator, status))]
    if status == IN_MEDIATION and deadline is not None:
        keys.append((TERM, (region, mediator, deadline)))
    return keys


def _before(case: Case, name: str) -> Any:
    history = inspect(case).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else getattr(case, name)


def _apply(connection: Connection, delta: Counter[Key]) -> None:
    """Add the non-zero deltas, in a fixed order (no lock-order deadlocks); drop empty rows."""
    changes = sorted(((t.name, k, n, t) for (t, k), n in delta.items() if n), key=lambda c: c[:2])
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for _, key, n, table in changes:
        names = [c.name for c in table.primary_key.columns]
        stmt = insert(table).values({**dict(zip(names, key, strict=True)), "cases": n})
        connection.execute(
            stmt.on_conflict_do_update(
                index_elements=names, set_={"cases": table.c.cases + stmt.excluded.cases}
            )
        )
        if n < 0:
            where = [table.c[name] == value for name, value in zip(names, key, strict=True)]
            connection.execute(delete(table).where(*where, table.c.cases <= 0))


@event.listens_for(Case, "after_insert")
def _inserted(_mapper: Mapper[Case], connection: Connection, case: Case) -> None:
    delta: Counter[Key] = Counter()
    delta.update(contributions(case.region, case.mediator, case.status, case.deadline))
    _apply(connection, delta)


@event.listens_for(Case, "before_update")
def _updated(_mapper: Mapper[Case], connection: Connection, case: Case) -> None:
    names = ("region", "mediator", "status", "deadline")
    old = contributions(*(_before(case, n) for n in names))
    new = contributions(case.region, case.mediator, case.status, case.deadline)
    delta: Counter[Key] = Counter(new)
    delta.subtract(old)
    _apply(connection, delta)


def caseload_rows(session: Session, regions: list[str], today: date) -> list[CaseloadRow]:
    """Active cases per mediator of the regions, read from the counters."""
    counts: dict[str, Counter[str]] = {}
    loads = select(LOAD.c.mediator, LOAD.c.status, LOAD.c.cases).where(
        LOAD.c.region.in_(regions), LOAD.c.cases > 0
    )
    for mediator, status, cases in session.connection().execute(loads):
        counts.setdefault(mediator, Counter())[status] += cases
    running = (
        select(TERM.c.mediator, func.sum(TERM.c.cases))
        .where(TERM.c.region.in_(regions), col(TERM.c.deadline) >= today)
        .group_by(TERM.c.mediator)
    )
    not_due = {m: n for m, n in session.connection().execute(running)}
    return [
        CaseloadRow(
            mediator=mediator,
            assigned=sum(c.values()),
            in_mediation=c[IN_MEDIATION],
            settled=c[SETTLED],
            overdue=c[IN_MEDIATION] - int(not_due.get(mediator, 0)),
        )
        for mediator, c in sorted(counts.items())
    ]


def rebuild(connection: Connection) -> None:
    """Recount every counter from the cases (after a bulk load that bypassed the ORM)."""
    connection.execute(delete(LOAD))
    connection.execute(delete(TERM))
    case = Case.__table__  # type: ignore[attr-defined]
    mine = [case.c.mediator.is_not(None)]
    by_status = (
        select(case.c.region, case.c.mediator, case.c.status, func.count())
        .where(*mine, case.c.status.in_(sorted(ACTIVE)))
        .group_by(case.c.region, case.c.mediator, case.c.status)
    )
    by_term = (
        select(case.c.region, case.c.mediator, case.c.deadline, func.count())
        .where(*mine, case.c.status == IN_MEDIATION, case.c.deadline.is_not(None))
        .group_by(case.c.region, case.c.mediator, case.c.deadline)
    )
    connection.execute(
        LOAD.insert().from_select(["region", "mediator", "status", "cases"], by_status)
    )
    connection.execute(
        TERM.insert().from_select(["region", "mediator", "deadline", "cases"], by_term)
    )
