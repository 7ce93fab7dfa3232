"""What the analytics service consumes: the domain streams (counted by `handlers.facts`) and
the practice notes of the library (`handlers.library`), its own reviews and marks included."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast
from zoneinfo import ZoneInfo

from kelisim.bus.consumer import ConsumerSpec, Handler
from kelisim.settings import Settings
from services.analytics.handlers import library
from services.analytics.handlers.facts import Counting
from services.analytics.measures import Calendar

# In this order for a rebuild: a note's review and marks (ANALYTICS) come after the note.
STREAMS = ("CASES", "COUNCILS", "NOTIFICATIONS", "ANALYTICS")
# No one waits on a count: an event waits up to this long for others to share its
# transaction (kelisim.bus.consumer.ConsumerSpec.gather), so a steady stream of events
# costs analytics a transaction per quarter second, not one per event.
GATHER_SECONDS = 0.25


def consumer_specs(settings: Settings) -> list[ConsumerSpec]:
    """One spec per consumed stream, its handlers bound to the settings' calendar."""
    counting = Counting(Calendar(ZoneInfo(settings.analytics_timezone)))
    handlers = counting.handlers()
    # each library handler takes its own event type, as the counting handlers do
    extra = cast(Mapping[str, Mapping[str, Handler]], library.HANDLERS)
    merged = {stream: {**handlers.get(stream, {}), **extra.get(stream, {})} for stream in STREAMS}
    return [ConsumerSpec(stream, merged[stream], gather=GATHER_SECONDS) for stream in STREAMS]
