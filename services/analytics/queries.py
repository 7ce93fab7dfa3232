"""The read side: protected cube figures, a few sums of counters, the detector's series.

Every read is over rows of counters or protected figures of the periods asked for: its cost
depends on regions x dimensions x periods, never on how many cases stand behind the counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from services.analytics.cube import fixed_dims
from services.analytics.measures import month_key, month_start, shift_month
from services.analytics.models import Alert, Counter, CubeState, HistoryCount, ProtectedFigure

Key = tuple[str, str, str]  # measure, region, dim
REGISTERED = "cases.registered"
WATCH_MONTHS = 3  # an alert this recent keeps its region on watch


def sums(
    db: DbSession, measures: Sequence[str], regions: Sequence[str], periods: Sequence[str]
) -> dict[Key, float]:
    """Each (measure, region, dim)'s total over the periods."""
    rows = db.exec(
        select(Counter.measure, Counter.region, Counter.dim, func.sum(Counter.value))
        .where(
            col(Counter.measure).in_(list(measures)),
            col(Counter.region).in_(list(regions)),
            col(Counter.period).in_(list(periods)),
        )
        .group_by(Counter.measure, Counter.region, Counter.dim)
    ).all()
    return {(m, r, d): float(v or 0) for m, r, d, v in rows}


@dataclass(frozen=True)
class CubeFigures:
    """Figures read from one protected cube, with how fresh they are."""

    measure: str
    cube: str
    figures: dict[Key, int | None]
    counted: bool  # something was ever counted in it
    built: bool  # it has been protected at least once
    as_of: datetime | None  # when its counters were read for the figures shown
    stale: bool  # counters changed since: newer figures are being protected
    dims: tuple[str, ...]

    def get(self, region: str, dim: str, month: str) -> int | None:
        """A figure (ALL on a summed axis): 0 where nothing was counted, None while hidden
        or while the cube was never protected."""
        if not self.counted:
            return 0
        if not self.built:
            return None
        return self.figures.get((region, dim, month), 0)


def cube_figures(
    db: DbSession, measure: str, cube: str, *, month: str | None = None, dim: str | None = None
) -> CubeFigures:
    """The protected figures of one cube, of one month (or ALL) or one dimension (or ALL)."""
    state = db.get(CubeState, (measure, cube))
    query = select(
        ProtectedFigure.region, ProtectedFigure.dim, ProtectedFigure.month, ProtectedFigure.value
    ).where(ProtectedFigure.measure == measure, ProtectedFigure.cube == cube)
    if month is not None:
        query = query.where(ProtectedFigure.month == month)
    if dim is not None:
        query = query.where(ProtectedFigure.dim == dim)
    figures = {(r, d, m): v for r, d, m, v in db.exec(query).all()} if state else {}
    return CubeFigures(
        measure=measure,
        cube=cube,
        figures=figures,
        counted=state is not None,
        built=state is not None and state.built_at is not None,
        as_of=state.built_at if state else None,
        stale=state is not None and state.built_version < state.version,
        dims=tuple(fixed_dims(measure) or (state.dims if state else ())),
    )


def registered_series(db: DbSession, until: date) -> dict[tuple[str, str], dict[date, int]]:
    """(region, category) -> month -> cases registered: imported history, then live counts.

    A month with an imported count uses it (a region's own statistics of the time); other
    months use the live counter. Months up to `until`'s month.
    """
    last = month_key(until)
    series: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    live = db.exec(
        select(Counter.region, Counter.dim, Counter.period, Counter.value).where(
            Counter.measure == "cases.registered",
            func.length(Counter.period) == 7,
            Counter.period <= last,
        )
    ).all()
    for region, category, period, value in live:
        series[(region, category)][month_start(period)] = int(value)
    for row in db.exec(select(HistoryCount).where(HistoryCount.month <= until)).all():
        series[(row.region, row.category)][row.month] = row.count
    return dict(series)


def registered_figures(
    db: DbSession, keys: Iterable[tuple[str, str, date]]
) -> dict[tuple[str, str, date], int | None]:
    """(region, category, month) -> cases registered as published: the protected cube's
    figure (None while hidden), so an alert shows no count the tables would hide.

    A month with an imported count is in the cube as that count (`cube.cube_values`), as the
    detector used it (`registered_series`), under the same primary and secondary
    suppression as every figure of the tables.
    """
    wanted = set(keys)
    found: dict[tuple[str, str, date], int | None] = {}
    for year in sorted({month.year for _, _, month in wanted}):
        keys_of_year = [k for k in wanted if k[2].year == year]
        dims = {category for _, category, _ in keys_of_year}
        cube = cube_figures(
            db, REGISTERED, f"{year:04d}", dim=next(iter(dims)) if len(dims) == 1 else None
        )
        for region, category, month in keys_of_year:
            found[(region, category, month)] = cube.get(region, category, month_key(month))
    return found


def alert_levels(db: DbSession, regions: Sequence[str], first: date, last: date) -> dict[str, int]:
    """Region -> 2 (alert) with an alert for a month of [first, last], 1 (watch) with one in
    the three months before, 0 (calm) otherwise."""
    watch_from = shift_month(first, -WATCH_MONTHS)
    raised = db.exec(
        select(Alert.region, func.max(Alert.period))
        .where(
            col(Alert.region).in_(list(regions)),
            Alert.period >= watch_from,
            Alert.period <= last,
        )
        .group_by(Alert.region)
    ).all()
    levels = dict.fromkeys(regions, 0)
    for region, latest in raised:
        levels[region] = 2 if latest >= first else 1
    return levels
