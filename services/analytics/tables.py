"""Published tables: counts laid out by rows and columns, protected by one disclosure rule.

Every table an analyst, a report or an export shows is built here, so every one of them goes
through `disclosure.protect` with the margins it publishes (column totals, and row and grand
totals where the rows add up). A suppressed figure is `None`; rates are computed only from
figures that are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from services.analytics.disclosure import protect, rate

__all__ = ["Table", "assemble", "build", "rate"]

Cell = tuple[str, str]


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

    def cell(self, row: str, column: str) -> int | None:
        return self.cells[(row, column)]

    def line(self, row: str) -> list[int | None]:
        return [self.cells[(row, c)] for c in self.columns]


def build(
    key: str,
    rows: Sequence[str],
    columns: Sequence[str],
    value: Callable[[str, str], float],
    *,
    row_totals: bool,
) -> Table:
    """Lay out and protect a table; `row_totals` when the columns of a row add up."""
    cells = {(r, c): int(round(value(r, c))) for r in rows for c in columns}
    margins: dict[tuple[str, str], list[Cell]] = {
        ("column", c): [(r, c) for r in rows] for c in columns
    }
    if row_totals:
        for r in rows:
            margins[("row", r)] = [(r, c) for c in columns]
        margins[("total", "")] = list(cells)
    if cells:
        protected = protect(cells, margins)
        shown: Mapping[Cell, int | None] = protected.cells
        published: Mapping[tuple[str, str], int | None] = protected.margins
    else:  # nothing to show: every total is an honest 0
        shown, published = {}, dict.fromkeys(margins, 0)
    return Table(
        key=key,
        columns=tuple(columns),
        rows=tuple(rows),
        cells=dict(shown),
        column_totals={c: published[("column", c)] for c in columns} if rows else {},
        row_totals={r: published[("row", r)] for r in rows} if row_totals else {},
        total=published.get(("total", "")) if row_totals else None,
        has_row_totals=row_totals,
        suppressed=sum(1 for v in shown.values() if v is None),
    )


def assemble(
    key: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Mapping[Cell, int | None],
    column_totals: Mapping[str, int | None],
    *,
    row_totals: bool,
) -> Table:
    """A table laid out from figures other tables already protected (no new suppression)."""
    return Table(
        key=key,
        columns=tuple(columns),
        rows=tuple(rows),
        cells=dict(cells),
        column_totals=dict(column_totals),
        has_row_totals=row_totals,
        suppressed=sum(1 for v in cells.values() if v is None),
    )
