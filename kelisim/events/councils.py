"""Event schemas published by the councils service."""

from __future__ import annotations

from datetime import date, datetime

from kelisim.events.envelope import EventData, event_schema


@event_schema("councils.council.created")
class CouncilCreated(EventData):
    """A Public Accord council was created."""

    council_id: str
    name: str
    level: str
    region: str | None = None


@event_schema("councils.session.convened")
class SessionConvened(EventData):
    """A council session was convened: members are notified."""

    council_id: str
    session_id: str
    region: str | None
    starts_at: datetime
    place: str


@event_schema("councils.protocol.published")
class ProtocolPublished(EventData):
    """A session's minutes were signed and published."""

    council_id: str
    session_id: str
    protocol_id: str
    region: str | None
    sha256: str


@event_schema("councils.recommendation.overdue")
class RecommendationOverdue(EventData):
    """A recommendation's due date passed before it was implemented."""

    council_id: str
    recommendation_id: str
    region: str | None
    addressee: str
    due_date: date
