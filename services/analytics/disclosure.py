"""Statistical disclosure control: which published counts must be hidden, and which may be shown.

Every figure analytics publishes (a cell, a row, column or grand total, any other published sum)
goes through `protect`. Counts from 1 to threshold-1 are hidden (primary suppression); then more
figures are hidden (secondary suppression) until no hidden figure can be worked out again.

The attacker we defend against knows every published figure, which cells each published sum
adds up, that counts are not negative, and that a hidden figure is at least 1 (zeros are always
shown, so a hidden 0 would protect nothing). The tables consistent with that form a polytope P
around the true table; a hidden figure is safe when it is not constant on P. It is constant
exactly when its vector lies in the row space of the published sums plus the "stuck" figures
(hidden figures equal to 1 that no table in P can raise): the affine hull of P. One LP
finds the stuck figures, QR factorisations the rest (`linear.pinned`; block by block when the
caller names blocks, e.g. a month's weeks). Each determined figure then gets
a cheap way to move it that keeps the published sums: the cheapest hypercube through it
(`hypercube.py`, costing the value of every figure it newly hides), or, when the cells are not
tuples, no hypercube fits or the best one would hide a total, an L1 LP over all such
directions (it may find a cheaper move through figures already hidden), sought in the
figure's block first and, when the move found there would hide a sum over several blocks,
weighed against the whole table's: the cheapest move is taken. Small values are
hidden first and the result is the same for the same data, whatever the order of the input.
One round suffices (see `_secondary_round`), so `pinned` runs once. Reasoning on whole numbers
is not modelled; for two-way tables it adds nothing, as their LP ranges end on whole numbers.

A suppressed figure is None. The UI should print the same mark for every one: telling primary
("<5") from secondary apart narrows the range, e.g. four "<5" cells under a "<5" total are all 1.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, product
from typing import Any, Generic, TypeVar

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from services.analytics.hypercube import cheapest
from services.analytics.linear import CellTable, pinned

K = TypeVar("K", bound=Hashable)
M = TypeVar("M", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)

_TOL = 1e-7


@dataclass(frozen=True)
class Protected(Generic[K, M]):
    """A table after suppression: every cell and margin, None where hidden."""

    cells: dict[K, int | None]
    margins: dict[M, int | None]
    primary_cells: frozenset[K]
    secondary_cells: frozenset[K]
    primary_margins: frozenset[M]
    secondary_margins: frozenset[M]


@dataclass(frozen=True)
class Grid(Generic[R, C]):
    """A protected rows x columns table with row totals, column totals and the grand total."""

    rows: tuple[R, ...]
    cols: tuple[C, ...]
    protected: Protected[tuple[R, C], tuple[R | None, C | None]]

    def cell(self, row: R, col: C) -> int | None:
        return self.protected.cells[(row, col)]

    def row_total(self, row: R) -> int | None:
        return self.protected.margins[(row, None)]

    def col_total(self, col: C) -> int | None:
        return self.protected.margins[(None, col)]

    @property
    def total(self) -> int | None:
        return self.protected.margins[(None, None)]

    def as_rows(self, total_label: str = "Total") -> list[list[Any]]:
        """The table as an export sees it: a header line, one line per row, a totals line."""
        lines: list[list[Any]] = [["", *self.cols, total_label]]
        for r in self.rows:
            lines.append([r, *(self.cell(r, c) for c in self.cols), self.row_total(r)])
        lines.append([total_label, *(self.col_total(c) for c in self.cols), self.total])
        return lines


def crosstab_margins(
    axes: Sequence[Sequence[Hashable]], cells: Iterable[tuple[Any, ...]] | None = None
) -> dict[tuple[Any, ...], list[tuple[Any, ...]]]:
    """Every margin of a full cross-classification: a cell key with None on the summed axes.

    For axes (regions, categories) that is the row totals (r, None), the column totals
    (None, c) and the grand total (None, None); for three axes also every 2-D table's margins.
    `cells` lists the cells the margins add up when not all of them (the cells of a sparse
    table that are not 0: a 0 is always shown and moves nothing, so leaving it out changes no
    hidden figure); every margin is named all the same, over no cells it is 0.
    """
    if any(v is None for axis in axes for v in axis):
        raise ValueError("None is the summed-over marker and cannot be an axis value")
    with_total = [[*axis, None] for axis in axes]
    margins: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {
        name: [] for name in product(*with_total) if None in name
    }  # every name, so a margin over no cells is published as 0
    summed_sets = [
        s for size in range(1, len(axes) + 1) for s in combinations(range(len(axes)), size)
    ]
    for cell in product(*axes) if cells is None else cells:
        for summed in summed_sets:
            margins[tuple(None if i in summed else v for i, v in enumerate(cell))].append(cell)
    return margins


def protect_grid(
    rows: Sequence[R], cols: Sequence[C], values: Mapping[tuple[R, C], int], *, threshold: int = 5
) -> Grid[R, C]:
    """Protect rows x cols counts (a missing pair counts 0) published with all their totals."""
    if len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
        raise ValueError("row and column labels must be unique")
    cells = {(r, c): values.get((r, c), 0) for r in rows for c in cols}
    if unknown := set(values) - set(cells):
        raise ValueError(f"values outside the grid: {sorted(map(repr, unknown))[:3]}")
    protected = protect(cells, crosstab_margins([rows, cols]), threshold=threshold)
    return Grid(tuple(rows), tuple(cols), protected)


def protect(
    cells: Mapping[K, int],
    margins: Mapping[M, Collection[K]],
    *,
    threshold: int = 5,
    block_of: Callable[[K], Hashable] | None = None,
) -> Protected[K, M]:
    """Hide counts 1..threshold-1 and then enough other figures that none can be worked out.

    `margins` maps each published sum's name to the cells it adds up; its value is computed
    here. Zeros are never hidden. `block_of` may name a block of cells (e.g. a month's weeks)
    where a move for a figure inside it is sought first: a much smaller LP, and still a move
    that keeps every published sum (sums outside the block do not see it).
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    table = CellTable.build(cells, margins)
    if block_of is not None:
        table = table.with_blocks(block_of)
    values, sums = table.values, table.sums
    primary_c = (values >= 1) & (values < threshold)
    primary_m = (sums >= 1) & (sums < threshold)
    hidden_c, hidden_m = primary_c.copy(), primary_m.copy()
    # One BLAS thread: the QR is small, and threads fighting for a busy machine's two cores
    # made it ten times slower (6 s instead of 0.4 s for a sparse cube).
    with threadpool_limits(1, user_api="blas"):
        _secondary_round(table, hidden_c, hidden_m)
    cells_shown, primary_cells, secondary_cells = _publish(
        table.cell_keys, values, primary_c, hidden_c
    )
    margins_shown, primary_margins, secondary_margins = _publish(
        table.margin_keys, sums, primary_m, hidden_m
    )
    return Protected(
        cells_shown,
        margins_shown,
        primary_cells,
        secondary_cells,
        primary_margins,
        secondary_margins,
    )


def load() -> None:
    """Import what any protection may call now: `scipy.optimize` alone takes 0.8 s of a core.

    The cube worker calls it in its first round, so that the first table protected under a
    burst of events does not hold the interpreter for the import (in the one process that
    stalled every request and delivery for a quarter of a second)."""
    import scipy.linalg  # noqa: F401
    import scipy.optimize  # noqa: F401


def _publish(
    keys: list[Any], values: np.ndarray, primary: np.ndarray, hidden: np.ndarray
) -> tuple[dict[Any, int | None], frozenset[Any], frozenset[Any]]:
    shown = {k: None if hidden[i] else int(values[i]) for i, k in enumerate(keys)}
    first = frozenset(k for i, k in enumerate(keys) if primary[i])
    second = frozenset(k for i, k in enumerate(keys) if hidden[i] and not primary[i])
    return shown, first, second


def determined(
    cells: Mapping[K, int],
    margins: Mapping[M, Collection[K]],
    hidden_cells: Iterable[K],
    hidden_margins: Iterable[M] = (),
) -> tuple[set[K], set[M]]:
    """The hidden cells and margins whose value the published figures pin down exactly."""
    table = CellTable.build(cells, margins)
    hidden_c = np.isin(np.arange(len(table.values)), [table.cell_at[k] for k in hidden_cells])
    hidden_m = np.isin(np.arange(len(table.sums)), [table.margin_at[m] for m in hidden_margins])
    if (table.values[hidden_c] == 0).any() or (table.sums[hidden_m] == 0).any():
        raise ValueError("a hidden zero is outside this model: zeros are always shown")
    pinned_c, pinned_m = pinned(table, hidden_c, hidden_m)
    return {table.cell_keys[i] for i in pinned_c}, {table.margin_keys[j] for j in pinned_m}


def _secondary_round(table: CellTable, hidden_c: np.ndarray, hidden_m: np.ndarray) -> None:
    """Give every determined figure a way to move, hiding the cheapest figures.

    One round is enough. A figure found free stays free as more is hidden (that only drops
    equations and turns "is 1" into "is at least 1"). A figure hidden by the round lies on a
    move that keeps every published sum, never lowers a figure at 1 and never touches a 0,
    and stays such a move as more is hidden: so it can move, and is not determined.
    """
    pinned_c, pinned_m = pinned(table, hidden_c, hidden_m)
    # Directions found this round stay valid as more is hidden (they are 0 on what was shown),
    # so a figure one of them already moves needs no search of its own: which figures the
    # moves so far shift (any way, and up) is kept per figure.
    moved_c, up_c = np.zeros(len(table.values), bool), np.zeros(len(table.values), bool)
    moved_m, up_m = np.zeros(len(table.sums), bool), np.zeros(len(table.sums), bool)
    targets = [(False, i) for i in pinned_c] + [(True, j) for j in pinned_m]
    for is_margin, i in targets:
        at_one = (table.sums if is_margin else table.values)[i] == 1
        if ((up_m if at_one else moved_m) if is_margin else (up_c if at_one else moved_c))[i]:
            continue
        z = _move(table, hidden_c, hidden_m, is_margin, i)
        dz = table.member @ z
        hidden_c |= (np.abs(z) > _TOL) & (table.values > 0)
        hidden_m |= (np.abs(dz) > _TOL) & (table.sums > 0)
        moved_c |= np.abs(z) > _TOL
        up_c |= z > _TOL
        moved_m |= np.abs(dz) > _TOL
        up_m |= dz > _TOL


def _move(
    table: CellTable, hidden_c: np.ndarray, hidden_m: np.ndarray, is_margin: bool, i: int
) -> np.ndarray:
    """The move for one determined figure that newly hides the least (by value).

    A hypercube that hides only cells is taken. One that would hide a total (a sparse table's
    usual case) is weighed against the LP, which may find a cheaper move. With blocks, the LP
    is sought inside the figure's block first; a move found there that hides a figure summing
    several blocks (a year's figure, for a cell of a month's weeks: a month whose weeks cannot
    make up for it alone) is weighed against the LP over the whole table, which may move
    other months instead: else a few small cells of the month in progress would hide the
    year's largest figures, a region's whole row and the national totals.
    """
    cube = _hypercube(table, hidden_c, hidden_m, is_margin, i)
    if cube is not None and not (np.abs(table.member @ cube)[~hidden_m] > _TOL).any():
        return cube
    block = table.block(is_margin, i)
    found = [] if cube is None else [cube]
    found.append(_cheapest_move(table, hidden_c, hidden_m, is_margin, i, block))
    if block is not None and _spans_blocks(table, hidden_m, found[-1]):
        found.append(_cheapest_move(table, hidden_c, hidden_m, is_margin, i))
    return min(found, key=lambda z: _cost(table, hidden_c, hidden_m, z))  # first of equals


def _cost(table: CellTable, hidden_c: np.ndarray, hidden_m: np.ndarray, z: np.ndarray) -> float:
    """What a move newly hides, by value (the figures it changes that are not hidden yet)."""
    cells = (np.abs(z) > _TOL) & ~hidden_c
    sums = (np.abs(table.member @ z) > _TOL) & ~hidden_m
    return float(table.cost_c[cells].sum() + table.cost_m[sums].sum())


def _spans_blocks(table: CellTable, hidden_m: np.ndarray, z: np.ndarray) -> bool:
    """Whether a move newly hides a sum over cells of more than one block."""
    changed = np.flatnonzero((np.abs(table.member @ z) > _TOL) & ~hidden_m)
    return any(table.block(True, int(j)) is None for j in changed)


def _hypercube(
    table: CellTable, hidden_c: np.ndarray, hidden_m: np.ndarray, is_margin: bool, i: int
) -> np.ndarray | None:
    if table.lattice is None:
        return None
    members = table.member[i].indices if is_margin else np.array([i])
    return cheapest(
        table.lattice,
        table.member,
        table.values,
        table.sums,
        (table.cost_c, table.cost_m),
        (hidden_c, hidden_m),
        members,
    )


def _cheapest_move(
    table: CellTable,
    hidden_c: np.ndarray,
    hidden_m: np.ndarray,
    is_margin: bool,
    target: int,
    block: np.ndarray | None = None,
) -> np.ndarray:
    """A change of the cells that moves the target up and keeps every published sum; as an L1
    LP costing each newly hidden figure its value. Its support is what must be hidden.

    With a `block`, the change is sought among its cells first (the whole table if none).
    """
    values, sums, member = table.values, table.sums, table.member
    rows, cols, local = table.part(block)  # the sums that see the block, its cells, and how
    hid = np.flatnonzero(hidden_c[cols])  # positions in `cols`
    pub = np.flatnonzero(~hidden_c[cols] & (values[cols] > 0))
    pub_m = np.flatnonzero(~hidden_m[rows] & (sums[rows] > 0))  # positions in `rows`
    floor_m = np.flatnonzero(hidden_m[rows] & (sums[rows] == 1))
    if is_margin:
        floor_m = floor_m[rows[floor_m] != target]
    nh, npub, nm = len(hid), len(pub), len(pub_m)
    moving = local[:, np.concatenate([hid, pub])].tocsr()

    def over_cells(at: np.ndarray) -> sparse.csr_matrix:
        part = moving[at]  # z = (hidden z, +published, -published, +margin, -margin)
        return sparse.hstack([part, -part[:, nh:]])

    eye = sparse.identity(nm)
    a_eq = sparse.hstack([over_cells(pub_m), -eye, eye])
    b_eq = np.zeros(nm)
    bounds: list[tuple[float | None, float | None]]
    bounds = [(0.0, None) if v == 1 else (None, None) for v in values[cols[hid]]]
    if is_margin:
        at = np.array([int(np.searchsorted(rows, target))])
        row = sparse.hstack([over_cells(at), sparse.csr_matrix((1, 2 * nm))])
        a_eq, b_eq = sparse.vstack([a_eq, row]), np.append(b_eq, 1.0)
    else:
        bounds[int(np.searchsorted(cols[hid], target))] = (1.0, 1.0)
    bounds += [(0.0, None)] * npub + [(0.0, 0.0 if v == 1 else None) for v in values[cols[pub]]]
    bounds += [(0.0, None)] * nm + [(0.0, 0.0 if v == 1 else None) for v in sums[rows[pub_m]]]
    a_ub = None
    if len(floor_m):  # a hidden margin at 1 may only go up
        a_ub = -sparse.hstack([over_cells(floor_m), sparse.csr_matrix((len(floor_m), 2 * nm))])
    cost = np.concatenate(
        [
            np.zeros(nh),
            table.cost_c[cols[pub]],
            table.cost_c[cols[pub]],
            table.cost_m[rows[pub_m]],
            table.cost_m[rows[pub_m]],
        ]
    )
    from scipy.optimize import linprog  # 0.8 s to import: see `disclosure.load`

    res = linprog(
        cost,
        A_ub=a_ub.tocsr() if a_ub is not None else None,
        b_ub=np.zeros(len(floor_m)) if len(floor_m) else None,
        A_eq=a_eq.tocsr(),
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
    )
    z = np.zeros(len(values))
    if res.status == 0:
        x = res.x
        z[cols[hid]] = x[:nh]
        z[cols[pub]] = x[nh : nh + npub] - x[nh + npub : nh + 2 * npub]
        return z
    if block is not None:  # nothing moves it inside its block: search the whole table
        return _cheapest_move(table, hidden_c, hidden_m, is_margin, target)
    # Fallback, always valid: raise one cell and hide every sum it is in.
    cell = target
    if is_margin:
        inside = member[target].indices
        inside = inside[values[inside] > 0]
        cell = int(inside[np.argmin(table.cost_c[inside])])
    z[cell] = 1.0
    return z
