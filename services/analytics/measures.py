"""The measures of the statistical database: names, what they count, and how periods are cut.

Flows are counted per month (`YYYY-MM`), week of the month (`YYYY-MM-Www`: the days ISO
week ww shares with the month, so that weeks nest in months) and year (`YYYY`) of the
event's time in Kazakhstan (a year's table reads its own counters, 160 rows a measure);
stocks (cases in mediation now) are kept under the period `now`. Councils that belong to no
region (republic level) are counted under `KZ`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import get_args
from zoneinfo import ZoneInfo

from kelisim import weeks
from kelisim.events.cases import RiskLevel
from kelisim.localtime import KAZAKHSTAN
from kelisim.regions import REGIONS

NATIONAL = "KZ"
NOW = "now"

CATEGORIES = (
    "interethnic",
    "interfaith",
    "community",
    "family",
    "labour",
    "land",
    "neighbour",
    "other",
)
RISK_LEVELS: tuple[str, ...] = get_args(RiskLevel)  # as the escalation events carry them
REFUSAL_REASONS = ("state_body", "corruption", "incapacity")
OUTCOMES = ("settled", "not_settled", "withdrawn", "terminated")

# measure -> what its dimension is
MEASURES: dict[str, str] = {
    "cases.registered": "category",
    "cases.refused": "category",
    "cases.refused_reason": "reason",
    "cases.assigned": "category",
    "cases.agreement_signed": "category",
    "cases.in_mediation": "category",
    "cases.settled": "category",
    "cases.not_settled": "category",
    "cases.withdrawn": "category",
    "cases.terminated": "category",
    "cases.ended_in_term": "category",
    "cases.ended_late": "category",
    "cases.extended": "category",
    "cases.breached": "category",
    "cases.compliance_overdue": "category",
    "escalations.raised": "risk",
    "escalations.accepted": "risk",
    "escalations.accept_hours": "risk",
    "councils.sessions_held": "none",
    "councils.quorum_failed": "none",
    "councils.decisions_adopted": "none",
    "councils.decisions_rejected": "none",
    "recommendations.issued": "addressee",
    "recommendations.answered": "addressee",
    "recommendations.implemented_on_time": "addressee",
    "recommendations.implemented_late": "addressee",
    "recommendations.overdue": "addressee",
}

# Figures about councils and the state bodies they address, never about persons: every session,
# decision and recommendation (with its status) is published one by one on the public pages
# and in open data anyway, so these are shown in full, with no small-count suppression.
COUNCIL_MEASURES = frozenset(m for m in MEASURES if m.startswith(("councils.", "recommendations.")))

STOCKS = frozenset({"cases.in_mediation"})  # counted under `now`, not per period

# The region x category measures an analyst tabulates (dashboard columns), in order.
CASE_TABLE = (
    "cases.registered",
    "cases.refused",
    "cases.assigned",
    "cases.in_mediation",
    "cases.settled",
    "cases.not_settled",
    "cases.withdrawn",
    "cases.terminated",
    "cases.ended_in_term",
    "cases.ended_late",
    "cases.extended",
    "cases.breached",
)
COUNCIL_TABLE = (
    "councils.sessions_held",
    "councils.quorum_failed",
    "councils.decisions_adopted",
    "councils.decisions_rejected",
    "recommendations.issued",
    "recommendations.answered",
    "recommendations.implemented_on_time",
    "recommendations.implemented_late",
    "recommendations.overdue",
)
ALL_REGIONS = tuple(REGIONS)


@dataclass(frozen=True)
class Calendar:
    """Cuts an instant into the periods it is counted in, in Kazakhstan's time."""

    zone: ZoneInfo = KAZAKHSTAN

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def periods(self, at: datetime) -> tuple[str, str, str]:
        """The month, the week of the month and the year of an instant."""
        day = self.local_date(at)
        return month_key(day), piece_key(day), f"{day.year:04d}"


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


# Weeks of the month (`kelisim.weeks`): weeks nest in months, so published weeks can be
# protected in one cube with their months.
piece_key = weeks.week_key
pieces_of = weeks.weeks_of
piece_days = weeks.days_of


def month_start(key: str) -> date:
    """The first day of a `YYYY-MM` period."""
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def months_of(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def shift_month(day: date, months: int) -> date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
