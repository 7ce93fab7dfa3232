"""Event schemas published by the councils service."""

from __future__ import annotations

from kelisim.events.envelope import EventData, event_schema


@event_schema("councils.council.created")
class CouncilCreated(EventData):
    """A Public Accord council was created."""

    council_id: str
    name: str
    level: str
    region: str | None = None
