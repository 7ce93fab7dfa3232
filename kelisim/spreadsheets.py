"""Tables written for spreadsheet programs (CSV and XLSX exports, open data), safe to open.

Whoever can type a text that lands in an export (a recommendation's addressee, a council
item's title, a name) must not be able to make the reader's spreadsheet program run it:
a CSV cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one)
is a formula to Excel and LibreOffice, which may fetch URLs or run commands (OWASP, "CSV
Injection"). So such a text gets a leading apostrophe, which those programs show as text
and do not display; a number written as text ("-3", "+7.5") stays as it is. In XLSX a
text cell is written as a string, never as a formula, so the value stays exactly as typed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
BOM = "\ufeff"

Cell = str | int | float | None


def csv_cell(value: Cell) -> Cell:
    """A value as a CSV cell a spreadsheet program shows and does not evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[Sequence[Cell]], *, bom: bool = False) -> str:
    """Rows as RFC 4180 CSV (CRLF line ends), every text cell made safe; with `bom`, a
    byte-order mark first, so that spreadsheet programs read Cyrillic letters as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return (BOM if bom else "") + out.getvalue()


def xlsx_bytes(title: str, rows: Iterable[Sequence[Cell]]) -> bytes:
    """Rows as one XLSX sheet: digits as numbers, every other text a string cell (openpyxl
    would take a text starting with `=` for a formula)."""
    from openpyxl import Workbook  # loaded by the first XLSX export, not at start

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([int(v) if isinstance(v, str) and v.isdigit() else v for v in row])
    for line in sheet.iter_rows():
        for cell in line:
            if cell.data_type == "f":  # a text openpyxl read as a formula: keep it a text
                cell.data_type = "s"
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
