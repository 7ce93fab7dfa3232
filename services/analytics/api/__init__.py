"""Thin routes of the analytics service: parse, authorise, call a handler or a query, shape."""

from __future__ import annotations

from fastapi import APIRouter

from kelisim import web
from services.analytics.api import alerts, figures, history, library, proposals, reports

router = APIRouter()
for module in (figures, alerts, history, proposals, reports, library):
    web.include(router, module.router)

__all__ = ["router"]
