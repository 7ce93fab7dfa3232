"""Attacks on the disclosure rule, on tables written by hand: each one a known way to leak."""

from __future__ import annotations

import numpy as np
import pytest

from services.analytics.disclosure import crosstab_margins, determined, protect, protect_grid
from tests.unit.analytics.attacker import (
    _publish,
    assert_safe,
    grid,
    lp_attack,
    null_space_attack,
    secondary,
)

pytestmark = pytest.mark.db_independent


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
