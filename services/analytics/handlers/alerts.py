"""Early warning: assess every region x category series and raise each alarm once.

The series are monthly counts of registered cases: imported history first, then the live
counters. They start at the first month anything was counted or imported (earlier months are
unknown, not zero). The current month (in progress) and the previous one are assessed on
every round; an alert's unique key (region, category, month) makes it exactly once, also
with two replicas racing.

The `analytics.alert.raised` event leaves the service, so it carries the alert's published
figures (`services.analytics.published`), not the detector's live count: before raising, the
month's registrations cube is protected if its counters changed since it last was, so the
event's observed count is the figure the tables show (null where they hide it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from kelisim.db import new_session
from kelisim.events.analytics import AlertRaisedV3
from kelisim.uow import UnitOfWork
from kelisim.workers import once
from services.analytics.cube import build_cube
from services.analytics.measures import ALL_REGIONS, CATEGORIES, shift_month
from services.analytics.models import Alert, CubeState
from services.analytics.published import shown_alerts
from services.analytics.queries import REGISTERED, registered_series

MAX_YEARS = 6


def build_series(
    known: dict[tuple[str, str], dict[date, int]], period: date
) -> dict[tuple[str, str], list[int]]:
    """Every region x category series as a list of monthly counts ending with `period`."""
    months = [m for counts in known.values() for m in counts]
    first = min(months) if months else period
    first = max(first, shift_month(period, -12 * MAX_YEARS))
    span: list[date] = []
    month = first
    while month <= period:
        span.append(month)
        month = shift_month(month, 1)
    return {
        (region, category): [known.get((region, category), {}).get(m, 0) for m in span]
        for region in ALL_REGIONS
        for category in CATEGORIES
    }


def protect_registrations(engine: Engine, year: int, *, threshold: int) -> None:
    """Protect the year's registrations cube now unless its figures are up to date."""
    with new_session(engine) as db:
        state = db.get(CubeState, (REGISTERED, f"{year:04d}"))
        fresh = state is not None and state.built_at is not None
        if fresh and state is not None and state.built_version >= state.version:
            return
    build_cube(engine, REGISTERED, f"{year:04d}", threshold=threshold)


def assess(
    uow_factory: Callable[[], UnitOfWork],
    period: date,
    *,
    min_count: int,
    alpha: float,
    engine: Engine,
    threshold: int,
) -> list[Alert]:
    """Assess the month `period` across all series; raise (once) the alarms; return new ones."""
    with uow_factory() as uow:
        known = registered_series(uow.session, period)
    series = build_series(known, period)
    if all(counts[-1] < min_count for counts in series.values()):
        return []  # no month reaches the minimum count: nothing can alarm
    # statsmodels and scipy load when a round has something to assess, not at every start.
    from services.analytics import detection

    assessments = detection.assess_all(series, period, min_count=min_count, alpha=alpha)
    raised: list[Alert] = []
    # The event shows the figures the tables publish: of the month, and of every baseline
    # month (published.py), so those years' cubes are protected first too.
    alarmed = [found for found in assessments.values() if found.alarm]
    years = {period.year} if alarmed else set()
    for found in alarmed:
        first, last = found.baseline_from or period, found.baseline_to or period
        years |= set(range(first.year, last.year + 1))
    for year in sorted(years):
        protect_registrations(engine, year, threshold=threshold)
    for (region, category), found in sorted(assessments.items()):
        if not found.alarm:
            continue
        alert = Alert(
            region=region,
            category=category,
            period=period,
            observed=found.observed,
            expected=round(found.expected, 3),
            upper=round(found.upper, 3),
            score=round(found.score, 3),
            p_value=found.p_value,
            method=found.method,
            baseline_from=found.baseline_from,
            baseline_to=found.baseline_to,
            baseline_months=found.baseline_months,
        )

        def act(uow: UnitOfWork, alert: Alert = alert) -> None:
            uow.session.add(alert)
            uow.session.flush()
            uow.audit("alert.raised", "alert", alert.id, after=alert.model_dump(mode="json"))
            (figure,) = shown_alerts(uow.session, [alert])
            uow.emit(
                AlertRaisedV3(
                    alert_id=alert.id,
                    region=alert.region,
                    category=alert.category,
                    period=alert.period,
                    observed=figure.observed,
                    observed_suppressed=figure.suppressed,
                    expected=figure.expected,
                    baseline_suppressed=figure.baseline_suppressed,
                    upper=figure.upper,
                    score=figure.score,
                    method=alert.method,
                    baseline_from=alert.baseline_from,
                    baseline_to=alert.baseline_to,
                    baseline_months=alert.baseline_months,
                ),
                aggregate=f"series:{alert.region}:{alert.category}",
            )

        if once(uow_factory, act):
            raised.append(alert)
    return raised
