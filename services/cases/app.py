"""Bootstrap of the cases service: build_app(settings) wires everything; nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from kelisim.service import create_service_app
from kelisim.settings import Settings
from services.cases.api import router
from services.cases.consumers import CONSUMERS
from services.cases.models import backbone
from services.cases.workers import deadline_watch


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        "cases",
        settings,
        backbone,
        routers=[router],
        consumers=CONSUMERS,
        workers=[deadline_watch],
        title="Kelisim cases",
    )
