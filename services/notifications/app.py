"""Bootstrap of the notifications service: build_app(settings) wires everything."""

from __future__ import annotations

from fastapi import FastAPI

from kelisim.service import create_service_app
from kelisim.settings import Settings
from services.notifications import api, api_liaison, api_webhooks
from services.notifications.alerts import alert_worker
from services.notifications.consumers import consumer_specs
from services.notifications.delivery import webhook_worker
from services.notifications.mail import mail_worker
from services.notifications.models import backbone


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_service_app(
        "notifications",
        settings,
        backbone,
        routers=[api.router, api_liaison.router, api_webhooks.router],
        consumers=consumer_specs(),
        workers=[webhook_worker, mail_worker, alert_worker],
        title="Kelisim notifications",
    )
