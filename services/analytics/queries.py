"""The read side: sums of counters over regions and periods, and the monthly series.

Every read is a GROUP BY over the counter rows of the periods asked for: its cost depends on
regions x dimensions x periods, never on how many cases stand behind the counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import col, select

from services.analytics.measures import month_key, month_start, shift_month
from services.analytics.models import Alert, Counter, HistoryCount

Key = tuple[str, str, str]  # measure, region, dim
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


def monthly(
    db: DbSession, measure: str, regions: Sequence[str], months: Sequence[str]
) -> dict[tuple[str, str, str], float]:
    """(region, dim, month) -> the live count of a measure in each month asked for."""
    rows = db.exec(
        select(Counter.region, Counter.dim, Counter.period, Counter.value).where(
            Counter.measure == measure,
            col(Counter.region).in_(list(regions)),
            col(Counter.period).in_(list(months)),
        )
    ).all()
    return {(r, d, p): float(v) for r, d, p, v in rows}


def imported(
    db: DbSession, regions: Sequence[str], months: Sequence[str]
) -> dict[tuple[str, str, str], float]:
    """(region, category, month) -> the count imported from a region's past statistics."""
    firsts = [month_start(m) for m in months]
    rows = db.exec(
        select(HistoryCount).where(
            col(HistoryCount.region).in_(list(regions)), col(HistoryCount.month).in_(firsts)
        )
    ).all()
    return {(h.region, h.category, month_key(h.month)): float(h.count) for h in rows}


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
