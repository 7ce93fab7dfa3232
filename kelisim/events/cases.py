"""Event schemas published by the cases service.

Payloads carry no personal data of parties: opaque references, codes, dates and counts.
`CaseEscalated.liaison_subset()` is the reviewed liaison subset, the only case data law
enforcement gets; the rest of that event (which case it is) stays with staff.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

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
    """An escalation: the reviewed liaison subset (`LIAISON_FIELDS`, never names, contacts or
    the case), and, for staff notices only, which case it is.

    `risk_of`, `case_id`, `number` and `mediator` were added later, optional so that stored
    events still read; the stream is internal, but whatever reaches law enforcement is
    `liaison_subset()` alone.
    """

    escalation_id: str
    case_ref: str = Field(description="opaque reference, not the case number")
    region: str
    category: str
    risk_level: RiskLevel
    summary: str = Field(max_length=500, description="non-identifying, written for the liaison")
    escalated_at: datetime
    risk_of: Literal["interethnic", "interfaith"] | None = Field(
        default=None, description="which accord is at risk (none in events stored before it)"
    )
    case_id: str | None = Field(default=None, description="internal: staff notices link to it")
    number: str | None = Field(default=None, description="internal: staff notices name it")
    mediator: str | None = Field(
        default=None, description="internal: the case's mediator, told when it is accepted"
    )

    def liaison_subset(self) -> dict[str, Any]:
        """What law enforcement receives (the feed, the webhook's `data`), as JSON values."""
        return self.model_dump(mode="json", include=set(LIAISON_FIELDS))


# The fields of an escalation that leave for law enforcement, in this order.
LIAISON_FIELDS = (
    "escalation_id",
    "case_ref",
    "region",
    "category",
    "risk_level",
    "summary",
    "escalated_at",
    "risk_of",
)


# --- The rest of a case's life (issue 5). Opaque references and codes only: party_ref,
# --- session_ref and obligation_ref are ids inside the cases service, never names.


@event_schema("cases.case.refused")
class CaseRefused(EventData):
    """A case was refused as ineligible for mediation under the Law "On Mediation"."""

    case_ref: str
    number: str
    region: str
    category: str
    reasons: list[Literal["state_body", "corruption", "incapacity"]]


@event_schema("cases.case.declared")
class CaseDeclared(EventData):
    """The assigned mediator declared a conflict of interest (or none)."""

    case_ref: str
    number: str
    region: str
    mediator: str = Field(description="username of the mediator (staff, not a party)")
    conflict: bool


@event_schema("cases.case.conflict_declared")
class CaseConflictDeclared(EventData):
    """The assigned mediator declared a conflict of interest: the case is back with the region's
    coordinators for another mediator. Its reason stays in the case (it may name a party)."""

    case_ref: str
    number: str
    region: str
    mediator: str = Field(description="username of the mediator (staff, not a party)")


@event_schema("cases.consent.recorded")
class ConsentGiven(EventData):
    """A party's voluntary consent was recorded."""

    case_ref: str
    region: str
    party_ref: str
    purpose: Literal["mediation", "extension"]
    form: str
    given_on: date


@event_schema("cases.consent.withdrawn")
class ConsentWithdrawn(EventData):
    """A party withdrew consent; the mediation ended."""

    case_ref: str
    region: str
    party_ref: str


@event_schema("cases.case.agreement_signed")
class MediationAgreementSigned(EventData):
    """The mediation agreement was signed: the term runs."""

    case_ref: str
    number: str
    region: str
    mediator: str | None
    signed_on: date
    deadline: date


@event_schema("cases.case.extended")
class CaseExtended(EventData):
    """The term was extended once, with all parties' consent."""

    case_ref: str
    number: str
    region: str
    mediator: str | None
    deadline: date


@event_schema("cases.session.scheduled")
class SessionScheduled(EventData):
    """A mediation session was scheduled."""

    case_ref: str
    session_ref: str
    region: str
    scheduled_at: datetime


@event_schema("cases.session.updated")
class SessionUpdated(EventData):
    """A mediation session was held, postponed or cancelled."""

    case_ref: str
    session_ref: str
    region: str
    status: Literal["scheduled", "held", "postponed", "cancelled"]
    scheduled_at: datetime


class _CaseEnded(EventData):
    case_ref: str
    number: str
    region: str
    category: str
    mediator: str | None


@event_schema("cases.case.settled")
class CaseSettled(_CaseEnded):
    """A settlement agreement was signed by every party."""

    obligations: int
    document_sha256: str


@event_schema("cases.case.not_settled")
class CaseNotSettled(_CaseEnded):
    """The mediation ended without a settlement."""


@event_schema("cases.case.withdrawn")
class CaseWithdrawn(_CaseEnded):
    """A party withdrew from the mediation."""


@event_schema("cases.case.terminated")
class CaseTerminated(_CaseEnded):
    """The mediation was terminated."""


@event_schema("cases.case.closed")
class CaseClosed(_CaseEnded):
    """Compliance follow-up is over: every obligation was fulfilled."""


@event_schema("cases.case.reopened")
class CaseReopened(EventData):
    """A breached settlement reopened the mediation, with a new term."""

    case_ref: str
    number: str
    region: str
    mediator: str | None
    deadline: date


@event_schema("cases.obligation.fulfilled")
class ObligationFulfilled(EventData):
    """An obligation of a settlement was fulfilled."""

    case_ref: str
    obligation_ref: str
    region: str
    due_on: date


@event_schema("cases.obligation.breached")
class ObligationBreached(EventData):
    """An obligation of a settlement was breached: the region's coordinator decides whether
    to reopen the case.

    `number` and `mediator` were added later, for the notice, optional so that stored events
    still read.
    """

    case_ref: str
    obligation_ref: str
    region: str
    due_on: date
    number: str | None = Field(default=None, description="names the case in the notice")
    mediator: str | None = Field(
        default=None, description="username of the case's mediator (staff, not a party)"
    )


@event_schema("cases.case.compliance_overdue")
class CaseComplianceOverdue(EventData):
    """An obligation's due date passed while it is still open."""

    case_ref: str
    number: str
    region: str
    mediator: str | None
    obligation_ref: str
    due_on: date
