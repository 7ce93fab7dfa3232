"""The per-mediator caseload, kept as counters in the same transaction as the case change.

Every flush that inserts or changes a `Case` adds its old contribution with -1 and its new one
with +1 to `mediator_load` (active cases by region, mediator and state) and `mediator_term`
(cases in mediation by the day their term ends). A mapper event does it, so no handler can
forget it and the counters commit or roll back with the case. Reading the caseload is then a
few rows per mediator: overdue = in mediation - those whose term ends today or later (a
bounded, future range), instead of a scan of the region's cases.

The same flush sets a new random token on the region's `caseload_version` row. A caseload
computed once is served again, without summing the counters, to a reader who finds the same
tokens for its regions on the same day: one row read by key. The tokens are read before the
counters, so what is kept under a token is at least as new as the token (on PostgreSQL's
read committed a later commit may already show; on SQLite both reads see one snapshot). A
token is random and never set twice, so no other database, rolled-back flush or rebuild can
meet a kept caseload; a region without a token row is computed every time.
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import date
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    bindparam,
    delete,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy import case as case_when
from sqlalchemy.orm import Mapper
from sqlmodel import Session

from kelisim.clock import random_id
from kelisim.db import DriverStatement, table_of, upsert
from services.cases.lifecycle import ACTIVE, IN_MEDIATION, SETTLED
from services.cases.models import Case, CaseloadVersion, MediatorLoad, MediatorTerm
from services.cases.schemas import CaseloadRow

LOAD: Table = table_of(MediatorLoad)
TERM: Table = table_of(MediatorTerm)
VERSION: Table = table_of(CaseloadVersion)
Key = tuple[Table, tuple[Any, ...]]
FIELDS = ("mediator", "assigned", "in_mediation", "settled", "overdue")
_ROWS = TypeAdapter(list[CaseloadRow])
# Caseloads computed, by (regions, mediator, day, the regions' tokens); emptied when full.
_KEPT: dict[tuple[Any, ...], list[CaseloadRow]] = {}
KEPT_AT_MOST = 1024


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


def _renew(connection: Connection, regions: set[str]) -> None:
    """Give each region a new caseload token (in the same transaction as its counters)."""
    for region in sorted(regions):
        stmt = upsert(connection, VERSION).values(region=region, token=random_id())
        connection.execute(
            stmt.on_conflict_do_update(
                index_elements=["region"], set_={"token": stmt.excluded.token}
            )
        )


def _apply(connection: Connection, delta: Counter[Key]) -> None:
    """Add the non-zero deltas, in a fixed order (no lock-order deadlocks); drop empty rows.

    The regions' tokens come first: `caseload_version` sorts before the counter tables."""
    changes = sorted(((t.name, k, n, t) for (t, k), n in delta.items() if n), key=lambda c: c[:2])
    _renew(connection, {key[0] for _, key, _, _ in changes})
    for _, key, n, table in changes:
        names = [c.name for c in table.primary_key.columns]
        stmt = upsert(connection, table).values({**dict(zip(names, key, strict=True)), "cases": n})
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


@functools.cache
def _caseload_query(many_regions: bool, one_mediator: bool) -> Select[Any]:
    """Active cases per mediator, a row each, summed in the database from the counters.

    Overdue = in mediation - those whose term ends today or later: one seek per mediator in
    the covering index (region, mediator, deadline, cases), a bounded future range.
    """

    def in_regions(table: Table) -> ColumnElement[bool]:
        if many_regions:
            return table.c.region.in_(bindparam("regions", expanding=True))
        return table.c.region == bindparam("region")

    not_due = (
        select(func.coalesce(func.sum(TERM.c.cases), 0))
        .where(
            in_regions(TERM),
            TERM.c.mediator == LOAD.c.mediator,
            TERM.c.deadline >= bindparam("today", type_=TERM.c.deadline.type),
        )
        .scalar_subquery()
    )

    def of(status: str) -> ColumnElement[Any]:
        return func.sum(case_when((LOAD.c.status == status, LOAD.c.cases), else_=0))

    in_mediation = of(IN_MEDIATION)
    stmt = select(
        LOAD.c.mediator,
        func.sum(LOAD.c.cases),
        in_mediation,
        of(SETTLED),
        in_mediation - not_due,
    ).where(in_regions(LOAD), LOAD.c.cases > 0)
    if one_mediator:
        stmt = stmt.where(LOAD.c.mediator == bindparam("mediator"))
    return stmt.group_by(LOAD.c.mediator).order_by(LOAD.c.mediator)


def region_query(region: str, today: date) -> Select[Any]:
    """The caseload statement of one region with its values (for EXPLAIN and benchmarks)."""
    return _caseload_query(False, False).params(region=region, today=today)


@functools.cache
def _tokens_query(many_regions: bool) -> Select[Any]:
    if many_regions:
        where = VERSION.c.region.in_(bindparam("regions", expanding=True))
    else:
        where = VERSION.c.region == bindparam("region")
    return select(VERSION.c.region, VERSION.c.token).where(where)


def _params(regions: list[str], today: date, mediator: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"today": today, "mediator": mediator}
    params.update({"regions": regions} if len(regions) != 1 else {"region": regions[0]})
    return params


def computed_rows(
    session: Session, regions: list[str], today: date, mediator: str | None = None
) -> list[CaseloadRow]:
    """Active cases per mediator of the regions (or of one mediator), summed from the counters."""
    stmt = _caseload_query(len(regions) != 1, mediator is not None)
    conn = session.connection()
    found = DriverStatement.of(stmt, conn.dialect).rows(conn, _params(regions, today, mediator))
    return _ROWS.validate_python([dict(zip(FIELDS, row, strict=True)) for row in found])


def caseload_rows(
    session: Session, regions: list[str], today: date, mediator: str | None = None
) -> list[CaseloadRow]:
    """The caseload as `computed_rows` gives it, kept from an earlier read while the regions'
    tokens are the same."""
    conn = session.connection()
    tokens_query = DriverStatement.of(_tokens_query(len(regions) != 1), conn.dialect)
    tokens = dict(tokens_query.rows(conn, _params(regions, today, mediator)))
    if len(tokens) != len(set(regions)):  # a region without a token: nothing to keep under
        return computed_rows(session, regions, today, mediator)
    key = (tuple(regions), mediator, today, tuple(tokens[r] for r in regions))
    kept = _KEPT.get(key)
    if kept is None:
        kept = computed_rows(session, regions, today, mediator)
        if len(_KEPT) >= KEPT_AT_MOST:
            _KEPT.clear()
        _KEPT[key] = kept
    return list(kept)


def rebuild(connection: Connection) -> None:
    """Recount every counter from the cases (after a bulk load that bypassed the ORM), and
    give every region counted a new token."""
    connection.execute(delete(LOAD))
    connection.execute(delete(TERM))
    connection.execute(delete(VERSION))
    case = table_of(Case)
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
    _renew(connection, set(connection.execute(select(LOAD.c.region).distinct()).scalars()))
