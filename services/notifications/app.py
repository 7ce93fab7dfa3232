"""Bootstrap of the notifications service: build_app(settings) wires it; nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from kelisim.service import create_service_app
from kelisim.settings import Settings
from services.notifications import metrics
from services.notifications.api import router
from services.notifications.consumers import consumer_specs
from services.notifications.models import backbone
from services.notifications.workers import WORKERS


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        "notifications",
        settings,
        backbone,
        routers=[router],
        consumers=consumer_specs(settings),
        workers=WORKERS,
        samplers=[metrics.sample],
        title="Kelisim notifications",
    )
