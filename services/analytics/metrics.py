"""The analytics service's gauge: early-warning alerts still open (within the watch window)."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import func
from sqlmodel import col, select

from kelisim.clock import now
from kelisim.observe import count
from kelisim.service import ServiceContext
from services.analytics.measures import shift_month
from services.analytics.models import Alert
from services.analytics.queries import WATCH_MONTHS

ALERTS_OPEN = Gauge(
    "kelisim_alerts_open", "Early-warning alerts for this month or the watch months before it"
)


def sample(ctx: ServiceContext) -> None:
    """Read the gauge (blocking: kelisim.observe runs it in a thread at each scrape)."""
    since = shift_month(now().date(), -WATCH_MONTHS)
    ALERTS_OPEN.set(
        count(ctx, select(func.count()).select_from(Alert).where(col(Alert.period) >= since))
    )
