"""What the analytics service consumes: the domain streams, counted by `handlers.facts`."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kelisim.bus.consumer import ConsumerSpec
from kelisim.settings import Settings
from services.analytics.handlers.facts import Counting
from services.analytics.measures import Calendar

STREAMS = ("CASES", "COUNCILS", "NOTIFICATIONS")


def consumer_specs(settings: Settings) -> list[ConsumerSpec]:
    """One spec per consumed stream, its handlers bound to the settings' calendar."""
    counting = Counting(Calendar(ZoneInfo(settings.analytics_timezone)))
    handlers = counting.handlers()
    return [ConsumerSpec(stream, handlers[stream]) for stream in STREAMS]  # type: ignore[arg-type]
