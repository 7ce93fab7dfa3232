"""The analysts' pages: figures by region, trends, early warnings, councils, history, report.

Figures come from the analytics service as protected tables, where `null` is a suppressed
figure. Charts are inline SVG from `kelisim.charts`, which escapes every word it is given;
that SVG is the only markup of these pages not escaped by the templates.
"""

from __future__ import annotations

from fastapi import APIRouter

from gateway.web.pages.analytics import alerts, councils, downloads, figures, history, report
from kelisim import web

router = APIRouter(include_in_schema=False)
# In the order the routes were declared when these pages were one module.
web.include(
    router,
    figures.router,
    alerts.router,
    councils.router,
    history.router,
    report.router,
    downloads.router,
)
