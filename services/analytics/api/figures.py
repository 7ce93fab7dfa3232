"""Figures: the overview, tables by dimension, month and week, councils, and their downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from kelisim import files, spreadsheets
from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, ServiceContext, reading
from services.analytics import figures, permissions, queries
from services.analytics.api.common import PREFIX, PeriodDep
from services.analytics.cube import WEEKLY, accepts_dim, fixed_dims
from services.analytics.figures import Period
from services.analytics.measures import MEASURES
from services.analytics.schemas import CouncilFigures, Overview, RegionRates, TablePublic
from services.analytics.tables import Table
from services.analytics.texts import SUPPRESSED_MARK

router = APIRouter(prefix=PREFIX, tags=["analytics"])
Measure = Annotated[str, Path(description="a measure, e.g. cases.registered")]


def _measure(measure: str) -> str:
    if measure not in MEASURES:
        raise Problem(
            404, "unknown-measure", f"No measure {measure[:60]!r}.", measures=sorted(MEASURES)
        )
    return measure


def _dim(measure: str, value: str | None) -> str | None:
    """A dimension value asked for, if the measure's tables have it (422 otherwise)."""
    if value is not None and not accepts_dim(measure, value):
        raise Problem(
            422,
            "unknown-dimension",
            f"No {value[:20]!r} in {measure}.",
            accepted=fixed_dims(measure),
        )
    return value


Dim = Annotated[
    str | None,
    Query(
        max_length=20,
        description="one value of the measure's dimension, one of its tables' columns: a "
        "category, a risk level (escalations), a refusal reason (cases.refused_reason)",
    ),
]


@router.get("/overview", response_model=Overview)
def overview(principal: CurrentPrincipal, ctx: ContextDep, period: PeriodDep) -> Overview:
    """Each region's cases, escalations, rates and alert level in the period."""
    regions = permissions.regions(principal)
    with reading(ctx) as db:
        cases = figures.overview(db, regions, period)
        escalations = figures.escalations(db, regions, period)
        rates = figures.region_rates(db, cases, regions, period)
        levels = queries.alert_levels(db, regions, period.first_day, period.last_month)
    return Overview(
        period=period.key,
        cases=TablePublic.of(cases, period.key),
        escalations=TablePublic.of(escalations, period.key),
        regions=[
            RegionRates(
                region=r,
                settlement_rate=rates[r].settlement,
                in_term_rate=rates[r].in_term,
                accept_hours=rates[r].accept_hours,
                alert_level=levels.get(r, 0),
            )
            for r in regions
        ],
    )


@router.get("/tables/{measure}", response_model=TablePublic)
def by_dimension(
    measure: Measure, principal: CurrentPrincipal, ctx: ContextDep, period: PeriodDep
) -> TablePublic:
    """One measure by region and its dimension (category, risk level, reason, state body)."""
    regions = permissions.regions_for(principal, measure)
    with reading(ctx) as db:
        table = figures.by_dimension(db, _measure(measure), regions, period)
    return TablePublic.of(table, period.key)


@router.get("/series/{measure}", response_model=TablePublic)
def by_month(
    measure: Measure,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    period: PeriodDep,
    category: Dim = None,
) -> TablePublic:
    """One measure by region and month of a year (optionally one value of its dimension, named
    `category` whatever the dimension is), with totals."""
    dim = _dim(_measure(measure), category)
    regions = permissions.regions_for(principal, measure)
    with reading(ctx) as db:
        table = figures.by_month(db, measure, regions, period.year, dim)
    return TablePublic.of(table, str(period.year))


@router.get("/weeks/{measure}", response_model=TablePublic)
def by_week(
    measure: Measure,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    period: PeriodDep,
    dim: Dim = None,
) -> TablePublic:
    """One measure by region and week of a month (`year` and `month`), the month as totals:
    a week crossing the month's end is counted in each month for its own days."""
    table = _weeks(measure, principal, ctx, period, dim)
    return TablePublic.of(table, period.key)


def _weeks(
    measure: str, principal: Principal, ctx: ServiceContext, period: Period, dim: str | None
) -> Table:
    if _measure(measure) not in WEEKLY:
        raise Problem(
            404, "no-weekly-figures", f"{measure} has no weekly figures.", weekly=sorted(WEEKLY)
        )
    if period.month is None:
        raise Problem(422, "month-required", "Weekly figures are shown for one month: give month.")
    _dim(measure, dim)
    with reading(ctx) as db:
        regions = permissions.regions_for(principal, measure)
        return figures.by_week(db, measure, regions, period.key, dim)


@router.get("/councils", response_model=CouncilFigures)
def councils(principal: CurrentPrincipal, ctx: ContextDep, period: PeriodDep) -> CouncilFigures:
    """Council control per region and per addressed state body."""
    regions = permissions.council_regions(principal)
    with reading(ctx) as db:
        per_region = figures.councils(db, regions, period)
        per_body = figures.state_bodies(db, regions, period)
    return CouncilFigures(
        period=period.key,
        regions=TablePublic.of(per_region, period.key),
        state_bodies=TablePublic.of(per_body, period.key),
    )


WEEKS_EXPORT = "weeks-"  # a measure by region and week of a month: weeks-cases.registered
SERIES_EXPORT = "series-"  # a measure by region and month of a year: series-cases.registered


def _table(name: str, principal: Principal, ctx: ServiceContext, period: Period) -> Table:
    with reading(ctx) as db:
        if name == "overview":
            return figures.overview(db, permissions.regions(principal), period)
        if name == "councils":
            return figures.councils(db, permissions.council_regions(principal), period)
        if name == "state-bodies":
            return figures.state_bodies(db, permissions.council_regions(principal), period)
        if name in MEASURES:
            regions = permissions.regions_for(principal, name)
            return figures.by_dimension(db, name, regions, period)
    if name.startswith(WEEKS_EXPORT):
        return _weeks(name[len(WEEKS_EXPORT) :], principal, ctx, period, None)
    if name.startswith(SERIES_EXPORT):
        measure = _measure(name[len(SERIES_EXPORT) :])
        with reading(ctx) as db:
            regions = permissions.regions_for(principal, measure)
            return figures.by_month(db, measure, regions, period.year, None)
    raise Problem(404, "unknown-table", f"No table {name[:60]!r}.")


def rows_of(table: Table) -> list[list[str]]:
    """A protected table as text rows, suppressed figures marked, totals last."""
    head = ["", *table.columns] + (["total"] if table.has_row_totals else [])

    def show(value: int | None) -> str:
        return SUPPRESSED_MARK if value is None else str(value)

    body = [
        [r, *(show(v) for v in table.line(r))]
        + ([show(table.row_totals.get(r))] if table.has_row_totals else [])
        for r in table.rows
    ]
    foot = ["total", *(show(table.column_totals.get(c)) for c in table.columns)] + (
        [show(table.total)] if table.has_row_totals else []
    )
    return [head, *body, foot]


@router.get(
    "/exports/{name}.{fmt}",
    response_class=Response,
    responses=files.file_answer(files.CSV, files.XLSX),
)
def export(
    name: Annotated[str, Path(max_length=60)],
    fmt: Literal["csv", "xlsx"],
    principal: CurrentPrincipal,
    ctx: ContextDep,
    period: PeriodDep,
) -> Response:
    """A table as CSV or XLSX, suppressed exactly as on screen, for programs: its headers are
    codes that no language changes (the columns as the JSON table names them: measures,
    categories, risk levels, `YYYY-MM` months, `YYYY-MM-Www` weeks; the rows: region codes or
    state bodies; `total` last). The analysts' pages offer the table headed in words."""
    rows = rows_of(_table(name, principal, ctx, period))
    key = str(period.year) if name.startswith(SERIES_EXPORT) else period.key
    filename = f"kelisim-{name}-{key}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        text = spreadsheets.csv_text(rows, bom=True)
        return Response(text, media_type="text/csv; charset=utf-8", headers=disposition)
    return Response(
        spreadsheets.xlsx_bytes(name, rows),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )
