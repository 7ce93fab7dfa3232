"""Weeks are published as weeks of the month, protected in one cube with their months.

Why: an ISO-week cube protected on its own beside the month cube gives hidden figures away,
because weeks and months cut the same days differently. Each table alone passes the margin
attack; written together as sums of region x category x segment counts (the days a month and
an ISO week share), they do not. Weeks of the month nest in months, so one cube holds both.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from services.analytics.cube import ALL, protect_cube, protect_weekly_cube
from services.analytics.measures import (
    month_key,
    months_of,
    piece_days,
    piece_key,
    pieces_of,
    week_key,
)
from tests.analytics.attack import Figure, intervals

pytestmark = pytest.mark.db_independent

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


def pinned(shown: list[Figure]) -> list[tuple[str, int | None]]:
    found = intervals(shown)
    return [
        (f.label, f.value)
        for f in shown
        if f.value is None and found[f.members][1] - found[f.members][0] < 1e-6
    ]


def weekly_figures(protected: dict[tuple[str, str, str], int | None]) -> list[Figure]:
    """Every figure of a protected weekly cube (weeks of the month, months, the year) as the sum
    of weeks of the month it is."""
    every = [p for m in months_of(YEAR) for p in pieces_of(m)]
    out = []
    for (r, d, p), value in protected.items():
        weeks = every if p == ALL else [q for q in every if q == p or q[:7] == p]
        members = frozenset(
            (rr, dd, q)
            for rr in (REGIONS if r == ALL else [r])
            for dd in (DIMS if d == ALL else [d])
            for q in weeks
        )
        out.append(Figure(f"{r}/{d}/{p}", members, value))
    return out


@pytest.mark.parametrize("seed", [3, 11])
def test_weeks_of_the_month_protected_with_their_months_give_nothing_away(seed):
    counts = daily(seed)
    by_week: dict[tuple[str, str, str], int] = {}
    for (r, d, day), n in counts.items():
        by_week[(r, d, piece_key(day))] = by_week.get((r, d, piece_key(day)), 0) + n
    weeks = {m: pieces_of(m) for m in months_of(YEAR)}
    protected = protect_weekly_cube(by_week, REGIONS, DIMS, weeks, threshold=5)

    # every month and the year are there, equal to their counts where shown
    for r in REGIONS:
        for d in DIMS:
            for m in months_of(YEAR):
                count = sum(
                    n
                    for (rr, dd, day), n in counts.items()
                    if (rr, dd, month_key(day)) == (r, d, m)
                )
                assert protected[(r, d, m)] in (None, count)
                assert protected[(r, d, m)] is not None or count >= 1
    shown_small = [k for k, v in protected.items() if v is not None and 0 < v < 5]
    assert shown_small == []
    hidden = sum(1 for v in protected.values() if v is None)
    assert hidden > 50  # small counts: the attack has something to work on
    assert pinned(weekly_figures(protected)) == []


def test_a_month_without_its_weeks_is_one_cell_and_keeps_its_figure():
    weeks = {m: pieces_of(m) for m in months_of(YEAR)}
    weeks["2025-03"] = ["2025-03"]  # imported monthly statistics: no weeks
    values = {("r1", "a", "2025-03"): 40, ("r2", "a", "2025-03"): 7, ("r1", "b", "2025-04-W15"): 9}
    protected = protect_weekly_cube(values, REGIONS, DIMS, weeks, threshold=5)
    assert protected[("r1", "a", "2025-03")] == 40
    assert protected[("r1", "b", "2025-04")] == 9
    assert protected[("r1", "b", "2025-04-W15")] == 9
    assert protected[(ALL, ALL, ALL)] == 56
    assert not any(k[2].startswith("2025-03-") for k in protected)


def test_weeks_of_a_month_cut_iso_weeks_at_its_ends():
    assert pieces_of("2025-09") == [
        "2025-09-W36",
        "2025-09-W37",
        "2025-09-W38",
        "2025-09-W39",
        "2025-09-W40",
    ]
    assert piece_days("2025-09-W40") == (date(2025, 9, 29), date(2025, 9, 30))
    assert piece_days("2025-10-W40") == (date(2025, 10, 1), date(2025, 10, 5))
    assert piece_key(date(2024, 12, 30)) == "2024-12-W01"  # ISO 2025's first week, in December
    days = [date(2025, 1, 1) + timedelta(days=k) for k in range(365)]
    assert sum(len(pieces_of(m)) for m in months_of(2025)) == len({piece_key(d) for d in days})


@pytest.mark.parametrize("seed", range(3))
def test_solving_month_by_month_finds_the_same_determined_figures_as_one_matrix(seed):
    """The block path of `linear.pinned` (months solved apart, the year's totals on top)
    against the one-matrix path, on tables where hundreds of figures are determined."""
    from itertools import product

    from services.analytics.disclosure import crosstab_margins
    from services.analytics.linear import CellTable, pinned

    rng = np.random.default_rng(seed)
    regions, dims = [f"r{i}" for i in range(6)], ["a", "b", "c"]
    weeks = {m: pieces_of(m) for m in months_of(YEAR)}
    every = [p for month_weeks in weeks.values() for p in month_weeks]
    cells = {k: int(rng.poisson(0.8)) for k in product(regions, dims, every)}
    margins = crosstab_margins([regions, dims, every])
    for month, month_weeks in weeks.items():
        for r, d in product([*regions, None], [*dims, None]):
            margins[(r, d, f"month:{month}")] = [
                (rr, dd, p)
                for rr in ([r] if r else regions)
                for dd in ([d] if d else dims)
                for p in month_weeks
            ]
    table = CellTable.build(cells, margins)
    hidden_c = (table.values >= 1) & (table.values < 5)
    hidden_m = (table.sums >= 1) & (table.sums < 5)
    whole = pinned(table, hidden_c, hidden_m)
    by_month = pinned(table.with_blocks(lambda key: key[2][:7]), hidden_c, hidden_m)
    assert len(whole[0]) > 100 and len(whole[1]) > 100
    assert np.array_equal(whole[0], by_month[0]) and np.array_equal(whole[1], by_month[1])


def test_a_few_small_cells_of_the_month_in_progress_leave_the_year_of_a_large_region_shown():
    """QA: imported months and a first week of December with a few small cells of the capital.

    Hiding those cells needs secondary suppression; a move inside December alone would change
    the year's figures, so it hid the capital's year row and the national category totals
    (hundreds of cases each). Moving another month's cells instead hides only small figures.
    """
    rng = np.random.default_rng(2026)
    regions, dims = ["r1", "r2", "r3", "r4"], ["a", "b", "c", "d"]
    size = {"r1": 30.0, "r2": 12.0, "r3": 4.0, "r4": 2.0}
    months = months_of(2026)
    weeks = {m: [m] if m < "2026-12" else pieces_of(m) for m in months}  # Jan-Nov imported
    values = {
        (r, d, m): int(rng.poisson(size[r])) for r in regions for d in dims for m in months[:-1]
    }
    first = pieces_of("2026-12")[0]
    values.update({("r1", "a", first): 1, ("r1", "b", first): 2, ("r1", "c", first): 1})
    values.update({("r2", "a", first): 1, ("r2", "d", first): 1})
    protected = protect_weekly_cube(values, regions, dims, weeks, threshold=5)

    assert protected[("r1", "a", first)] is None  # the small cells are hidden
    year_of_r1 = {d: protected[("r1", d, ALL)] for d in [*dims, ALL]}
    national = {d: protected[(ALL, d, ALL)] for d in [*dims, ALL]}
    assert None not in year_of_r1.values(), year_of_r1
    assert None not in national.values(), national
    every = [p for m in months for p in weeks[m]]
    shown = []
    for (r, d, p), value in protected.items():
        members = frozenset(
            (rr, dd, q)
            for rr in (regions if r == ALL else [r])
            for dd in (dims if d == ALL else [d])
            for q in (every if p == ALL else [q for q in every if q == p or q[:7] == p])
        )
        shown.append(Figure(f"{r}/{d}/{p}", members, value))
    assert pinned(shown) == []
