"""Figures by region: the overview with its map of alerts, and one region month by month."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web import labels
from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.pages.analytics.common import (
    API,
    Period,
    _allow,
    _month_names,
    _period,
    _refused,
    _render,
    _svg,
    _texts,
)
from gateway.web.view import PageView
from kelisim import weeks
from kelisim.charts import Series, line_chart, tile_map
from kelisim.localtime import KAZAKHSTAN
from kelisim.regions import REGIONS

router = APIRouter(include_in_schema=False)
LEVELS = (N_("Calm"), N_("Watch"), N_("Alert"))


def _level_labels(view: PageView) -> list[str]:
    """Early-warning levels 0, 1 and 2 as the map and the region page name them."""
    return [view.translate(level) for level in LEVELS]


@router.get("/analytics")
async def overview(view: PageView, year: str = "", month: str = "") -> Response:
    """Each region's cases, escalations and rates in the period, and a map of its alerts."""
    _allow(view, "analyst", "coordinator")
    period = _period(view, year, month)
    weekly = WEEKLY if period.month else ()  # weeks are shown for a month, not a year
    try:
        figures, *by_week = await asyncio.gather(
            view.services.get(f"{API}/overview", **period.params),
            *(view.services.get(f"{API}/weeks/{measure}", **period.params) for measure in weekly),
        )
    except ServiceError as error:
        return _refused(view, error)
    _ = view.translate
    chart = tile_map(
        {r["region"]: r["alert_level"] for r in figures["regions"]},
        names={code: view.fmt.region(code) for code in REGIONS},
        title=_("Early warnings by region"),
        description=_("Regions with an alert raised since the start of the period are marked."),
        level_labels=_level_labels(view),
        links={r["region"]: _region_link(r["region"], period) for r in figures["regions"]},
        no_data_label=_("Outside your scope"),
    )
    return _render(
        view,
        "analytics/overview.html",
        period,
        figures=figures,
        rates={r["region"]: r for r in figures["regions"]},
        map=_svg(chart),
        region_link=lambda code: _region_link(code, period),
        weeks=dict(zip(weekly, by_week, strict=True)),
        week_labels=_week_labels(view, by_week),
    )


# The measures published by week of the month, as the analytics service has them.
WEEKLY = ("cases.registered", "escalations.raised")


def _week_labels(view: PageView, tables: list[dict[str, Any]]) -> dict[str, str]:
    """Each week column named by its days ("29–30 Sep"); a month counted only as a whole
    (imported statistics) is named so."""
    found: dict[str, str] = {}
    for table in tables:
        for column in table["columns"]:
            whole = len(column) == 7
            found[column] = (
                view.translate(N_("Whole month")) if whole else weeks.label(column, view.lang)
            )
    return found


def _region_link(code: str, period: Period) -> str:
    return f"/analytics/regions/{code}?{period.query}"


def _row(table: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((row for row in table["rows"] if row["key"] == key), None)


@router.get("/analytics/regions/{code}")
async def region(code: str, view: PageView, year: str = "", month: str = "") -> Response:
    """One region: its figures in the period and its cases registered month by month."""
    _allow(view, "analyst", "coordinator")
    if code not in REGIONS:
        return _refused(view, ServiceError(404, "not-found"))
    period = _period(view, year, month)
    categories = [None, *labels.CATEGORIES]
    try:
        figures, *series = await asyncio.gather(
            view.services.get(f"{API}/overview", **period.params),
            *(
                view.services.get(f"{API}/series/cases.registered", year=period.year, category=c)
                for c in categories
            ),
        )
    except ServiceError as error:
        return _refused(view, error)
    row = _row(figures["cases"], code)
    if row is None:
        return _refused(view, ServiceError(403, "out-of-scope"))
    _, name = view.translate, view.fmt.region(code)
    months = _month_names(view, "abbreviated")
    today = datetime.now(KAZAKHSTAN).date()
    # The months still to come of this year are not drawn (they are no zeros).
    shown = today.month if period.year == today.year else 12
    charts = []
    for category, table in zip(categories, series, strict=True):
        line = _row(table, code) or {"cells": [None] * len(table["columns"])}
        label = _(labels.CATEGORIES[category]) if category else _("All categories")
        chart = line_chart(
            [Series(label, line["cells"][:shown])],
            title=_("%(category)s: cases registered in %(year)s")
            % {"category": label, "year": period.year},
            description=_("Cases registered each month in %(region)s.") % {"region": name},
            x_labels=[months[int(column[5:])] for column in table["columns"][:shown]],
            texts=_texts(view),
            width=420 if category else 640,
            height=200 if category else 240,
        )
        charts.append(_svg(chart))
    rates = next(r for r in figures["regions"] if r["region"] == code)
    return _render(
        view,
        "analytics/region.html",
        period,
        code=code,
        figures=figures,
        row=row,
        escalations=_row(figures["escalations"], code),
        rates=rates,
        alert_label=_level_labels(view)[rates["alert_level"]],
        total_chart=charts[0],
        charts=charts[1:],
    )
