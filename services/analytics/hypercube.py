"""The hypercube search for secondary suppression: a cheap way to move a figure, without an LP.

For a table whose cells are tuples (region, dimension, month), the classic move that keeps
every margin is a hypercube: the target cell and a cell that differs from it on every axis
span 2^k corners, each raised or lowered by 1 with the parity of the axes it differs on, so
every line of the table gains and loses the same. A figure summed over some axes (a margin)
moves the same way with a hypercube over its other axes only. Every candidate (one per cell
of the table) is checked against the real published sums, not assumed to keep them: a sum it
changes is hidden as well and paid for, a sum or cell at 1 may only go up (the attacker knows
a hidden figure is at least 1) and a cell at 0 is never touched (zeros are always shown).
The cheapest valid candidate wins, ties to the first in key order, so the choice is
deterministic. When no candidate is valid the caller falls back to its LP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Any

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class Lattice:
    """Where each cell of a table sits on its axes, when its keys are equal-length tuples."""

    coords: np.ndarray  # cells x axes: the level index of each cell on each axis
    grid: np.ndarray  # levels per axis -> cell index, -1 where no cell has those levels

    @classmethod
    def of(cls, cell_keys: Sequence[Any]) -> Lattice | None:
        """The lattice of `cell_keys`, or None when they are not tuples of one length."""
        if not cell_keys or not all(isinstance(k, tuple) for k in cell_keys):
            return None
        width = len(cell_keys[0])
        if width == 0 or any(len(k) != width for k in cell_keys):
            return None
        levels = [
            {v: i for i, v in enumerate(dict.fromkeys(k[a] for k in cell_keys))}
            for a in range(width)
        ]
        coords = np.array([[levels[a][k[a]] for a in range(width)] for k in cell_keys])
        grid = np.full(tuple(len(lv) for lv in levels), -1, dtype=np.int64)
        grid[tuple(coords.T)] = np.arange(len(cell_keys))
        return cls(coords, grid)


def cheapest(
    lattice: Lattice,
    member: sparse.csr_matrix,
    values: np.ndarray,
    sums: np.ndarray,
    costs: tuple[np.ndarray, np.ndarray],
    hidden: tuple[np.ndarray, np.ndarray],
    members: np.ndarray,
) -> np.ndarray | None:
    """The cheapest hypercube raising the figure made of the cells `members` (one cell, or a
    margin's cells) by 1 while keeping the published sums; a change per cell, or None."""
    cost_c, cost_m = costs
    hidden_c, hidden_m = hidden
    if not len(members):
        return None
    base = lattice.coords[members]
    fixed = np.flatnonzero((base == base[0]).all(axis=0))  # the axes the figure is not summed on
    base = base[values[members] > 0]
    if not len(base):
        return None
    alternatives, patterns, signs = _geometry(lattice.grid.shape, tuple(fixed))
    # one candidate per base cell and choice of levels on the fixed axes: the hypercube spans
    # the axes where the choice differs from the base (none: the base cell alone is raised)
    bases = np.repeat(base, len(alternatives), axis=0)
    others = np.tile(alternatives, (len(base), 1))
    varied = others != bases[:, fixed]  # candidates x fixed axes
    corner = np.repeat(bases[:, None, :], len(patterns), axis=1)  # candidates x corners x axes
    corner[:, :, fixed] = np.where(patterns[None], others[:, None, :], bases[:, None, fixed])
    # a corner that picks the other level on an axis not varied repeats another corner: unused
    used = ~(patterns[None] & ~varied[:, None, :]).any(axis=2)  # candidates x corners
    cells = lattice.grid[tuple(np.moveaxis(corner, -1, 0))]  # candidates x corners
    worth = values[np.where(cells >= 0, cells, 0)]
    lowered = (signs[None] < 0) & used
    valid = ~(used & ((cells < 0) | (worth <= 0))).any(axis=1) & ~(lowered & (worth < 2)).any(
        axis=1
    )
    if not valid.any():
        return None
    cells, used = cells[valid], used[valid]  # most candidates of a sparse table end here
    signs = signs[None] * used
    n = len(cells)
    valid = np.ones(n, dtype=bool)
    cost = np.where(hidden_c[cells] | ~used, 0.0, cost_c[cells]).sum(axis=1)
    steps = sparse.csr_matrix(
        (signs.ravel(), (np.repeat(np.arange(n), signs.shape[1]), cells.ravel())),
        shape=(n, len(values)),
    )
    changes = (steps @ member.T).tocoo()  # candidates x margins
    moved = np.abs(changes.data) > 0.5
    rows, cols, change = changes.row[moved], changes.col[moved], changes.data[moved]
    valid[rows[(change < 0) & (sums[cols] == 1)]] = False
    np.add.at(cost, rows, np.where(hidden_m[cols], 0.0, cost_m[cols]))
    if not valid.any():
        return None
    best = int(np.flatnonzero(valid)[np.argmin(cost[valid])])
    return np.asarray(steps[best].toarray()).ravel()


@lru_cache(maxsize=64)
def _geometry(
    shape: tuple[int, ...], fixed: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The level choices on the fixed axes, the corners (which axes take the other level), and
    each corner's sign (+ when it differs from the base on an even number of axes)."""
    choices = list(product(*(range(shape[a]) for a in fixed)))
    alternatives = np.array(choices, dtype=np.int64).reshape(len(choices), len(fixed))
    corners = list(product((0, 1), repeat=len(fixed)))
    patterns = np.array(corners, dtype=bool).reshape(len(corners), len(fixed))
    signs = np.where(patterns.sum(axis=1) % 2 == 0, 1.0, -1.0)
    return alternatives, patterns, signs
