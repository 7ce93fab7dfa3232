"""Attacks on the disclosure rule: every published table is solved for what it hides.

The attacker here does not use the module's own `determined()`: it sees only what is published
(shown cells, shown margins, and which cells each margin adds up), writes the equations, and
for every hidden figure asks scipy's LP for its smallest and largest possible value and checks
the null space of the equations. A hidden figure with one possible value is a disclosure.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Hashable, Mapping

import numpy as np
import pytest
from scipy.linalg import null_space
from scipy.optimize import linprog

from services.analytics.disclosure import (
    Protected,
    crosstab_margins,
    determined,
    protect,
    protect_grid,
)
from services.analytics.tables import rate

Margins = Mapping[Hashable, Collection[Hashable]]


# --- the attacker ------------------------------------------------------------------------------


def published_equations(protected: Protected, margins: Margins):
    """Unknowns (hidden cells), equations A x = b from the shown margins, and the hidden margins
    as (name, vector over the unknowns, the shown part of their sum)."""
    hidden = [k for k, v in protected.cells.items() if v is None]
    column = {k: i for i, k in enumerate(hidden)}

    def split(group: Collection[Hashable]) -> tuple[np.ndarray, int]:
        vector, known = np.zeros(len(hidden)), 0
        for k in set(group):
            if protected.cells[k] is None:
                vector[column[k]] = 1.0
            else:
                known += protected.cells[k]
        return vector, known

    rows, rhs, hidden_margins = [], [], []
    for name, group in margins.items():
        vector, known = split(group)
        total = protected.margins[name]
        if total is None:
            hidden_margins.append((name, vector, known))
        elif vector.any():
            rows.append(vector)
            rhs.append(total - known)
        else:
            assert total == known, f"margin {name!r} does not add up"
    a = np.array(rows).reshape(len(rows), len(hidden))
    return hidden, a, np.array(rhs, dtype=float), hidden_margins


def lp_attack(protected: Protected, margins: Margins, *, at_least: float = 0.0) -> list:
    """Hidden figures whose LP range (largest minus smallest possible value) is 0.

    at_least=0 knows only that counts are not negative; at_least=1 also that a hidden figure
    is never 0 (zeros are always shown), the stronger attacker the module defends against.
    One LP per figure: max v.x - v.y over two tables x, y both consistent with what is shown,
    which is the max of v.x minus the min of v.y.
    """
    hidden, a, b, hidden_margins = published_equations(protected, margins)
    n = len(hidden)
    if n == 0:
        return [("margin", name) for name, _, _ in hidden_margins]  # all computable
    zeros = np.zeros_like(a)
    a_eq = np.block([[a, zeros], [zeros, a]])
    a_ub = b_ub = None
    if at_least and hidden_margins:
        floors = np.array([-v for _, v, _ in hidden_margins])
        a_ub = np.block([[floors, np.zeros_like(floors)], [np.zeros_like(floors), floors]])
        b_ub = np.tile([known - at_least for _, _, known in hidden_margins], 2)
    targets = [(("cell", k), np.eye(n)[i]) for i, k in enumerate(hidden)]
    targets += [(("margin", name), v) for name, v, _ in hidden_margins]
    pinned = []
    for label, v in targets:
        res = linprog(
            np.concatenate([-v, v]),
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq if len(a) else None,
            b_eq=np.tile(b, 2) if len(a) else None,
            bounds=[(at_least, None)] * (2 * n),
            method="highs",
        )
        assert res.status in (0, 3), f"the published table is inconsistent: {res.message}"
        if res.status == 0 and -res.fun < 1e-6:
            pinned.append(label)
    return pinned


def null_space_attack(protected: Protected, margins: Margins) -> list:
    """Hidden figures fixed by the published equations alone (orthogonal to their null space)."""
    hidden, a, _, hidden_margins = published_equations(protected, margins)
    n = len(hidden)
    basis = null_space(a) if len(a) else np.eye(n)
    pinned = [("cell", k) for i, k in enumerate(hidden) if np.linalg.norm(basis[i]) < 1e-9]
    pinned += [
        ("margin", name) for name, v, _ in hidden_margins if np.linalg.norm(v @ basis) < 1e-9
    ]
    return pinned


def assert_safe(protected: Protected, margins: Margins, cells: Mapping | None = None) -> None:
    """No attacker recovers a hidden figure; no small count is shown; what is shown is true."""
    assert null_space_attack(protected, margins) == []
    assert lp_attack(protected, margins) == []
    assert lp_attack(protected, margins, at_least=1.0) == []
    shown = [v for v in (*protected.cells.values(), *protected.margins.values()) if v is not None]
    assert not [v for v in shown if 1 <= v <= 4]
    if cells is not None:
        for k, v in cells.items():
            assert protected.cells[k] in (v, None)
            if v == 0 or k not in protected.secondary_cells and v >= 5:
                assert protected.cells[k] == v
        for name, group in margins.items():
            total = sum(cells[k] for k in set(group))
            assert protected.margins[name] in (total, None)
            if total == 0 or name not in protected.secondary_margins and total >= 5:
                assert protected.margins[name] == total


def grid(lines: list[list[int]]) -> tuple[dict, dict]:
    """Cells and all-totals margins of a small table written as lines."""
    rows = [chr(ord("A") + i) for i in range(len(lines))]
    cols = [chr(ord("a") + j) for j in range(len(lines[0]))] if lines else []
    cells = {(r, c): lines[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    return cells, crosstab_margins([rows, cols])


def secondary(protected: Protected) -> set:
    return set(protected.secondary_cells) | set(protected.secondary_margins)


# --- tables written by hand --------------------------------------------------------------------


def test_a_single_small_cell_is_hidden_with_the_cheapest_rectangle():
    cells, margins = grid([[3, 10, 12], [7, 8, 9], [11, 6, 14]])
    primary_only = _publish(cells, margins, [("A", "a")])
    assert null_space_attack(primary_only, margins) == [("cell", ("A", "a"))]
    assert lp_attack(primary_only, margins) == [("cell", ("A", "a"))]
    protected = protect(cells, margins)
    assert protected.primary_cells == {("A", "a")}
    assert secondary(protected) == {("A", "b"), ("B", "a"), ("B", "b")}  # 10 + 7 + 8
    assert_safe(protected, margins, cells)


def test_a_small_cell_with_one_neighbour_ties_are_broken_by_key_order():
    cells, margins = grid([[2, 9], [6, 7], [8, 5]])  # B and C both cost 13: B comes first
    protected = protect(cells, margins)
    assert secondary(protected) == {("A", "b"), ("B", "a"), ("B", "b")}
    assert_safe(protected, margins, cells)


def test_two_suppressions_per_row_and_column_are_not_enough():
    """Two hidden rectangles joined by one hidden cell: every row and column has two hidden
    cells, yet the joining cell is the difference of published totals."""
    lines = [[2, 3, 9, 8], [4, 2, 3, 7], [6, 9, 2, 4], [8, 7, 3, 2]]
    cells, margins = grid(lines)
    assert determined(cells, margins, [k for k, v in cells.items() if v < 5]) == (
        {("B", "c")},
        set(),
    )
    protected = protect(cells, margins)
    assert ("B", "c") in protected.primary_cells
    assert_safe(protected, margins, cells)


def test_a_pair_of_ones_under_a_published_total_is_protected():
    """x + y = 2 with both hidden: non-negativity leaves [0, 2], but hidden means at least 1."""
    cells, margins = grid([[1, 1, 9], [1, 1, 8], [7, 6, 5]])
    hidden = [k for k, v in cells.items() if v < 5]
    assert lp_attack(_publish(cells, margins, hidden), margins) == []
    assert lp_attack(_publish(cells, margins, hidden), margins, at_least=1.0) != []
    assert determined(cells, margins, hidden)[0] == set(hidden)
    protected = protect(cells, margins)
    assert_safe(protected, margins, cells)


def _publish(cells: dict, margins: Margins, hidden: Collection, hidden_margins=()) -> Protected:
    """A hand-made suppression pattern, to show what the attacker gets from it."""
    sums = {m: sum(cells[k] for k in set(g)) for m, g in margins.items()}
    return Protected(
        {k: None if k in hidden else v for k, v in cells.items()},
        {m: None if m in hidden_margins else v for m, v in sums.items()},
        frozenset(hidden),
        frozenset(),
        frozenset(hidden_margins),
        frozenset(),
    )


def test_a_row_of_one_small_count_and_zeros_hides_totals_too():
    cells, margins = grid([[3, 0, 0], [9, 6, 0], [7, 0, 8]])
    protected = protect(cells, margins)
    assert protected.margins[("A", None)] is None
    assert protected.cells[("A", "b")] == 0 and protected.cells[("A", "c")] == 0
    assert_safe(protected, margins, cells)


def test_a_hidden_total_over_shown_cells_is_recomputed_by_anyone():
    cells, margins = grid([[6, 7], [8, 9]])
    assert determined(cells, margins, [], [("A", None)]) == (set(), {("A", None)})


def test_a_small_column_total_is_hidden_and_cannot_be_recovered():
    cells, margins = grid([[1, 8, 6], [0, 9, 7], [2, 5, 12]])
    protected = protect(cells, margins)
    assert protected.margins[(None, "a")] is None
    assert_safe(protected, margins, cells)


def test_zero_rows_and_columns_stay_shown():
    cells, margins = grid([[0, 0, 0], [4, 0, 9], [6, 0, 3]])
    protected = protect(cells, margins)
    assert protected.margins[("A", None)] == 0 and protected.margins[(None, "b")] == 0
    assert_safe(protected, margins, cells)


@pytest.mark.parametrize(
    "lines",
    [[[1, 2], [3, 1]], [[1, 1], [0, 0]], [[4]], [[2, 0, 3]], [[1], [1], [1], [1]], [[0, 0]]],
)
def test_all_small_tables_may_hide_everything_but_leak_nothing(lines):
    cells, margins = grid(lines)
    assert_safe(protect(cells, margins), margins, cells)


def test_empty_tables():
    assert protect({}, {}).cells == {}
    assert protect({}, {"nothing": []}).margins == {"nothing": 0}
    empty = protect_grid([], ["a", "b"], {})
    assert empty.col_total("a") == 0 and empty.total == 0
    assert empty.as_rows() == [["", "a", "b", "Total"], ["Total", 0, 0, 0]]


def test_a_month_series_with_a_year_total_hides_the_next_smallest_month():
    months = {m: v for m, v in enumerate([7, 3, 9, 12, 0, 5, 8], start=1)}
    margins = {"year": list(months)}
    protected = protect(months, margins)
    assert protected.primary_cells == {2} and protected.secondary_cells == {6}
    assert protected.cells[5] == 0 and protected.margins["year"] == 44
    assert_safe(protected, margins, months)


def test_a_grid_with_month_columns_and_a_year_total_is_one_table():
    regions, months = ["Almaty", "Astana", "Shymkent"], list(range(1, 13))
    rng = np.random.default_rng(7)
    values = {(r, m): int(rng.poisson(4)) for r in regions for m in months}
    protected = protect_grid(regions, months, values)
    assert_safe(protected.protected, crosstab_margins([regions, months]), values)
    lines = protected.as_rows(total_label="Year")
    assert lines[0] == ["", *months, "Year"] and len(lines) == len(regions) + 2
    assert lines[1][0] == "Almaty" and lines[-1][-1] == protected.total


def test_an_overlapping_published_subtotal_is_respected():
    """A sub-total over two regions is a margin like any other."""
    cells, margins = grid([[3, 8, 9], [6, 7, 11], [12, 5, 10]])
    margins = {**margins, "north": [("A", "a"), ("B", "a")]}
    protected = protect(cells, margins)
    assert_safe(protected, margins, cells)


# --- many generated tables ---------------------------------------------------------------------


def random_table(seed: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rng.integers(1, 9)), int(rng.integers(1, 8))
    kind = seed % 3
    if kind == 0:
        values = rng.poisson(rng.choice([1.0, 2.5, 4.0, 7.0]), size=(n_rows, n_cols))
    elif kind == 1:
        values = rng.negative_binomial(1, rng.choice([0.1, 0.2, 0.35]), size=(n_rows, n_cols))
    else:  # many zeros and a few large counts
        values = rng.poisson(3.0, size=(n_rows, n_cols)) * rng.binomial(1, 0.6, (n_rows, n_cols))
        values += rng.binomial(1, 0.2, (n_rows, n_cols)) * 20
    return grid(values.tolist())


@pytest.mark.parametrize("seed", range(300))
def test_generated_tables_leak_nothing(seed):
    cells, margins = random_table(seed)
    assert_safe(protect(cells, margins), margins, cells)


@pytest.mark.parametrize("seed", range(0, 300, 6))
def test_determined_agrees_with_the_attacker_on_primary_suppression_alone(seed):
    cells, margins = random_table(seed)
    hidden = {k for k, v in cells.items() if 1 <= v <= 4}
    sums = {m: sum(cells[k] for k in g) for m, g in margins.items()}
    hidden_margins = {m for m, v in sums.items() if 1 <= v <= 4}
    pattern = _publish(cells, margins, hidden, hidden_margins)
    found = set(lp_attack(pattern, margins, at_least=1.0))
    pinned_cells, pinned_margins = determined(cells, margins, hidden, hidden_margins)
    assert found == {("cell", k) for k in pinned_cells} | {("margin", m) for m in pinned_margins}


def test_the_same_data_gives_the_same_pattern_whatever_the_order():
    for seed in range(40):
        cells, margins = random_table(seed)
        first = protect(cells, margins)
        assert protect(cells, margins) == first
        shuffler = random.Random(seed)
        items = list(cells.items())
        shuffler.shuffle(items)
        names = list(margins)
        shuffler.shuffle(names)
        shuffled = {n: shuffler.sample(list(margins[n]), len(margins[n])) for n in names}
        again = protect(dict(items), shuffled)
        assert again == first
        assert list(again.cells) == list(first.cells)


def test_a_region_category_month_cube_with_every_margin_leaks_nothing():
    regions, categories, months = (
        ["Almaty", "Astana", "Aktobe", "Atyrau"],
        ["a", "b", "c"],
        [1, 2, 3, 4, 5],
    )
    rng = np.random.default_rng(11)
    cells = {
        (r, c, m): int(rng.negative_binomial(1, 0.25))
        for r in regions
        for c in categories
        for m in months
    }
    margins = crosstab_margins([regions, categories, months])
    assert len(margins) == 5 * 4 * 6 - 60
    protected = protect(cells, margins)
    assert protected.secondary_cells or protected.secondary_margins
    assert_safe(protected, margins, cells)


def test_the_full_size_cube_is_protected():
    regions = [f"region-{i:02d}" for i in range(20)]
    categories, months = [f"category-{j}" for j in range(8)], list(range(1, 13))
    rng = np.random.default_rng(3)
    cells = {
        (r, c, m): int(rng.negative_binomial(1, 0.15))
        for r in regions
        for c in categories
        for m in months
    }
    margins = crosstab_margins([regions, categories, months])
    protected = protect(cells, margins)  # its cost is bench/analytics.py's to measure
    assert null_space_attack(protected, margins) == []
    # The LP attack on every hidden figure would take minutes: attack a fixed sample.
    sample = random.Random(3).sample(sorted(protected.primary_cells), 12)
    assert _lp_attack_some(protected, margins, sample) == []


def _lp_attack_some(protected: Protected, margins: Margins, keys: list) -> list:
    hidden, a, b, hidden_margins = published_equations(protected, margins)
    n, pinned = len(hidden), []
    bounds = dict(
        A_ub=np.array([-v for _, v, _ in hidden_margins]) if hidden_margins else None,
        b_ub=np.array([known - 1.0 for _, _, known in hidden_margins]) if hidden_margins else None,
        A_eq=a,
        b_eq=b,
        bounds=(1, None),
        method="highs",
    )
    for key in keys:
        objective = np.zeros(n)
        objective[hidden.index(key)] = 1.0
        low, high = linprog(objective, **bounds), linprog(-objective, **bounds)
        if high.status == 0 and -high.fun - low.fun < 1e-6:
            pinned.append(key)
    return pinned


def test_a_20_by_8_table_is_protected():
    rows, cols = [f"region-{i:02d}" for i in range(20)], [f"category-{j}" for j in range(8)]
    rng = np.random.default_rng(5)
    values = {(r, c): int(rng.negative_binomial(1, 0.12)) for r in rows for c in cols}
    protected = protect_grid(rows, cols, values).protected
    assert_safe(protected, crosstab_margins([rows, cols]), values)


# --- thresholds, rates, input checks -----------------------------------------------------------


def test_the_threshold_is_a_parameter():
    cells, margins = grid([[3, 10], [7, 8]])
    assert protect(cells, margins, threshold=3).cells[("A", "a")] == 3
    assert protect(cells, margins, threshold=4).cells[("A", "a")] is None


def test_a_rate_is_not_shown_when_a_part_is_suppressed():
    cells, margins = grid([[3, 10], [7, 8]])
    shown = protect(cells, margins)
    assert rate(shown.cells[("A", "a")], shown.margins[("A", None)]) is None
    assert rate(5, None) is None and rate(None, 10) is None
    assert rate(3, 0) is None
    assert rate(5, 20) == 0.25


def test_grid_cells_and_totals_read_like_the_table():
    values = {("Almaty", "land"): 12, ("Almaty", "family"): 2, ("Astana", "land"): 9}
    table = protect_grid(["Almaty", "Astana"], ["land", "family"], values)
    assert table.cell("Almaty", "family") is None
    assert table.cell("Astana", "family") == 0
    assert table.col_total("family") is None
    assert None in (table.cell("Almaty", "land"), table.row_total("Almaty"))


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        protect({"a": -1}, {})
    with pytest.raises(KeyError):
        protect({"a": 1}, {"total": ["a", "b"]})
    with pytest.raises(ValueError):
        protect_grid(["A"], ["a"], {("B", "a"): 3})
    with pytest.raises(ValueError):
        crosstab_margins([["A", None]])
