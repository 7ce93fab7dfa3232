"""Bootstrap of the councils service: build_app(settings) wires everything; nothing at import."""

from __future__ import annotations

from fastapi import FastAPI

from kelisim import signing
from kelisim.service import create_service_app
from kelisim.settings import Settings
from services.councils.api import router
from services.councils.consumers import CONSUMERS
from services.councils.models import backbone
from services.councils.workers import recommendation_watch


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # Like the token keys: made at first start unless production supplies them.
    signing.ensure_certificate(settings)
    return create_service_app(
        "councils",
        settings,
        backbone,
        routers=[router],
        consumers=CONSUMERS,
        workers=[recommendation_watch],
        title="Kelisim councils",
    )
