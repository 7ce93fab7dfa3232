"""The analysts' downloads: a table of the page as CSV or XLSX, headed in the reader's language.

The analytics API's exports (`/api/v1/analytics/exports/...`) are for programs: their
headers are codes (measures, categories, risk levels, `YYYY-MM` months, ISO region codes,
`total`) that never change with a language. A person downloading a table from a page gets
the same protected table, read from the same API as the page shows it, with the page's words:
measure, category and risk level names, months and weeks as the reader says them, region
names, "Total". Figures are untouched; a hidden one is `×`, as everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web import labels
from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.pages.analytics.common import (
    API,
    Period,
    _allow,
    _month,
    _period,
    _refused,
    _region_name,
)
from gateway.web.view import PageView
from kelisim import files, spreadsheets, weeks

router = APIRouter(include_in_schema=False)
NAME = re.compile(r"[a-z0-9._-]{1,60}")
HIDDEN = "×"  # a suppressed figure, as the API's exports and the pages mark it
# What the codes of a table's columns say, whatever the table (no code is in two of them).
COLUMNS = {
    **labels.MEASURES,
    **labels.CATEGORIES,
    **labels.RISK_LEVELS,
    **labels.REFUSAL_REASONS,
}
# Tables that are a member of a page's answer rather than an answer of their own.
PARTS = {
    "overview": ("overview", "cases"),
    "councils": ("councils", "regions"),
    "state-bodies": ("councils", "state_bodies"),
}
WEEKS, SERIES = "weeks-", "series-"


async def _table(view: PageView, name: str, period: Period) -> dict[str, Any]:
    """The protected table the page shows under `name` (the API export's names)."""
    params: dict[str, Any] = period.params
    if name in PARTS:
        path, member = PARTS[name]
        answer = await view.services.get(f"{API}/{path}", **params)
        return dict(answer[member])
    if name.startswith(WEEKS):
        path = f"weeks/{name[len(WEEKS) :]}"
    elif name.startswith(SERIES):
        path, params = f"series/{name[len(SERIES) :]}", {"year": period.year}
    else:
        path = f"tables/{name}"
    return dict(await view.services.get(f"{API}/{path}", **params))


def _column_name(view: PageView, name: str) -> Callable[[str], str]:
    """How the columns of the table `name` are said: weeks by their days, months by name."""

    def column(code: str) -> str:
        if name.startswith(WEEKS):
            whole = len(code) == 7  # a month counted only as a whole (imported statistics)
            return view.translate(N_("Whole month")) if whole else weeks.label(code, view.lang)
        if name.startswith(SERIES):
            return _month(view, f"{code}-01")
        return view.translate(COLUMNS[code]) if code in COLUMNS else code

    return column


def rows_in_words(view: PageView, name: str, table: dict[str, Any]) -> list[list[str]]:
    """The table as the page shows it: a row per region (or state body), totals last."""
    _ = view.translate
    column = _column_name(view, name)
    by_region = name != "state-bodies"
    totals = bool(table["has_row_totals"])

    def show(value: int | None) -> str:
        return HIDDEN if value is None else str(value)

    head = [_("Region") if by_region else _("State body"), *map(column, table["columns"])]
    body = [
        [_region_name(view, row["key"]) if by_region else row["key"], *map(show, row["cells"])]
        for row in table["rows"]
    ]
    foot = [_("Total"), *map(show, table["column_totals"])]
    if totals:
        head.append(_("Total"))
        for line, row in zip(body, table["rows"], strict=True):
            line.append(show(row["total"]))
        foot.append(show(table["total"]))
    return [head, *body, foot]


@router.get("/analytics/exports/{name}.{fmt}")
async def download(
    name: str, fmt: Literal["csv", "xlsx"], view: PageView, year: str = "", month: str = ""
) -> Response:
    """A table of the analysts' pages as CSV or XLSX, in the reader's language."""
    _allow(view, "analyst", "coordinator")
    if not NAME.fullmatch(name):
        return _refused(view, ServiceError(404, "unknown-table"))
    period = _period(view, year, month)
    try:
        table = await _table(view, name, period)
    except ServiceError as error:
        return _refused(view, error)
    rows = rows_in_words(view, name, table)
    whole_year = name.startswith(SERIES) or period.month is None
    key = str(period.year) if whole_year else f"{period.year:04d}-{period.month:02d}"
    filename = f"kelisim-{name}-{key}-{view.lang}.{fmt}"
    if fmt == "csv":
        text = spreadsheets.csv_text(rows, bom=True)
        return files.attachment(text.encode(), filename, "text/csv; charset=utf-8")
    return files.attachment(spreadsheets.xlsx_bytes(name, rows), filename, files.XLSX)
