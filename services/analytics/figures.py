"""The figures an analyst sees, as protected tables: one function per published table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from services.analytics import queries
from services.analytics.measures import (
    CASE_TABLE,
    CATEGORIES,
    COUNCIL_TABLE,
    MEASURES,
    NOW,
    REFUSAL_REASONS,
    RISK_LEVELS,
    months_of,
)
from services.analytics.models import Counter
from services.analytics.tables import Table, assemble, build, rate


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


def _periods(measure: str, period: Period) -> list[str]:
    return [NOW] if measure == "cases.in_mediation" else period.keys


def overview(db: DbSession, regions: Sequence[str], period: Period) -> Table:
    """Region x case measure: what happened in the period (in mediation: now).

    Each column is the row totals of that measure's protected region x category table, so a
    figure hidden there is hidden here too and no table undoes another's suppression.
    """
    return _by_region("overview", [by_dimension(db, m, regions, period) for m in CASE_TABLE])


def _by_region(key: str, grids: Sequence[Table]) -> Table:
    """Region x measure, each column taken from the measure's own protected table."""
    columns = tuple(g.key for g in grids)
    rows = grids[0].rows if grids else ()
    cells = {(r, g.key): _region_figure(g, r) for g in grids for r in rows}
    return assemble(
        key, rows, columns, cells, {g.key: _national_figure(g) for g in grids}, row_totals=False
    )


def _region_figure(grid: Table, region: str) -> int | None:
    return grid.row_totals[region] if grid.has_row_totals else grid.cell(region, "")


def _national_figure(grid: Table) -> int | None:
    return grid.total if grid.has_row_totals else grid.column_totals.get("")


def dims_of(
    db: DbSession, measure: str, regions: Sequence[str], periods: Sequence[str]
) -> list[str]:
    kind = MEASURES[measure]
    if kind == "category":
        return list(CATEGORIES)
    if kind == "risk":
        return list(RISK_LEVELS)
    if kind == "reason":
        return list(REFUSAL_REASONS)
    if kind == "none":
        return [""]
    found = db.exec(
        select(Counter.dim)
        .where(
            Counter.measure == measure,
            col(Counter.region).in_(list(regions)),
            col(Counter.period).in_(list(periods)),
        )
        .distinct()
    ).all()
    return sorted(found)


def by_dimension(db: DbSession, measure: str, regions: Sequence[str], period: Period) -> Table:
    """Region x dimension (category, risk level, reason) of one measure, with all totals."""
    periods = _periods(measure, period)
    values = queries.sums(db, [measure], regions, periods)
    columns = dims_of(db, measure, regions, periods)
    return build(
        measure,
        regions,
        columns,
        lambda r, c: values.get((measure, r, c), 0),
        row_totals=MEASURES[measure] != "none",
    )


def by_month(
    db: DbSession, measure: str, regions: Sequence[str], year: int, category: str | None
) -> Table:
    """Region x month of one measure (one category, or all), with the year's totals.

    Registrations use the imported history where a month was imported, as the detector does.
    """
    months = months_of(year)
    values = queries.monthly(db, measure, regions, months)
    if measure == "cases.registered":  # a month with imported statistics shows them
        values.update(queries.imported(db, regions, months))
    cells: dict[tuple[str, str], float] = {}
    for (region, dim, month), value in values.items():
        if category is None or dim == category:
            cells[(region, month)] = cells.get((region, month), 0) + value
    return build(
        f"{measure}:{category or 'all'}:{year}",
        regions,
        months,
        lambda r, c: cells.get((r, c), 0),
        row_totals=True,
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
    """
    grids = [by_dimension(db, m, regions, period) for m in STATE_BODY_COLUMNS]
    bodies = tuple(sorted({body for g in grids for body in g.columns}))
    cells = {(b, g.key): g.column_totals.get(b, 0) for g in grids for b in bodies}
    totals = {g.key: g.total for g in grids}
    return assemble("state_bodies", bodies, STATE_BODY_COLUMNS, cells, totals, row_totals=False)


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
