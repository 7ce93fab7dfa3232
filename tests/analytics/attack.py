"""The attacker of published figures: everything shown, solved together for what is hidden.

Each published figure is a sum of base counts (a region's count of a category in a month);
the attacker knows which, knows every shown value, that counts are not negative and that a
hidden figure is at least 1 (zeros are always shown). For every hidden figure, two LPs give
the smallest and largest value it can take given all of that: its interval.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog


@dataclass(frozen=True)
class Figure:
    """A published number: the base counts it adds up, and its value (None: suppressed)."""

    label: str
    members: frozenset[Hashable]
    value: int | None


def intervals(figures: Iterable[Figure]) -> dict[frozenset[Hashable], tuple[float, float]]:
    """Each hidden figure (by the counts it adds up) -> the interval the attacker pins it to."""
    figures = list(figures)
    shown: dict[frozenset[Hashable], int] = {}
    hidden: set[frozenset[Hashable]] = set()
    for f in figures:
        if not f.members:
            continue
        if f.value is None:
            hidden.add(f.members)
        else:
            assert shown.setdefault(f.members, f.value) == f.value, f"{f.label} contradicts"
    # A figure hidden in one table and shown in another is simply known.
    found = {g: (float(shown[g]), float(shown[g])) for g in hidden & set(shown)}
    hidden -= set(shown)
    if not hidden:
        return found
    # A base count inside a shown 0 is 0 (counts are not negative): left out of the LPs.
    zero = {m for g, v in shown.items() if v == 0 for m in g}
    shown = {g - zero: v for g, v in shown.items() if g - zero}
    original = {g: g - zero for g in hidden}
    for g, reduced in original.items():  # the same counts as a shown figure: known
        if reduced in shown:
            found[g] = (float(shown[reduced]), float(shown[reduced]))
    hidden = {g for g in hidden if original[g] not in shown}
    if not hidden:
        return found
    base = sorted({m for g in [*shown, *original.values()] for m in g}, key=repr)
    at = {k: i for i, k in enumerate(base)}

    def row(members: Collection[Hashable]) -> list[int]:
        return sorted(at[m] for m in members)

    def matrix(groups: list[frozenset[Hashable]]) -> sparse.csr_matrix:
        rows, cols = [], []
        for i, g in enumerate(groups):
            idx = row(g)
            rows += [i] * len(idx)
            cols += idx
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(groups), len(base)))

    eq_groups = sorted(shown, key=lambda g: sorted(map(repr, g)))
    a_eq, b_eq = matrix(eq_groups), np.array([shown[g] for g in eq_groups], dtype=float)
    hid_groups = sorted(hidden, key=lambda g: sorted(map(repr, g)))
    a_hid = matrix([original[g] for g in hid_groups])
    bounds = dict(
        A_ub=-a_hid, b_ub=-np.ones(len(hid_groups)), A_eq=a_eq, b_eq=b_eq, bounds=(0, None)
    )
    for i, group in enumerate(hid_groups):
        objective = a_hid[i].toarray().ravel()
        low = linprog(objective, method="highs", **bounds)
        high = linprog(-objective, method="highs", **bounds)
        assert low.status == 0, f"the published figures are inconsistent: {low.message}"
        top = float("inf") if high.status == 3 else -high.fun
        found[group] = (low.fun, top)
    return found
