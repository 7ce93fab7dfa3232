"""The figures an analyst sees: one function per published table, each a view of protected cubes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session as DbSession

from services.analytics import queries
from services.analytics.cube import ALL, regions_of
from services.analytics.measures import (
    CASE_TABLE,
    COUNCIL_TABLE,
    MEASURES,
    NOW,
    STOCKS,
    months_of,
    pieces_of,
)
from services.analytics.queries import CubeFigures
from services.analytics.tables import Freshness, Table, assemble, rate


@dataclass(frozen=True)
class Period:
    """A year, or one month of it."""

    year: int
    month: int | None = None

    @property
    def key(self) -> str:
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def keys(self) -> list[str]:
        """The counter periods that hold it: the month's, or the year's own counter."""
        return [self.key]

    @property
    def first_day(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def last_month(self) -> date:
        """The first day of the period's last month."""
        return date(self.year, self.month or 12, 1)


def _cube(measure: str, year: int) -> str:
    return NOW if measure in STOCKS else str(year)


def overview(db: DbSession, regions: Sequence[str], period: Period) -> Table:
    """Region x case measure: what happened in the period (in mediation: now).

    Each column is the region totals of that measure's protected cube in the period, so a
    figure hidden there is hidden here too.
    """
    return _by_region("overview", [by_dimension(db, m, regions, period) for m in CASE_TABLE])


def _by_region(key: str, grids: Sequence[Table]) -> Table:
    """Region x measure, each column taken from the measure's own protected table."""
    columns = tuple(g.key for g in grids)
    rows = grids[0].rows if grids else ()
    cells = {(r, g.key): _region_figure(g, r) for g in grids for r in rows}
    national = {g.key: _national_figure(g) for g in grids}
    return assemble(
        key, rows, columns, cells, national, freshness=Freshness.of(g.freshness for g in grids)
    )


def _region_figure(grid: Table, region: str) -> int | None:
    return grid.row_totals[region] if grid.has_row_totals else grid.cell(region, "")


def _national_figure(grid: Table) -> int | None:
    return grid.total if grid.has_row_totals else grid.column_totals.get("")


def over_regions(cube: CubeFigures, regions: Sequence[str], dim: str, month: str) -> int | None:
    """The sum over the regions in scope: the cube's own margin over all of them, one region's
    figure, or else the sum of shown figures (hidden when a part is: it would reveal it)."""
    if set(regions) == set(regions_of(cube.measure)):
        return cube.get(ALL, dim, month)
    parts = [cube.get(r, dim, month) for r in regions]
    if any(p is None for p in parts):
        return None
    return sum(p or 0 for p in parts)


def _freshness(cube: CubeFigures) -> Freshness:
    return Freshness(cube.as_of, cube.stale)


def by_dimension(db: DbSession, measure: str, regions: Sequence[str], period: Period) -> Table:
    """Region x dimension (category, risk level, reason) of one measure, with all totals."""
    cube_key = _cube(measure, period.year)
    month = NOW if cube_key == NOW else (period.key if period.month else ALL)
    cube = queries.cube_figures(db, measure, cube_key, month=month)
    columns = list(cube.dims)
    cells = {(r, c): cube.get(r, c, month) for r in regions for c in columns}
    column_totals = {c: over_regions(cube, regions, c, month) for c in columns}
    if MEASURES[measure] == "none":  # one column: a region's total is its cell
        return assemble(measure, regions, columns, cells, column_totals, freshness=_freshness(cube))
    return assemble(
        measure,
        regions,
        columns,
        cells,
        column_totals,
        row_totals={r: cube.get(r, ALL, month) for r in regions},
        total=over_regions(cube, regions, ALL, month),
        freshness=_freshness(cube),
    )


def by_month(
    db: DbSession, measure: str, regions: Sequence[str], year: int, dim: str | None
) -> Table:
    """Region x month of one measure (one value of its dimension, or all), with the year's totals.

    Registrations use the imported history where a month was imported, as the detector does
    (the cube holds them).
    """
    months = months_of(year)
    key = ALL if dim is None else dim
    cube = queries.cube_figures(db, measure, str(year), dim=key)
    return assemble(
        f"{measure}:{dim or 'all'}:{year}",
        regions,
        months,
        {(r, m): cube.get(r, key, m) for r in regions for m in months},
        {m: over_regions(cube, regions, key, m) for m in months},
        row_totals={r: cube.get(r, key, ALL) for r in regions},
        total=over_regions(cube, regions, key, ALL),
        freshness=_freshness(cube),
    )


def by_week(
    db: DbSession, measure: str, regions: Sequence[str], month: str, dim: str | None
) -> Table:
    """Region x week of one month (`YYYY-MM`) of a weekly measure (one dimension value, or
    all), with the month as the regions' totals: figures of the cube that holds both, so the
    weeks give away nothing the month hides, nor the month anything the weeks hide.

    A month whose weeks are not known (imported statistics) has one column, the month.
    """
    key = ALL if dim is None else dim
    cube = queries.cube_figures(db, measure, month[:4], dim=key)
    counted_by_week = any(m.startswith(f"{month}-W") for _, _, m in cube.figures)
    counted_whole = any(m == month for _, _, m in cube.figures) and not counted_by_week
    weeks = [month] if counted_whole else pieces_of(month)
    return assemble(
        f"{measure}:{dim or 'all'}:{month}:weeks",
        regions,
        weeks,
        {(r, w): cube.get(r, key, w) for r in regions for w in weeks},
        {w: over_regions(cube, regions, key, w) for w in weeks},
        row_totals={r: cube.get(r, key, month) for r in regions},
        total=over_regions(cube, regions, key, month),
        freshness=_freshness(cube),
    )


def escalations(db: DbSession, regions: Sequence[str], period: Period) -> Table:
    return by_dimension(db, "escalations.raised", regions, period)


def councils(db: DbSession, regions: Sequence[str], period: Period) -> Table:
    """Region x council measure (sessions, quorum failures, decisions, recommendations)."""
    return _by_region("councils", [by_dimension(db, m, regions, period) for m in COUNCIL_TABLE])


STATE_BODY_COLUMNS = (
    "recommendations.issued",
    "recommendations.answered",
    "recommendations.implemented_on_time",
    "recommendations.implemented_late",
    "recommendations.overdue",
)


def state_bodies(db: DbSession, regions: Sequence[str], period: Period) -> Table:
    """Addressed state body x recommendation figure, over the regions in scope.

    Each column is the column totals of that measure's protected region x state body table.
    A body with nothing in the regions and period (every figure 0) is left out: the cubes know
    every region's bodies, and a regional analyst would see the others' listed with zeros.
    """
    grids = [by_dimension(db, m, regions, period) for m in STATE_BODY_COLUMNS]
    bodies = tuple(sorted({b for g in grids for b in g.columns if g.column_totals.get(b) != 0}))
    cells = {(b, g.key): g.column_totals.get(b, 0) for g in grids for b in bodies}
    totals = {g.key: g.total for g in grids}
    freshness = Freshness.of(g.freshness for g in grids)
    return assemble("state_bodies", bodies, STATE_BODY_COLUMNS, cells, totals, freshness=freshness)


@dataclass(frozen=True)
class Rates:
    settlement: float | None
    in_term: float | None
    accept_hours: float | None


def region_rates(
    db: DbSession, table: Table, regions: Sequence[str], period: Period
) -> dict[str, Rates]:
    """Rates per region, from the protected overview only (none where a figure is suppressed)."""
    accept = queries.sums(
        db, ["escalations.accept_hours", "escalations.accepted"], regions, period.keys
    )
    rates: dict[str, Rates] = {}
    ended_cols = ("cases.settled", "cases.not_settled", "cases.withdrawn", "cases.terminated")
    for region in regions:
        parts = [table.cell(region, c) for c in ended_cols]
        ended = None if any(p is None for p in parts) else sum(p or 0 for p in parts)
        timed = [table.cell(region, "cases.ended_in_term"), table.cell(region, "cases.ended_late")]
        timed_total = None if any(t is None for t in timed) else sum(t or 0 for t in timed)
        hours = sum(
            v for (m, r, _), v in accept.items() if m == "escalations.accept_hours" and r == region
        )
        count = sum(
            v for (m, r, _), v in accept.items() if m == "escalations.accepted" and r == region
        )
        rates[region] = Rates(
            settlement=_round(rate(table.cell(region, "cases.settled"), ended)),
            in_term=_round(rate(timed[0], timed_total)),
            accept_hours=round(hours / count, 1) if count >= 5 else None,
        )
    return rates


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
