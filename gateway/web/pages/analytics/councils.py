"""Control of the councils' work, per region and per addressed state body."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.pages.analytics.common import API, _allow, _period, _refused, _render
from gateway.web.view import PageView

router = APIRouter(include_in_schema=False)


@router.get("/analytics/councils")
async def councils(view: PageView, year: str = "", month: str = "") -> Response:
    """Control of the councils' work per region and per addressed state body."""
    _allow(view, "analyst", "coordinator")
    period = _period(view, year, month)
    try:
        figures = await view.services.get(f"{API}/councils", **period.params)
    except ServiceError as error:
        return _refused(view, error)
    return _render(view, "analytics/councils.html", period, figures=figures)
