"""One protected cube per measure and year, from which every published figure is read.

A cube is region x dimension x month with all its margins: region totals, dimension totals,
month totals and the year's (a stock, cases in mediation now, has the one "month" `now`).
`disclosure.protect` hides figures in the whole cube at once, so the tables of the months, of
the year and of the series, the overview and the report, all views of one cube, cannot be
combined to work out what one of them hides: protecting months and the year one by one could
(a month's hidden cell is the year's cell minus the other months').

The measures with a weekly view (`WEEKLY`) are cut finer: their cells are the weeks of each
month (`measures.piece_key`, weeks nest in months) and the months are margins of the same
cube, so a week and its month are protected together. Protecting weeks in a cube of their own
beside the months' gave hidden figures away (tests/unit/analytics/test_weeks.py). A month
whose weeks are not all known (imported monthly statistics, or counted before weeks were) is
one cell, its own only week.

Protecting a cube takes up to seconds, so it is materialised (`protected_figure`, by
`build_cube`) by a leased worker when its counters change (`cube_state.version`), once they
have been quiet for the debounce time (`cube_schedule`: which cubes are due, the worker's
rounds); reads only ever see a protected cube, the last one built, with its time. The
protection (numpy, scipy) is imported where a cube is protected, not when the service starts
(the worker's first round loads it, `cube_schedule.first_round`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from itertools import product

import structlog
from sqlalchemy import Engine, case, delete, insert, update
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim.clock import now
from kelisim.db import new_session, table_of, upsert
from services.analytics.measures import (
    ALL_REGIONS,
    CATEGORIES,
    COUNCIL_MEASURES,
    MEASURES,
    NATIONAL,
    NOW,
    REFUSAL_REASONS,
    RISK_LEVELS,
    month_key,
    months_of,
    pieces_of,
)
from services.analytics.models import Counter, CubeState, HistoryCount, ProtectedFigure

ALL = "*"  # the summed-over axis of a margin
IMPORTED = "cases.registered"  # the measure whose months may come from imported history
Key = tuple[str, str, str]  # region, dim, month (or week of the month); ALL where summed
# The measures published by week of the month as well as by month.
WEEKLY = frozenset({"cases.registered", "escalations.raised"})

log = structlog.get_logger("kelisim.analytics")


def cube_of(period: str) -> str:
    """The cube a counter period belongs to: its year, or `now` for stocks."""
    return NOW if period == NOW else period[:4]


def regions_of(measure: str) -> tuple[str, ...]:
    """The regions of a measure's cube (council figures also count republic level, `KZ`)."""
    return (*ALL_REGIONS, NATIONAL) if measure in COUNCIL_MEASURES else ALL_REGIONS


def months_in(cube: str) -> list[str]:
    return [NOW] if cube == NOW else months_of(int(cube))


def fixed_dims(measure: str) -> list[str] | None:
    """The dimension values of a measure, or None when they are found in the data."""
    kind = MEASURES[measure]
    fixed = {
        "category": list(CATEGORIES),
        "risk": list(RISK_LEVELS),
        "reason": list(REFUSAL_REASONS),
        "none": [""],
    }
    return fixed.get(kind)


def accepts_dim(measure: str, value: str) -> bool:
    """Whether one dimension value of a measure may be asked for (a series, weeks): one of the
    values its tables show as columns, or any where they are found in the data (state bodies)."""
    dims = fixed_dims(measure)
    return dims is None or value in dims


# --- protecting a cube --------------------------------------------------------------------------


def protect_cube(
    values: Mapping[Key, int],
    regions: Sequence[str],
    dims: Sequence[str],
    months: Sequence[str],
    *,
    threshold: int,
) -> dict[Key, int | None]:
    """Every cell and margin of the cube, None where hidden; ALL marks a summed axis.

    An axis with one value adds no margin of its own (its total is the cell), so it is left
    out of the protection and its total is read as the cell.
    """
    axes: list[Sequence[str]] = [regions, dims, months]
    if not all(axes):
        return {}
    from services.analytics.disclosure import crosstab_margins, protect

    active = [i for i, axis in enumerate(axes) if len(axis) > 1]
    cells: dict[tuple[str, ...], int] = {
        tuple(key[i] for i in active): value for key, value in _counted(values, axes).items()
    }
    margins = crosstab_margins([axes[i] for i in active], cells)
    protected = protect(cells, margins, threshold=threshold)
    figures: dict[Key, int | None] = {}
    for region, dim, month in product(*([*axis, ALL] for axis in axes)):
        key = (region, dim, month)
        at = tuple(None if key[i] == ALL else key[i] for i in active)
        figures[key] = protected.margins[at] if None in at else protected.cells.get(at, 0)
    return figures


def protect_weekly_cube(
    values: Mapping[Key, int],
    regions: Sequence[str],
    dims: Sequence[str],
    weeks: Mapping[str, Sequence[str]],
    *,
    threshold: int,
) -> dict[Key, int | None]:
    """Every figure of a cube whose cells are weeks of the month (`values` keyed by week),
    with the months (`weeks`: month -> its weeks) as margins beside the usual ones.

    A month with one week (its weeks not known) is that cell itself.
    """
    if not (regions and dims and weeks):
        return {}
    from services.analytics.disclosure import crosstab_margins, protect

    pieces = [p for month_weeks in weeks.values() for p in month_weeks]
    cells = _counted(values, [regions, dims, pieces])
    margins = crosstab_margins([regions, dims, pieces], cells)
    month_of = {
        p: m for m, month_weeks in weeks.items() if len(month_weeks) > 1 for p in month_weeks
    }
    for month in dict.fromkeys(month_of.values()):
        for name in product([*regions, None], [*dims, None]):
            margins[(*name, f"month:{month}")] = []
    for region, dim, piece in cells:
        if piece in month_of:
            for name in product((region, None), (dim, None)):
                margins[(*name, f"month:{month_of[piece]}")].append((region, dim, piece))
    # a move for a figure inside one month is sought among that month's weeks first
    protected = protect(cells, margins, threshold=threshold, block_of=lambda key: key[2][:7])
    figures: dict[Key, int | None] = dict.fromkeys(product(regions, dims, pieces), 0)
    for (region, dim, at), value in [*protected.cells.items(), *protected.margins.items()]:
        if at is not None and at.startswith("month:"):
            at = at[len("month:") :]
        figures[(region or ALL, dim or ALL, at or ALL)] = value
    return figures


def _counted(values: Mapping[Key, int], axes: Sequence[Sequence[str]]) -> dict[Key, int]:
    """The cube's cells that are not 0: the only ones its protection needs (a 0 is always
    shown and no move touches it, see `crosstab_margins`), so the cost follows the counts
    rather than the size of the cube."""
    inside = [set(axis) for axis in axes]
    return {
        key: value
        for key, value in values.items()
        if value and all(k in axis for k, axis in zip(key, inside, strict=True))
    }


def cube_values(db: DbSession, measure: str, cube: str) -> dict[Key, int]:
    """The cube's counts: its counters, and for registrations the imported months over them."""
    months = months_in(cube)
    rows = db.exec(
        select(Counter.region, Counter.dim, Counter.period, Counter.value).where(
            Counter.measure == measure, col(Counter.period).in_(months)
        )
    ).all()
    values = {(r, d, p): int(round(v)) for r, d, p, v in rows}
    if measure == IMPORTED and cube != NOW:  # a month with imported statistics shows them
        year = int(cube)
        history = db.exec(
            select(HistoryCount).where(
                HistoryCount.month >= date(year, 1, 1), HistoryCount.month <= date(year, 12, 31)
            )
        ).all()
        values.update({(h.region, h.category, month_key(h.month)): h.count for h in history})
    return values


def weekly_values(
    db: DbSession, measure: str, cube: str
) -> tuple[dict[Key, int], dict[str, list[str]]]:
    """A weekly cube's counts by week of the month, and each month's weeks: a month whose
    weeks do not add up to it (imported, or counted before weeks were) is one week, itself."""
    months = cube_values(db, measure, cube)
    every_week = [p for m in months_in(cube) for p in pieces_of(m)]
    rows = db.exec(
        select(Counter.region, Counter.dim, Counter.period, Counter.value).where(
            Counter.measure == measure, col(Counter.period).in_(every_week)
        )
    ).all()
    by_week = {(r, d, p): int(round(v)) for r, d, p, v in rows}
    added: dict[Key, int] = {}
    for (r, d, p), v in by_week.items():
        added[(r, d, p[:7])] = added.get((r, d, p[:7]), 0) + v
    whole = {k[2] for k, v in months.items() if added.get(k, 0) != v}
    whole |= {k[2] for k, v in added.items() if months.get(k, 0) != v}
    weeks = {m: [m] if m in whole else pieces_of(m) for m in months_in(cube)}
    values = {k: v for k, v in by_week.items() if k[2][:7] not in whole}
    values.update({k: v for k, v in months.items() if k[2] in whole})
    return values, weeks


def build_cube(engine: Engine, measure: str, cube: str, *, threshold: int) -> int:
    """Protect one cube from its counters now and store its figures; how many were stored.

    Three steps, so that no transaction is open while the LPs run (SQLite would hold its write
    lock all along): read the counters and the version they are at, protect, then write.
    """
    with new_session(engine) as db:
        state = db.get(CubeState, (measure, cube))
        version = state.version if state is not None else 0
        weekly = measure in WEEKLY and cube != NOW
        if weekly:
            values, weeks = weekly_values(db, measure, cube)
        else:
            values, weeks = cube_values(db, measure, cube), {}
        at = now()
    regions = regions_of(measure)
    outside = {r for r, _, _ in values if r not in regions}
    if outside:
        log.warning("cube.unknown_regions", measure=measure, regions=sorted(outside))
    dims = fixed_dims(measure) or sorted({d for r, d, _ in values if r in regions})
    if measure in COUNCIL_MEASURES:  # about councils and state bodies: nothing to hide
        threshold = 1
    if weekly:
        figures = protect_weekly_cube(values, regions, dims, weeks, threshold=threshold)
    else:
        figures = protect_cube(values, regions, dims, months_in(cube), threshold=threshold)
    rows = [
        {"measure": measure, "cube": cube, "region": r, "dim": d, "month": m, "value": v}
        for (r, d, m), v in sorted(figures.items())
        if v != 0
    ]
    with new_session(engine) as db:
        state = _locked_state(db, measure, cube, at)
        if state.built_version > version:
            return 0  # a newer protection of this cube was stored meanwhile
        table = table_of(ProtectedFigure)
        db.execute(delete(table).where(table.c.measure == measure, table.c.cube == cube))
        if rows:
            db.execute(insert(table), rows)
        states = table_of(CubeState)
        db.execute(
            update(states)
            .where(states.c.measure == measure, states.c.cube == cube)
            .values(
                built_version=version,
                built_at=at,
                dims=dims,
                # a change counted while this cube was being protected keeps it due
                dirty_since=case((states.c.version > version, states.c.dirty_since), else_=None),
            )
        )
        db.commit()
    return len(rows)


def _locked_state(db: DbSession, measure: str, cube: str, at: datetime) -> CubeState:
    """The cube's state, created if missing, held by this transaction until it commits.

    Two builders of one cube (the worker, and an early-warning round that needs the cube now)
    take turns here: on PostgreSQL the second waits on the row lock, then sees the first's
    figures (its delete removes them, its insert cannot collide with them); on SQLite the
    write transaction (BEGIN IMMEDIATE) already keeps other writers out.
    """
    table = table_of(CubeState)
    statement = upsert(db.connection(), table).values(
        measure=measure, cube=cube, version=0, changed_at=at, dims=[]
    )
    db.execute(statement.on_conflict_do_nothing(index_elements=["measure", "cube"]))
    state = db.get(CubeState, (measure, cube), with_for_update=True)
    assert state is not None  # created above if it was missing
    return state
