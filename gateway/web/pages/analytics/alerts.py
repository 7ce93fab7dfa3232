"""The early warnings: the list, and one alert explained with its series."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web import labels
from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.pages.analytics.common import (
    API,
    _allow,
    _month,
    _month_names,
    _numbers,
    _refused,
    _render,
    _svg,
    _texts,
)
from gateway.web.view import PageView, View
from kelisim.charts import Series, line_chart
from kelisim.regions import REGIONS

router = APIRouter(include_in_schema=False)
METHODS = {"farrington": N_("Farrington"), "ewma": N_("EWMA chart"), "none": N_("none")}


def _explain(view: View, alert: dict[str, Any]) -> str:
    """What an alert saw, in words: observed, expected, upper bound, score, method, baseline."""
    number = _numbers(view)["decimal"]
    start, end = alert.get("baseline_from"), alert.get("baseline_to")
    _ = view.translate
    return _(
        "Observed %(observed)s, expected %(expected)s, upper bound %(upper)s, score %(score)s, "
        "method: %(method)s, baseline %(baseline)s (%(months)s months)."
    ) % {
        # hidden in the protected tables: the one mark every hidden figure prints
        "observed": "×" if alert["observed"] is None else view.fmt.number(alert["observed"]),
        # hidden where a month of the baseline they are made of is hidden
        "expected": "×" if alert["expected"] is None else number(alert["expected"]),
        "upper": "×" if alert["upper"] is None else number(alert["upper"]),
        # hidden with the observed count or the baseline, which it would give back
        "score": "×" if alert["score"] is None else number(alert["score"]),
        "method": view.translate(METHODS.get(alert["method"], alert["method"])),
        "baseline": f"{_month(view, start)} – {_month(view, end)}" if start and end else "—",
        "months": view.fmt.number(alert["baseline_months"]),
    }


@router.get("/analytics/alerts")
async def alerts(view: PageView, cursor: str = "", region: str = "") -> Response:
    """The early warnings of the user's regions (or one region), newest first, page by page."""
    _allow(view, "analyst", "coordinator")
    region = region if region in REGIONS else ""
    try:
        page = await view.services.get(f"{API}/alerts", cursor=cursor, region=region, limit=50)
    except ServiceError as error:
        return _refused(view, error)
    items = [{**a, "explanation": _explain(view, a)} for a in page["items"]]
    after = page.get("next_cursor")
    return _render(
        view,
        "analytics/alerts.html",
        items=items,
        region=region,
        after=urlencode({"region": region, "cursor": after}) if after else None,
        newest=urlencode({"region": region}) if cursor else None,
    )


@router.get("/analytics/alerts/{alert_id}")
async def alert(alert_id: str, view: PageView) -> Response:
    """One early warning: what it saw and the series it was assessed on, the month ringed."""
    _allow(view, "analyst", "coordinator")
    try:
        found = await view.services.get(f"{API}/alerts/{alert_id}")
    except ServiceError as error:
        return _refused(view, error)
    _ = view.translate
    points = found["series"]
    months = [p["month"][:7] for p in points]
    flagged = found["period"][:7]
    # The axis names each month as the reader does, short: «қаң. 2025».
    abbreviated = _month_names(view, "abbreviated")
    axis = [f"{abbreviated[int(m[5:7])]} {m[:4]}" for m in months]
    category = _(labels.CATEGORIES.get(found["category"], found["category"]))
    chart = line_chart(
        [Series(_("Cases registered"), [p["count"] for p in points])],
        title=_("%(category)s in %(region)s, month by month")
        % {"category": category, "region": view.fmt.region(found["region"])},
        description=_("The flagged month is ringed; the dashed line is its upper bound."),
        x_labels=axis,
        highlight=months.index(flagged) if flagged in months else None,
        highlight_label=_month(view, found["period"]),
        threshold=None if found["upper"] is None else [found["upper"]] * len(points),
        threshold_label=None if found["upper"] is None else _("Upper bound of the flagged month"),
        texts=_texts(view),
        width=720,
    )
    return _render(
        view,
        "analytics/alert.html",
        alert=found,
        category=category,
        explanation=_explain(view, found),
        chart=_svg(chart),
    )
