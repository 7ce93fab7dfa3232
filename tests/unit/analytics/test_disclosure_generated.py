"""Attacks on the disclosure rule, on generated tables: hundreds of small ones, and big cubes."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from services.analytics.disclosure import (
    Protected,
    crosstab_margins,
    determined,
    protect,
    protect_grid,
)
from tests.unit.analytics.attacker import (
    Margins,
    _publish,
    assert_safe,
    grid,
    lp_attack,
    null_space_attack,
    published_equations,
)

pytestmark = pytest.mark.db_independent


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
