"""An alert's figures under disclosure control: an EWMA alert's expected count, a weighted mean
of its baseline months, is withheld with its bound and score where one of them is hidden."""

from __future__ import annotations

from datetime import date

import pytest

from kelisim.db import new_session
from services.analytics import cube
from services.analytics.models import Alert
from services.analytics.published import baseline_of, shown_alerts
from tests.unit.analytics.test_cube import count, engine  # noqa: F401  (the fixture)

pytestmark = pytest.mark.db_independent

SERIES = ("KZ-75", "land")


def alert(method: str, first: date, last: date, period: date = date(2025, 12, 1)) -> Alert:
    return Alert(
        region=SERIES[0],
        category=SERIES[1],
        period=period,
        observed=30,
        expected=6.34,
        upper=12.06,
        score=4.1,
        p_value=0.0001,
        method=method,
        baseline_from=first,
        baseline_to=last,
        baseline_months=(last.year - first.year) * 12 + last.month - first.month + 1,
    )


def test_an_alert_on_a_hidden_baseline_month_shows_no_expected_count_by_either_method(
    engine,  # noqa: F811
):
    rows = {}
    for year in (2024, 2025):
        for month in range(1, 13):
            for region in ("KZ-75", "KZ-71"):
                for category in ("land", "family"):
                    rows[(region, category, f"{year}-{month:02d}")] = 8
    rows[(*SERIES, "2025-05")] = 2  # hidden: 2025's May of the series
    rows[(*SERIES, "2025-12")] = 30
    count(engine, rows)
    for year in ("2024", "2025"):
        cube.build_cube(engine, "cases.registered", year, threshold=5)
    published_2024 = alert("ewma", date(2024, 1, 1), date(2024, 12, 1))
    hidden_in_2025 = alert("ewma", date(2025, 1, 1), date(2025, 10, 1))
    fitted = alert("farrington", date(2024, 1, 1), date(2025, 10, 1))
    assert len(baseline_of(hidden_in_2025)) == 10 and len(baseline_of(fitted)) == 22
    with new_session(engine) as db:
        whole, withheld, farrington = shown_alerts(db, [published_2024, hidden_in_2025, fitted])
    assert (whole.expected, whole.upper, whole.score) == (6.3, 12.1, 4.1)
    assert not whole.baseline_suppressed and whole.observed == 30
    assert withheld.baseline_suppressed and withheld.observed == 30
    assert [withheld.expected, withheld.upper, withheld.score, withheld.p_value] == [None] * 4
    # A Farrington fit is refitted for each candidate count of May 2025: withheld as well.
    assert farrington.baseline_suppressed and farrington.observed == 30
    assert [farrington.expected, farrington.upper, farrington.score, farrington.p_value] == [
        None
    ] * 4
    fitted_2024 = alert("farrington", date(2024, 1, 1), date(2024, 12, 1))
    with new_session(engine) as db:
        [published] = shown_alerts(db, [fitted_2024])
    assert (published.expected, published.upper, published.score) == (6.3, 12.1, 4.1)


def test_expected_and_upper_stay_where_only_the_observed_count_is_hidden(engine):  # noqa: F811
    rows = {(*SERIES, f"{year}-{month:02d}"): 8 for year in (2024, 2025) for month in range(1, 13)}
    rows |= {("KZ-71", "family", f"{y}-{m:02d}"): 8 for y in (2024, 2025) for m in range(1, 13)}
    rows[(*SERIES, "2025-05")] = 2  # the alerts' month: hidden
    count(engine, rows)
    for year in ("2024", "2025"):
        cube.build_cube(engine, "cases.registered", year, threshold=5)
    may = date(2025, 5, 1)
    fitted = alert("farrington", date(2023, 1, 1), date(2024, 12, 1), period=may)
    charted = alert("ewma", date(2024, 1, 1), date(2024, 12, 1), period=may)
    with new_session(engine) as db:
        for shown in shown_alerts(db, [fitted, charted]):
            assert shown.suppressed and shown.observed is None
            assert (shown.expected, shown.upper) == (6.3, 12.1)
            assert not shown.baseline_suppressed
            assert (shown.score, shown.p_value) == (None, None)  # they would give it back
