"""Event schemas published by the councils service.

A session's notices name its council and title and say why it moved or was called off:
`council_name`, `session_title` and `reason` are optional, empty in events stored before
they were carried.
"""

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
    online_link: str | None = None
    agenda: list[str] = []
    members: list[str] = []
    council_name: str = ""
    session_title: str = ""


@event_schema("councils.protocol.published")
class ProtocolPublished(EventData):
    """A session's minutes were signed and published."""

    council_id: str
    session_id: str
    protocol_id: str
    region: str | None
    sha256: str
    council_name: str = ""
    session_title: str = ""
    session_starts_at: datetime | None = None


@event_schema("councils.recommendation.overdue")
class RecommendationOverdue(EventData):
    """A recommendation's due date passed before it was implemented."""

    council_id: str
    recommendation_id: str
    region: str | None
    addressee: str
    due_date: date


@event_schema("councils.member.appointed")
class MemberAppointed(EventData):
    """A staff account became a member of a council (usernames only, no personal data)."""

    council_id: str
    username: str
    role: str
    region: str | None = None


@event_schema("councils.session.planned")
class SessionPlanned(EventData):
    """A council session was planned."""

    council_id: str
    session_id: str
    region: str | None
    starts_at: datetime


@event_schema("councils.session.rescheduled")
class SessionRescheduled(EventData):
    """A planned or convened council session was moved to another time or place."""

    council_id: str
    session_id: str
    region: str | None
    starts_at: datetime
    place: str
    previous_starts_at: datetime
    sequence: int
    council_name: str = ""
    session_title: str = ""
    reason: str = ""


@event_schema("councils.session.cancelled")
class SessionCancelled(EventData):
    """A planned or convened council session was called off before it was held."""

    council_id: str
    session_id: str
    region: str | None
    starts_at: datetime
    sequence: int
    council_name: str = ""
    session_title: str = ""
    reason: str = ""


@event_schema("councils.session.held")
class SessionHeld(EventData):
    """A council session opened with its attendance registered and its quorum computed."""

    council_id: str
    session_id: str
    region: str | None
    present: int
    members: int
    quorum: bool


@event_schema("councils.session.closed")
class SessionClosed(EventData):
    """A council session was closed."""

    council_id: str
    session_id: str
    region: str | None


@event_schema("councils.decision.adopted")
class DecisionAdopted(EventData):
    """An agenda item's vote closed and the decision was adopted under its rule."""

    council_id: str
    session_id: str
    item_id: str
    region: str | None
    rule: str
    votes_for: int
    votes_against: int
    votes_abstained: int
    entitled: int


@event_schema("councils.decision.rejected")
class DecisionRejected(EventData):
    """An agenda item's vote closed and the decision was not adopted under its rule."""

    council_id: str
    session_id: str
    item_id: str
    region: str | None
    rule: str
    votes_for: int
    votes_against: int
    votes_abstained: int
    entitled: int


@event_schema("councils.recommendation.issued")
class RecommendationIssued(EventData):
    """A decision addressed a recommendation to a state body or organisation."""

    council_id: str
    recommendation_id: str
    region: str | None
    addressee: str
    due_date: date


@event_schema("councils.recommendation.due_soon")
class RecommendationDueSoon(EventData):
    """A reminder: a recommendation's due date is near and it is not yet carried out."""

    council_id: str
    recommendation_id: str
    region: str | None
    addressee: str
    due_date: date


@event_schema("councils.recommendation.responded")
class RecommendationResponded(EventData):
    """The addressee responded to a recommendation; its status changed."""

    council_id: str
    recommendation_id: str
    region: str | None
    status: str


@event_schema("councils.recommendation.implemented")
class RecommendationImplemented(EventData):
    """A recommendation was reported implemented (fully or partially)."""

    council_id: str
    recommendation_id: str
    region: str | None
    status: str


@event_schema("councils.protocol.circulated")
class ProtocolCirculated(EventData):
    """Draft minutes were circulated to the council's members for remarks."""

    council_id: str
    session_id: str
    protocol_id: str
    region: str | None
