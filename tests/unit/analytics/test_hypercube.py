"""The hypercube move: a small cell in a three-way table with every margin is hidden with the
seven other corners of the cheapest cube through it, and nothing else; the result leaks
nothing by the module's own test and the attacker's."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from services.analytics.disclosure import crosstab_margins, determined, protect
from tests.unit.analytics.attacker import assert_safe

pytestmark = pytest.mark.db_independent

AXES = (["r1", "r2", "r3"], ["a", "b", "c"], [1, 2, 3])


def test_one_small_cell_among_large_ones_is_hidden_with_a_cube_of_eight():
    cells = dict.fromkeys(product(*AXES), 30)
    cells[("r2", "b", 2)] = 2
    cells[("r3", "c", 3)] = 6  # the cheapest partner: the corners differ on every axis
    margins = crosstab_margins(list(AXES))
    protected = protect(cells, margins)
    hidden = {k for k, v in protected.cells.items() if v is None}
    corners = set(product(["r2", "r3"], ["b", "c"], [2, 3]))
    assert hidden == corners
    assert not protected.secondary_margins  # a cube keeps every line's sum: no total hidden
    assert determined(cells, margins, hidden) == (set(), set())
    assert_safe(protected, margins, cells)


@pytest.mark.parametrize("seed", range(3))
def test_sparse_cubes_like_a_year_of_few_cases_leak_nothing(seed):
    """Mostly zeros and ones (the slow case before hypercubes): hidden, and none determined."""
    rng = np.random.default_rng(seed)
    axes = (["r1", "r2", "r3", "r4", "r5"], ["a", "b", "c", "d"], list(range(1, 7)))
    cells = {key: int(rng.poisson(1.2)) for key in product(*axes)}
    margins = crosstab_margins(list(axes))
    protected = protect(cells, margins)
    hidden_c = [k for k, v in protected.cells.items() if v is None]
    hidden_m = [k for k, v in protected.margins.items() if v is None]
    assert determined(cells, margins, hidden_c, hidden_m) == (set(), set())
    assert_safe(protected, margins, cells)
