"""Bootstrap of the analytics service: build_app(settings) wires everything; nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from kelisim.service import create_service_app
from kelisim.settings import Settings
from services.analytics import metrics
from services.analytics.api import router
from services.analytics.consumers import consumer_specs
from services.analytics.models import backbone
from services.analytics.workers import early_warning, protected_cubes


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        "analytics",
        settings,
        backbone,
        routers=[router],
        consumers=consumer_specs(settings),
        workers=[early_warning, protected_cubes],
        samplers=[metrics.sample],
        title="Kelisim analytics",
    )
