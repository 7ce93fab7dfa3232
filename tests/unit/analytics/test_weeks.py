"""Why weekly counters are kept but not published: a week cube protected on its own beside the
month cube gives hidden figures away, because weeks and months cut the same days differently.

Each table alone passes the margin attack; written together as sums of region x category x
segment counts (the days a month and an ISO week share), they do not.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from services.analytics.cube import ALL, protect_cube
from services.analytics.measures import month_key, months_of, week_key
from tests.analytics.attack import Figure, intervals

YEAR = 2025  # ISO 2025 runs from 2024-12-30 to 2025-12-28: no day of it outside both cuts
REGIONS = ["r1", "r2", "r3"]
DIMS = ["a", "b"]
WEEKS = [f"{YEAR}-W{w:02d}" for w in range(1, 53)]
DAYS = [date(2024, 12, 30) + timedelta(days=k) for k in range(2 + 365)]


def daily(seed: int) -> dict[tuple[str, str, date], int]:
    """Small counts on some days of the year, as registrations come in a quiet region."""
    rng = np.random.default_rng(seed)
    found: dict[tuple[str, str, date], int] = {}
    for r in REGIONS:
        for d in DIMS:
            for offset in rng.choice(358, size=int(rng.integers(8, 30)), replace=False):
                key = (r, d, date(YEAR, 1, 1) + timedelta(days=int(offset)))
                found[key] = found.get(key, 0) + 1
    return found


def _in(day: date, cut: str, period: str) -> bool:
    if period != ALL:
        return (month_key(day) if cut == "month" else week_key(day)) == period
    return day.year == YEAR if cut == "month" else day.isocalendar().year == YEAR


def figures(cut: str, protected: dict[tuple[str, str, str], int | None]) -> list[Figure]:
    """Every figure of a protected cube as the sum of segment counts it is."""
    out = []
    for (r, d, p), value in protected.items():
        members = frozenset(
            (rr, dd, (month_key(day), week_key(day)))
            for rr in (REGIONS if r == ALL else [r])
            for dd in (DIMS if d == ALL else [d])
            for day in DAYS
            if _in(day, cut, p)
        )
        out.append(Figure(f"{cut} {r}/{d}/{p}", members, value))
    return out


def test_weeks_protected_alone_beside_the_months_give_hidden_figures_away():
    counts = daily(3)
    months: dict[tuple[str, str, str], int] = {}
    weeks: dict[tuple[str, str, str], int] = {}
    for (r, d, day), n in counts.items():
        months[(r, d, month_key(day))] = months.get((r, d, month_key(day)), 0) + n
        weeks[(r, d, week_key(day))] = weeks.get((r, d, week_key(day)), 0) + n
    by_month = figures("month", protect_cube(months, REGIONS, DIMS, months_of(YEAR), threshold=5))
    by_week = figures("week", protect_cube(weeks, REGIONS, DIMS, WEEKS, threshold=5))

    def pinned(shown: list[Figure]) -> int:
        return sum(1 for low, high in intervals(shown).values() if high - low < 1e-6)

    assert pinned(by_month) == 0 and pinned(by_week) == 0  # each table alone is safe
    together = pinned(by_month + by_week)
    print(f"months and weeks published together: {together} hidden figures worked out")
    assert together > 0
