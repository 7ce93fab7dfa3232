"""What an alert may show beyond the detector: its figures under disclosure control.

The one source for the API, the pages, the yearly report and the `analytics.alert.raised`
event. The observed count is the registrations figure the protected tables publish
(`queries.registered_figures`: the cube's figure, an imported month's included), None where
they hide it. Where it is hidden the score and the p-value go too: with the
expected count and the upper bound, either gives the hidden count back.

An alert's expected count is computed from its baseline months (`baseline_from` ..
`baseline_to`), so it shows its expected count and upper bound only when every one of them is
published; where one is hidden, they go, and the score and p-value with them (with the
observed count either would give the expected count back). For EWMA the expected count is a
weighted mean with known weights: two alerts in a row on one series give the month between
their baselines back to the nearest whole number. A Farrington expected count is a
quasi-Poisson fit (trend, season, down-weighted outbreaks), but the method is published and
deterministic: with one baseline month hidden and the others in the tables, an attacker refits
the model for each candidate count and keeps those that give the shown expected count and
upper bound to one decimal. One month's count moves the fit by a few tenths (more for a month
of the same season), so the candidates narrow to a few whole numbers: the small count the
suppression hid. Nothing proves the fit safe, so it is withheld alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session as DbSession

from services.analytics.measures import shift_month
from services.analytics.models import Alert
from services.analytics.queries import registered_figures

DECIMALS = 1  # expected and upper, as the pages print them


@dataclass(frozen=True)
class Shown:
    """An alert's figures as they may be published."""

    observed: int | None
    expected: float | None
    upper: float | None
    score: float | None
    p_value: float | None

    @property
    def suppressed(self) -> bool:
        return self.observed is None

    @property
    def baseline_suppressed(self) -> bool:
        return self.expected is None


def shown(alert: Alert, observed: int | None, baseline_published: bool = True) -> Shown:
    """The alert's figures given its month's published count (None: hidden) and whether
    every month of its baseline is published."""
    hidden = observed is None or not baseline_published
    return Shown(
        observed=observed,
        expected=round(alert.expected, DECIMALS) if baseline_published else None,
        upper=round(alert.upper, DECIMALS) if baseline_published else None,
        score=None if hidden else alert.score,
        p_value=None if hidden else alert.p_value,
    )


def baseline_of(alert: Alert) -> list[date]:
    """The months an alert's expected count is computed from (first days), oldest first."""
    if alert.baseline_from is None or alert.baseline_to is None:
        return []
    months, at = [], alert.baseline_from.replace(day=1)
    while at <= alert.baseline_to:
        months.append(at)
        at = shift_month(at, 1)
    return months


def shown_alerts(db: DbSession, alerts: Sequence[Alert]) -> list[Shown]:
    """Each alert's publishable figures, in order."""
    keys = {(a.region, a.category, a.period) for a in alerts}
    keys |= {(a.region, a.category, m) for a in alerts for m in baseline_of(a)}
    figures = registered_figures(db, keys)
    return [
        shown(
            a,
            figures[(a.region, a.category, a.period)],
            all(figures[(a.region, a.category, m)] is not None for m in baseline_of(a)),
        )
        for a in alerts
    ]
