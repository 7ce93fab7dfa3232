"""Event schemas published by the analytics service: aggregates only, never a person."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from kelisim.events.envelope import EventData, event_schema


@event_schema("analytics.alert.raised")
class AlertRaised(EventData):
    """A region x category series departed from its own history: an early warning."""

    alert_id: str
    region: str
    category: str
    period: date = Field(description="the month assessed (its first day)")
    observed: int
    expected: float
    upper: float = Field(description="the alarm threshold the observed count exceeded")
    score: float
    method: str = Field(description="farrington or ewma")
    baseline_from: date | None = None
    baseline_to: date | None = None
    baseline_months: int
