"""Event schemas published by the analytics service: aggregates only, never a person."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from kelisim.events.envelope import EventData, event_schema


@event_schema("analytics.alert.raised")
class AlertRaised(EventData):
    """A region x category series departed from its own history: an early warning.

    Version 1 carried the detector's live count, which disclosure control may hide; analytics
    emits version 2 since. Kept so that the events already on the stream can still be read.
    """

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


@event_schema("analytics.alert.raised", version=2)
class AlertRaisedV2(EventData):
    """An early warning as disclosure control lets it leave analytics: the published figures.

    Analytics emits version 3 since (expected count and threshold may be withheld); kept so
    that the events already on the stream can still be read.

    `observed` is the month's count as the protected tables publish it, null (and
    `observed_suppressed`) where they hide it; the score, from which a hidden count could be
    worked out again, is then null too. Expected count and upper bound are rounded to one
    decimal, as the analysts' pages show them.
    """

    alert_id: str
    region: str
    category: str
    period: date = Field(description="the month assessed (its first day)")
    observed: int | None = Field(description="cases registered, as published (null: hidden)")
    observed_suppressed: bool = Field(description="the published tables hide the count")
    expected: float = Field(description="expected count, one decimal")
    upper: float = Field(description="the alarm threshold (one decimal)")
    score: float | None = Field(
        description="(observed - expected) / (upper - expected); null when hidden"
    )
    method: str = Field(description="farrington or ewma")
    baseline_from: date | None = None
    baseline_to: date | None = None
    baseline_months: int


@event_schema("analytics.alert.raised", version=3)
class AlertRaisedV3(EventData):
    """An early warning as disclosure control lets it leave analytics: the published figures.

    `observed` is the month's count as the protected tables publish it, null (and
    `observed_suppressed`) where they hide it. An ewma alert's expected count and threshold
    are a weighted mean of its baseline months' counts: they are null (and
    `baseline_suppressed`) where one of those months is hidden in the tables, since they
    would narrow it down. A farrington alert's are a fitted model's, not a fixed combination
    of the counts: they are always shown. The score, from which a hidden figure could be
    worked out again, is null where the observed count or the baseline is hidden. Shown
    figures are rounded to one decimal, as the analysts' pages show them.
    """

    alert_id: str
    region: str
    category: str
    period: date = Field(description="the month assessed (its first day)")
    observed: int | None = Field(description="cases registered, as published (null: hidden)")
    observed_suppressed: bool = Field(description="the published tables hide the count")
    expected: float | None = Field(
        description="expected count, one decimal; null only for an ewma alert with a hidden "
        "baseline month (a farrington alert always shows it)"
    )
    upper: float | None = Field(
        description="the alarm threshold, one decimal; null exactly when `expected` is"
    )
    baseline_suppressed: bool = Field(
        description="an ewma alert's baseline month is hidden: expected, threshold and score "
        "withheld; always false for a farrington alert"
    )
    score: float | None = Field(
        description="(observed - expected) / (upper - expected); null where a figure is hidden"
    )
    method: str = Field(description="farrington or ewma")
    baseline_from: date | None = None
    baseline_to: date | None = None
    baseline_months: int
