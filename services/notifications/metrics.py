"""The notifications service's gauges: deliveries waiting or failing, endpoints disabled."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import func
from sqlmodel import col, select

from kelisim.observe import count
from kelisim.service import ServiceContext
from services.notifications.lifecycle import PENDING
from services.notifications.models import Delivery, LiaisonEndpoint

DELIVERIES_PENDING = Gauge("kelisim_webhook_deliveries_pending", "Webhook deliveries not yet done")
DELIVERIES_FAILING = Gauge(
    "kelisim_webhook_deliveries_failing", "Pending webhook deliveries with a failed attempt"
)
ENDPOINTS_DISABLED = Gauge("kelisim_webhook_endpoints_disabled", "Webhook endpoints disabled")


def sample(ctx: ServiceContext) -> None:
    """Read the gauges (blocking: kelisim.observe runs it in a thread at each scrape)."""
    pending = select(func.count()).select_from(Delivery).where(Delivery.status == PENDING)
    DELIVERIES_PENDING.set(count(ctx, pending))
    DELIVERIES_FAILING.set(count(ctx, pending.where(col(Delivery.attempts) > 0)))
    disabled = (
        select(func.count())
        .select_from(LiaisonEndpoint)
        .where(col(LiaisonEndpoint.enabled).is_(False))
    )
    ENDPOINTS_DISABLED.set(count(ctx, disabled))
