"""Event schemas published by the cases service.

Payloads carry no personal data of parties: references, codes and counts only.
"""

from __future__ import annotations

from kelisim.events.envelope import EventData, event_schema


@event_schema("cases.case.registered")
class CaseRegistered(EventData):
    """A mediation case was registered."""

    case_ref: str
    number: str
    region: str
    category: str
