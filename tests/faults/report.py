"""The checker's table: a row per check (how many, how many as they should be, what went
wrong), and reading rows from a service's database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kelisim.db import make_engine


@dataclass
class Row:
    """One line of the table: how many, how many as they should be, and what went wrong."""

    check: str
    total: int
    good: int
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, *rows: Row) -> None:
        self.rows.extend(rows)

    @property
    def anomalies(self) -> list[Row]:
        return [r for r in self.rows if r.lost or r.duplicated or r.unexpected]

    def table(self) -> str:
        head = ("check", "total", "good", "lost", "dup", "unexpected", "note")
        lines = [head] + [
            (r.check, str(r.total), str(r.good), str(r.lost), str(r.duplicated),
             str(r.unexpected), r.note)
            for r in self.rows
        ]  # fmt: skip
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = []
        for n, line in enumerate(lines):
            cells = [
                c.ljust(w) if i in (0, 6) else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ]
            out.append("  ".join(cells).rstrip())
            if n == 0:
                out.append("  ".join("-" * w for w in widths))
        return "\n".join(out)


def rows_of(url: str, query: Any) -> list[Any]:
    """The rows a query returns from the database at `url` (a connection of its own)."""
    engine = make_engine(url, null_pool=True)
    try:
        with engine.connect() as conn:
            return list(conn.execute(query))
    finally:
        engine.dispose()
