"""The disclosure rule's interface: its threshold, rates over hidden parts, grids, refused input."""

from __future__ import annotations

import pytest

from services.analytics.disclosure import crosstab_margins, protect, protect_grid
from services.analytics.tables import rate
from tests.unit.analytics.attacker import grid

pytestmark = pytest.mark.db_independent


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
