"""The linear algebra of disclosure control: a table of cells and sums as arrays, and which
hidden figures the published ones pin down (`pinned`).

A hidden figure is determined when it is constant on the attacker's polytope: when its
vector lies in the row space of the published sums plus the "stuck" figures (hidden figures
at 1 that nothing can raise). One LP finds the stuck ones; the rest is a null space: every
way the hidden cells can move keeping the published sums. With blocks (a month's weeks), the
null space is found block by block and joined on the sums that span blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from operator import index
from typing import Any

import numpy as np
from scipy import sparse

from services.analytics.hypercube import Lattice


@dataclass(frozen=True)
class CellTable:
    """Cells and margins as arrays, both in a stable key order."""

    cell_keys: list[Any]
    margin_keys: list[Any]
    cell_at: dict[Any, int]
    margin_at: dict[Any, int]
    values: np.ndarray  # per cell
    sums: np.ndarray  # per margin
    member: sparse.csr_matrix  # margins x cells, 1 where the margin adds up the cell
    cost_c: np.ndarray  # the value, plus a tie-breaker below 1e-3 following the key order
    cost_m: np.ndarray
    lattice: Lattice | None  # where the cells sit, when they are tuples (the hypercube search)
    blocks: np.ndarray | None = None  # per cell, the block its moves are sought in first
    _parts: dict[int | None, Any] = field(default_factory=dict, repr=False, compare=False)

    def with_blocks(self, block_of: Callable[[Any], Hashable]) -> CellTable:
        names = [block_of(k) for k in self.cell_keys]
        at = {b: i for i, b in enumerate(dict.fromkeys(names))}
        return replace(self, blocks=np.array([at[b] for b in names]))

    def part(self, block: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, sparse.csc_matrix]:
        """The sums that add up cells of `block` (all cells: None), its cells, and which sum
        adds up which of them (kept per block: the table does not change while protected)."""
        key = None if block is None else int(self.blocks[block[0]])  # type: ignore[index]
        if key not in self._parts:
            cols = np.arange(len(self.values)) if block is None else block
            local = self.member[:, cols].tocsc()
            rows = np.flatnonzero(local.getnnz(axis=1) > 0)
            self._parts[key] = (rows, cols, local[rows])
        found: tuple[np.ndarray, np.ndarray, sparse.csc_matrix] = self._parts[key]
        return found

    def block(self, is_margin: bool, i: int) -> np.ndarray | None:
        """The cells of the block a figure lies in, or None (no blocks, or it spans several)."""
        if self.blocks is None:
            return None
        found = np.unique(self.blocks[self.member[i].indices if is_margin else [i]])
        return np.flatnonzero(self.blocks == found[0]) if len(found) == 1 else None

    @classmethod
    def build(cls, cells: Mapping[Any, int], margins: Mapping[Any, Collection[Any]]) -> CellTable:
        cell_keys, margin_keys = _stable(cells), _stable(margins)
        cell_at = {k: i for i, k in enumerate(cell_keys)}
        values = np.array([index(cells[k]) for k in cell_keys], dtype=np.int64)
        if (values < 0).any():
            raise ValueError("counts cannot be negative")
        rows, cols = [], []
        for j, m in enumerate(margin_keys):
            members = {cell_at[k] for k in margins[m]}  # KeyError: a margin names no cell
            rows += [j] * len(members)
            cols += sorted(members)
        shape = (len(margin_keys), len(cell_keys))
        member = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        sums = np.rint(member @ values.astype(float)).astype(np.int64)
        tie = np.arange(1, sum(shape) + 1) * (1e-3 / (sum(shape) + 1))
        return cls(
            cell_keys,
            margin_keys,
            cell_at,
            {m: j for j, m in enumerate(margin_keys)},
            values,
            sums,
            member,
            values + tie[: len(values)],
            sums + tie[len(values) :],
            Lattice.of(cell_keys),
        )


def _stable(keys: Iterable[Any]) -> list[Any]:
    """Keys in their natural order, or by repr when they do not compare."""
    keys = list(keys)
    try:
        return sorted(keys)
    except TypeError:
        return sorted(keys, key=repr)


def pinned(
    table: CellTable, hidden_c: np.ndarray, hidden_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the hidden cells and margins that are constant on the attacker's polytope."""
    h, hm = np.flatnonzero(hidden_c), np.flatnonzero(hidden_m)
    member_h = table.member[:, h].tocsr()
    published = member_h[~hidden_m]
    published = published[published.getnnz(axis=1) > 0]
    inside = member_h[hm].toarray()  # what each hidden margin adds up
    one_c, one_m = table.values[h] == 1, table.sums[hm] == 1
    stuck_c, stuck_m = _stuck(published, one_c, inside[one_m])
    # A stuck cell is known (it is 1); a stuck margin is one more published sum.
    free = ~stuck_c
    equations = sparse.vstack(
        [published[:, free], sparse.csr_matrix(inside[one_m][stuck_m][:, free])]
    ).tocsr()
    blocks = table.blocks[h[free]] if table.blocks is not None else None
    moves = _null_basis(equations, blocks)  # orthonormal columns: every way the free cells move
    fixed_c = stuck_c.copy()
    fixed_c[free] = (moves**2).sum(axis=1) < 1e-8  # no move changes the cell
    fixed_m = ((inside[:, free] @ moves) ** 2).sum(axis=1) < 1e-8  # nor the sum
    fixed_m[np.flatnonzero(one_m)[stuck_m]] = True
    return h[fixed_c], hm[fixed_m]


def _stuck(
    published: sparse.csr_matrix, one_c: np.ndarray, one_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which hidden figures equal to 1 no change keeping the published sums can raise."""
    n, b_c, b_m = len(one_c), int(one_c.sum()), len(one_m)
    if b_c + b_m == 0:
        return np.zeros(n, dtype=bool), np.zeros(0, dtype=bool)
    # maximise sum(s), 0 <= s <= 1, s <= (what each figure adds up) @ d, published @ d = 0
    raised = sparse.vstack([sparse.identity(n, format="csr")[one_c], sparse.csr_matrix(one_m)])
    b = b_c + b_m
    from scipy.optimize import linprog  # 0.8 s to import: see `disclosure.load`

    res = linprog(
        np.concatenate([np.zeros(n), -np.ones(b)]),
        A_ub=sparse.hstack([-raised, sparse.identity(b)]).tocsr(),
        b_ub=np.zeros(b),
        A_eq=sparse.hstack([published, sparse.csr_matrix((published.shape[0], b))]).tocsr(),
        b_eq=np.zeros(published.shape[0]),
        bounds=[(None, None)] * n + [(0, 1)] * b,
        method="highs",
    )
    # Should the LP fail, call them all stuck: the round then gives each one a way up.
    stuck = res.x[n:] < 0.5 if res.status == 0 else np.ones(b, dtype=bool)
    stuck_c = np.zeros(n, dtype=bool)
    stuck_c[np.flatnonzero(one_c)] = stuck[:b_c]
    return stuck_c, stuck[b_c:]


def _null_basis(equations: sparse.csr_matrix, blocks: np.ndarray | None) -> np.ndarray:
    """Orthonormal columns spanning the changes of the cells that keep every equation.

    With blocks (a block per cell), the equations within one block are solved block by block
    and only those that span blocks (e.g. a year's totals over its months) are solved
    together, on the blocks' own solutions: a few small factorisations instead of one large
    one (a cube of weeks of the month has thousands of hidden cells).
    """
    n = equations.shape[1]
    if blocks is None or n == 0:
        return _null_space(equations.toarray())
    m = equations.shape[0]
    lengths = np.diff(equations.indptr)
    first, spans = np.full(m, -1), np.zeros(m, dtype=bool)
    filled = np.flatnonzero(lengths > 0)
    if len(filled):
        of = blocks[equations.indices]
        starts = equations.indptr[filled]
        first[filled] = np.minimum.reduceat(of, starts)
        spans[filled] = np.maximum.reduceat(of, starts) != first[filled]
    parts: list[tuple[np.ndarray, np.ndarray]] = []  # per block: its cells and their moves
    for block in np.unique(blocks):
        cols = np.flatnonzero(blocks == block)
        own = equations[np.flatnonzero((first == block) & ~spans)][:, cols]
        parts.append((cols, _null_space(own.toarray())))
    shared = equations[np.flatnonzero(spans)]
    joined = np.hstack([shared[:, cols].toarray() @ basis for cols, basis in parts])
    mix = _null_space(joined)  # the blocks' moves combined so the shared equations hold
    moves = np.zeros((n, mix.shape[1]))
    at = 0
    for cols, basis in parts:
        moves[cols] = basis @ mix[at : at + basis.shape[1]]
        at += basis.shape[1]
    return moves


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal columns spanning {z : matrix @ z = 0} (rank-revealing QR of the transpose)."""
    n = matrix.shape[1]
    if matrix.shape[0] == 0 or n == 0:
        return np.eye(n)
    from scipy.linalg import qr

    q, r, _ = qr(matrix.T, mode="full", pivoting=True)
    diagonal = np.abs(np.diag(r))
    if diagonal.size == 0 or diagonal[0] == 0:
        return np.eye(n)
    rank = int((diagonal > diagonal[0] * max(matrix.shape) * np.finfo(float).eps * 10).sum())
    basis: np.ndarray = q[:, rank:]
    return basis
