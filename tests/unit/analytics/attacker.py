"""The attacker of the disclosure rule's tests: every published table is solved for what it hides.

The attacker here does not use the module's own `determined()`: it sees only what is published
(shown cells, shown margins, and which cells each margin adds up), writes the equations, and
for every hidden figure asks scipy's LP for its smallest and largest possible value and checks
the null space of the equations. A hidden figure with one possible value is a disclosure.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import linprog

from services.analytics.disclosure import Protected, crosstab_margins

Margins = Mapping[Hashable, Collection[Hashable]]


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
