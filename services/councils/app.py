"""Bootstrap of the councils service: build_app(settings) wires everything; nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from kelisim.service import create_service_app
from kelisim.settings import Settings
from services.councils.api import router
from services.councils.models import backbone
from services.councils.workers import recommendation_watch


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        "councils",
        settings,
        backbone,
        routers=[router],
        workers=[recommendation_watch],
        title="Kelisim councils",
    )
