"""Published tables: figures of protected cubes laid out by rows and columns.

No table protects anything itself: every figure it shows is read from a protected cube
(`services.analytics.cube`) or is a sum of figures the cube shows, so no table, nor any set
of tables, undoes the cube's suppression. A suppressed figure is `None`; rates are computed
only from figures that are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Freshness", "Table", "assemble", "rate"]

Cell = tuple[str, str]


def rate(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator, or None when either is suppressed or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Freshness:
    """When the figures of a table were protected, and whether newer ones are on the way."""

    as_of: datetime | None = None
    stale: bool = False

    @classmethod
    def of(cls, parts: Iterable[Freshness]) -> Freshness:
        """The freshness of figures from several cubes: the oldest time, stale if any is."""
        parts = list(parts)
        times = [p.as_of for p in parts if p.as_of is not None]
        return cls(min(times) if times else None, any(p.stale for p in parts))


@dataclass(frozen=True)
class Table:
    """A protected table: rows x columns of counts, with the totals it publishes."""

    key: str
    columns: tuple[str, ...]
    rows: tuple[str, ...]
    cells: dict[Cell, int | None]
    column_totals: dict[str, int | None] = field(default_factory=dict)
    row_totals: dict[str, int | None] = field(default_factory=dict)
    total: int | None = None
    has_row_totals: bool = False
    suppressed: int = 0
    freshness: Freshness = Freshness()

    def cell(self, row: str, column: str) -> int | None:
        return self.cells[(row, column)]

    def line(self, row: str) -> list[int | None]:
        return [self.cells[(row, c)] for c in self.columns]


def assemble(
    key: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Mapping[Cell, int | None],
    column_totals: Mapping[str, int | None],
    *,
    row_totals: Mapping[str, int | None] | None = None,
    total: int | None = None,
    freshness: Freshness = Freshness(),
) -> Table:
    """A table laid out from protected figures (no new suppression)."""
    return Table(
        key=key,
        columns=tuple(columns),
        rows=tuple(rows),
        cells=dict(cells),
        column_totals=dict(column_totals),
        row_totals=dict(row_totals or {}),
        total=total if row_totals is not None else None,
        has_row_totals=row_totals is not None,
        suppressed=sum(1 for v in cells.values() if v is None),
        freshness=freshness,
    )
