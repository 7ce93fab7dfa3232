"""Event schemas published by the cases service.

Payloads carry no personal data of parties: opaque references, codes, dates and counts.
`CaseEscalated` is the reviewed liaison subset, the only case data law enforcement gets.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from kelisim.events.envelope import EventData, event_schema

RiskLevel = Literal["low", "medium", "high", "critical"]


@event_schema("cases.case.registered")
class CaseRegistered(EventData):
    """A mediation case was registered."""

    case_ref: str
    number: str
    region: str
    category: str


@event_schema("cases.case.assigned")
class CaseAssigned(EventData):
    """A coordinator assigned (or reassigned) a mediator to a case."""

    case_ref: str
    number: str
    region: str
    mediator: str = Field(description="username of the mediator (staff, not a party)")
    reassigned: bool = False


@event_schema("cases.case.deadline_approaching")
class CaseDeadlineApproaching(EventData):
    """A case's mediation term ends within the warning window."""

    case_ref: str
    number: str
    region: str
    mediator: str | None
    deadline: date
    days_left: int


@event_schema("cases.case.overdue")
class CaseOverdue(EventData):
    """A case's mediation term has passed without an outcome."""

    case_ref: str
    number: str
    region: str
    mediator: str | None
    deadline: date


@event_schema("cases.case.escalated")
class CaseEscalated(EventData):
    """The reviewed liaison subset: never names, contacts or the case number."""

    escalation_id: str
    case_ref: str = Field(description="opaque reference, not the case number")
    region: str
    category: str
    risk_level: RiskLevel
    summary: str = Field(max_length=500, description="non-identifying, written for the liaison")
    escalated_at: datetime
