"""API shapes of the cases service: `<Noun>Create` / `<Noun>Update` in, `<Noun>Public` out.

A case command's body is named after the record it adds to the case (an assignment, a
consent, a settlement...); the command that carries it is named after the action (handlers).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)

from kelisim.inputs import Day, Email, Input, Line, Moment, Phone, RegionCode, check_text
from kelisim.practice_notes import NotePublicFields, NoteTexts
from kelisim.references import escalation_reference
from services.cases.lifecycle import STATES

Category = Literal[
    "interethnic", "interfaith", "community", "family", "labour", "land", "neighbour", "other"
]
CaseStatus = Literal[STATES]  # type: ignore[valid-type]  # a case's state, as the list filters it
Channel = Literal["walk_in", "akimat", "court", "police", "council", "online"]
Language = Literal["kk", "ru", "en", "other"]
ConsentForm = Literal["written", "oral", "electronic"]
RefusalReason = Literal["state_body", "corruption", "incapacity"]
RiskLevel = Literal["low", "medium", "high", "critical"]
# A reason that says something: at least 3 characters besides the spaces around it (stored
# without them; "a  " was taken for a three-letter reason).
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=2000),
    AfterValidator(check_text),
]


class PartyCreate(Input):
    kind: Literal["person", "organisation"]
    name: Line = Field(min_length=1, max_length=300)
    phone: Phone | None = None
    email: Email | None = None
    address: str | None = Field(default=None, max_length=500)
    language: Language = "kk"
    state_body: bool = False
    found_incapable: bool = False

    @model_validator(mode="after")
    def _kind_flags(self) -> PartyCreate:
        if self.kind == "person" and self.state_body:
            raise ValueError("only an organisation can be a state body")
        if self.kind == "organisation" and self.found_incapable:
            raise ValueError("only a person can be found incapable by a court")
        return self


class CaseCreate(Input):
    region: RegionCode
    category: Category
    channel: Channel = "walk_in"
    description: str = Field(default="", max_length=10000)
    corruption_offence: bool = False
    parties: list[PartyCreate] = Field(default_factory=list, max_length=50)


class PartyPublic(BaseModel):
    id: str
    kind: str
    name: str
    phone: str | None
    email: str | None
    address: str | None
    language: str
    state_body: bool
    found_incapable: bool
    consented: bool = False


class CasePublic(BaseModel):
    id: str
    number: str
    region: str
    category: str
    channel: str
    status: str
    registered_at: datetime
    registered_by: str
    mediator: str | None
    declared: bool
    refusal_reasons: list[str] = []
    agreement_signed_on: date | None
    deadline: date | None
    extended: bool
    outcome: str | None
    escalated: bool
    version: int
    personal_data: bool = Field(description="whether parties and description are shown")
    description: str | None = None
    parties: list[PartyPublic] | None = Field(
        default=None,
        description="the parties, for readers of personal data, on the case itself "
        "(GET /cases/{id}); null in a list of cases",
    )
    party_count: int | None = Field(
        default=None,
        description="how many parties the case has, on the case itself (GET /cases/{id}); "
        "null in a list of cases, which never reads the parties",
    )


class RefusalCreate(Input):
    reason: RefusalReason
    note: Reason


class AssignmentCreate(Input):
    mediator: Line = Field(min_length=1, max_length=100)
    reason: str | None = Field(default=None, max_length=2000)


class DeclarationCreate(Input):
    conflict: bool
    reason: str | None = Field(default=None, max_length=2000)


class ConsentCreate(Input):
    party_id: Line
    form: ConsentForm = "written"
    given_on: Day


class WithdrawalCreate(Input):
    party_id: Line
    reason: str | None = Field(default=None, max_length=2000)


class AgreementCreate(Input):
    signed_on: Day


class ExtensionCreate(Input):
    reason: Reason
    consents: list[ConsentCreate] = Field(min_length=1)


class SessionCreate(Input):
    scheduled_at: Moment
    place: Line = Field(min_length=1, max_length=300)


class SessionUpdate(Input):
    status: Literal["scheduled", "held", "postponed", "cancelled"]
    scheduled_at: Moment | None = None
    place: Line | None = Field(default=None, max_length=300)
    attendance: list[str] = Field(default_factory=list, description="ids of attending parties")
    notes: str | None = Field(default=None, max_length=20000)
    reason: str | None = Field(default=None, max_length=2000)


class SessionPublic(BaseModel):
    id: str
    scheduled_at: datetime
    place: str
    status: str
    attendance: list[str]
    reason: str | None
    reason_code: Literal["mediation_ended"] | None = None
    notes: str | None = None


class ObligationCreate(Input):
    description: str = Field(min_length=1, max_length=2000)
    due_on: Day


class ObligationPublic(BaseModel):
    id: str
    description: str | None
    due_on: date
    status: str
    resolved_at: datetime | None


class ObligationUpdate(Input):
    note: str | None = Field(default=None, max_length=2000)


class SignatureCreate(Input):
    party_id: Line
    signed_on: Day


class SignaturePublic(BaseModel):
    """A party's signature of the settlement, as shown to readers of personal data."""

    party_id: str
    signed_on: date


class SettlementCreate(Input):
    terms: str = Field(min_length=1, max_length=20000)
    signed_on: Day
    signatures: list[SignatureCreate] = Field(min_length=1)
    document_text: str | None = Field(default=None, max_length=200000)
    document_base64: str | None = Field(default=None, max_length=14_000_000)
    document_name: Line = Field(default="settlement.txt", max_length=300)
    media_type: Line = Field(default="text/plain; charset=utf-8", max_length=100)
    obligations: list[ObligationCreate] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _one_document(self) -> SettlementCreate:
        if (self.document_text is None) == (self.document_base64 is None):
            raise ValueError("give the signed document as document_text or document_base64")
        return self


class SettlementPublic(BaseModel):
    terms: str | None
    signed_on: date
    document_name: str
    media_type: str
    document_sha256: str
    signatures: list[SignaturePublic] | None


class OutcomeCreate(Input):
    reason: Reason


class ReopeningCreate(Input):
    reason: Reason


class EscalationCreate(Input):
    reason: Reason
    risk_of: Literal["interethnic", "interfaith"]
    risk_level: RiskLevel
    summary: str = Field(min_length=3, max_length=500, description="non-identifying, for liaison")


class EscalationPublic(BaseModel):
    id: str
    risk_of: str
    risk_level: str
    summary: str
    reason: str | None
    escalated_by: str
    escalated_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def reference(self) -> str:
        """The short reference the liaison quotes (kelisim/references.py)."""
        return escalation_reference(self.id)


class TimelineEntry(BaseModel):
    at: datetime
    kind: Literal["audit", "event"]
    actor: str | None
    action: str
    details: dict | None = None


class CaseloadRow(BaseModel):
    """One mediator's active cases; frozen, since a computed caseload may be served again."""

    model_config = ConfigDict(frozen=True)

    mediator: str
    assigned: int
    in_mediation: int
    settled: int
    overdue: int


class PracticeNoteCreate(NoteTexts):
    """A practice note's draft; its category defaults to the case's."""

    category: Category | None = None


class PracticeNoteUpdate(NoteTexts):
    category: Category | None = None


class PracticeNoteSource(BaseModel):
    """The case a note was drafted from: shown only to those who may read that case."""

    case_id: str
    number: str


class PracticeNotePublic(NotePublicFields):
    id: str = Field(description="the note's own id, also its id in the library")
    source: PracticeNoteSource | None = None


class EarlierCase(BaseModel):
    """An earlier case of the region in which a party of this case appears."""

    party_id: str = Field(description="the party of this case")
    case_id: str
    number: str
    status: str
    registered_at: datetime
    mediator: str | None
