"""What an alert may show beyond the detector: its figures under disclosure control.

The one source for the API, the pages, the yearly report and the `analytics.alert.raised`
event. The observed count is the registrations figure the protected tables publish
(`queries.registered_figures`: the cube's figure, or an imported month's under the primary
rule), None where they hide it. Where it is hidden the score and the p-value go too: with the
expected count and the upper bound, either gives the hidden count back. Expected count and
upper bound are rounded to one decimal, as the pages print them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session as DbSession

from services.analytics.models import Alert
from services.analytics.queries import registered_figures

DECIMALS = 1  # expected and upper, as the pages print them


@dataclass(frozen=True)
class Shown:
    """An alert's figures as they may be published."""

    observed: int | None
    expected: float
    upper: float
    score: float | None
    p_value: float | None

    @property
    def suppressed(self) -> bool:
        return self.observed is None


def shown(alert: Alert, observed: int | None) -> Shown:
    """The alert's figures given its month's published count (None: hidden)."""
    hidden = observed is None
    return Shown(
        observed=observed,
        expected=round(alert.expected, DECIMALS),
        upper=round(alert.upper, DECIMALS),
        score=None if hidden else alert.score,
        p_value=None if hidden else alert.p_value,
    )


def shown_alerts(db: DbSession, alerts: Sequence[Alert], threshold: int) -> list[Shown]:
    """Each alert's publishable figures, in order."""
    figures = registered_figures(db, [(a.region, a.category, a.period) for a in alerts], threshold)
    return [shown(a, figures[(a.region, a.category, a.period)]) for a in alerts]
