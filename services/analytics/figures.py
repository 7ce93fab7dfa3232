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
from services.analytics.tables import Table, build, rate


@dataclass(frozen=True)
class Period:
    """A year, or one month of it."""

    year: int
    month: int | None = None

    @property
    def key(self) -> str:
        return f"{self.year:04d}" if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def months(self) -> list[str]:
        return [self.key] if self.month is not None else months_of(self.year)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month or 1, 1)


def _periods(measure: str, period: Period) -> list[str]:
    return [NOW] if measure == "cases.in_mediation" else period.months


def overview(db: DbSession, regions: Sequence[str], period: Period) -> Table:
    """Region x case measure: what happened in the period (in mediation: now)."""
    values: dict[tuple[str, str], float] = {}
    for measure in CASE_TABLE:
        for (m, region, _dim), value in queries.sums(
            db, [measure], regions, _periods(measure, period)
        ).items():
            values[(region, m)] = values.get((region, m), 0) + value
    return build(
        "overview", regions, CASE_TABLE, lambda r, c: values.get((r, c), 0), row_totals=False
    )


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
    """Region x month of one measure (one category, or all), with the year's totals."""
    months = months_of(year)
    values = queries.monthly(db, measure, regions, months)
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
    values = queries.sums(db, COUNCIL_TABLE, regions, period.months)
    per: dict[tuple[str, str], float] = {}
    for (measure, region, _dim), value in values.items():
        per[(region, measure)] = per.get((region, measure), 0) + value
    return build(
        "councils", regions, COUNCIL_TABLE, lambda r, c: per.get((r, c), 0), row_totals=False
    )


STATE_BODY_COLUMNS = (
    "recommendations.issued",
    "recommendations.answered",
    "recommendations.implemented_on_time",
    "recommendations.implemented_late",
    "recommendations.overdue",
)


def state_bodies(db: DbSession, regions: Sequence[str], period: Period) -> Table:
    """Addressed state body x recommendation figure, over the regions in scope."""
    values = queries.sums(db, STATE_BODY_COLUMNS, regions, period.months)
    per: dict[tuple[str, str], float] = {}
    for (measure, _region, body), value in values.items():
        per[(body, measure)] = per.get((body, measure), 0) + value
    bodies = sorted({body for body, _ in per})
    return build(
        "state_bodies",
        bodies,
        STATE_BODY_COLUMNS,
        lambda r, c: per.get((r, c), 0),
        row_totals=False,
    )


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
        db, ["escalations.accept_hours", "escalations.accepted"], regions, period.months
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
            settlement=rate(table.cell(region, "cases.settled"), ended),
            in_term=rate(timed[0], timed_total),
            accept_hours=round(hours / count, 1) if count >= 5 else None,
        )
    return rates
