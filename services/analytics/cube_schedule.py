"""Which protected cubes are due, and the cube worker's rounds and the rebuild that protect them.

Protecting a cube takes up to seconds, so it is materialised (`cube.build_cube`) by a leased
worker when its counters change (`cube_state.version`, bumped by `mark_changed` in the
consuming transaction), once they have been quiet for the debounce time; reads only ever see
a protected cube, the last one built, with its time.

The protection (numpy, scipy) is not imported when the service starts: the cube worker's first
round loads it (`first_round`), once the service is up and before any burst of events
makes a cube due; a replica that never holds the worker's lease never loads it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, or_
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim.db import new_session, table_of, upsert_for
from services.analytics.cube import IMPORTED, build_cube, cube_of
from services.analytics.measures import MEASURES
from services.analytics.models import Counter, CubeState, HistoryCount

# --- which cubes are due ------------------------------------------------------------------------


def mark_changed(conn: Connection, measure: str, periods: Iterable[str], at: datetime) -> None:
    """Note that counters of the cubes of `periods` changed (an upsert, in the caller's work)."""
    rows = [
        {"measure": measure, "cube": cube, "version": 1, "changed_at": at, "dirty_since": at}
        for cube in sorted({cube_of(p) for p in periods})
    ]
    if rows:
        conn.execute(_changed_statement(conn.dialect.name), rows)


@functools.cache
def _changed_statement(dialect: str) -> Executable:
    """The upsert of `mark_changed`, built once per backend, run for many cubes."""
    table = table_of(CubeState)
    insert = upsert_for(dialect, table).values(dims=[])
    return insert.on_conflict_do_update(
        index_elements=["measure", "cube"],
        set_={
            "version": table.c.version + 1,
            "changed_at": insert.excluded.changed_at,
            "dirty_since": func.coalesce(table.c.dirty_since, insert.excluded.dirty_since),
        },
    )


def seed(db: DbSession, at: datetime) -> int:
    """Mark due every cube that has counters or imported history but no state yet."""
    counted = select(Counter.measure, func.substr(Counter.period, 1, 4)).distinct()
    found: set[tuple[str, str]] = {(m, c) for m, c in db.execute(counted).all()}
    months = db.exec(select(col(HistoryCount.month)).distinct()).all()
    found |= {(IMPORTED, f"{month.year:04d}") for month in months}
    known = set(db.exec(select(CubeState.measure, CubeState.cube)).all())
    missing = sorted((m, c) for m, c in found - known if m in MEASURES)
    for measure, cube in missing:
        db.add(CubeState(measure=measure, cube=cube, changed_at=at, dirty_since=at))
    return len(missing)


def due(db: DbSession, at: datetime, debounce: float) -> list[tuple[str, str]]:
    """Cubes whose counters changed and have been quiet for `debounce` seconds (or waited ten
    times that under a steady stream of changes)."""
    quiet = at - timedelta(seconds=debounce)
    waited = at - timedelta(seconds=10 * debounce)
    rows = db.exec(
        select(CubeState.measure, CubeState.cube)
        .where(
            CubeState.built_version < CubeState.version,
            or_(col(CubeState.changed_at) <= quiet, col(CubeState.dirty_since) <= waited),
        )
        .order_by(col(CubeState.measure), col(CubeState.cube))
    ).all()
    return [(m, c) for m, c in rows]


def stale(db: DbSession) -> list[tuple[str, str]]:
    """Cubes whose published figures lag their counters."""
    rows = db.exec(
        select(CubeState.measure, CubeState.cube).where(CubeState.built_version < CubeState.version)
    ).all()
    return [(m, c) for m, c in rows]


# --- the worker's rounds and the rebuild --------------------------------------------------------


def first_round(engine: Engine, at: datetime) -> int:
    """The cube worker's first round: load the protection (numpy, scipy: about a second of a
    core), then mark due every cube with no state yet (an upgrade, a database restored from
    elsewhere); how many were marked."""
    from services.analytics.disclosure import load

    load()
    with new_session(engine) as db:
        seeded = seed(db, at)
        db.commit()
    return seeded


def protect_due(
    engine: Engine, *, threshold: int, debounce: float, at: datetime, budget: float = 60.0
) -> int:
    """Protect the cubes that are due, each in its own transaction, for about `budget` seconds
    (well inside the worker's lease); how many were protected."""
    with new_session(engine) as db:
        todo = due(db, at, debounce)
    started = time.monotonic()
    done = 0
    for measure, cube in todo:
        build_cube(engine, measure, cube, threshold=threshold)
        done += 1
        if time.monotonic() - started > budget:
            break
    return done


def protect_all(engine: Engine, *, threshold: int, at: datetime) -> int:
    """Mark what has no state yet, then protect every cube now (a rebuild, a first start)."""
    with new_session(engine) as db:
        seed(db, at)
        db.commit()
        todo = list(db.exec(select(CubeState.measure, CubeState.cube)).all())
    for measure, cube in sorted(todo):
        build_cube(engine, measure, cube, threshold=threshold)
    return len(todo)
