"""API shapes of the councils service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kelisim.inputs import Day, Input, Line, Moment, RegionCode, check_line
from kelisim.practice_notes import NoteCategory, NotePublicFields, NoteTexts
from kelisim.recommendations import PublicStatus

Level = Literal["republic", "region", "district", "enterprise"]
AttachedKind = Literal["akimat", "enterprise"]
CouncilRole = Literal["chair", "deputy_chair", "secretary", "member"]
DecisionRule = Literal["simple", "absolute", "two_thirds"]
# What `rules.decide` computes; "entitled" are the members present and not recused, and an
# abstention or a silent member counts as not for.
RULE_DESCRIPTION = (
    "How a decision is adopted: `simple` — more than half of the members present and entitled "
    "to vote (not recused) vote for; `absolute` — more than half of all current members vote "
    "for; `two_thirds` — at least two thirds of the members present and entitled to vote vote "
    "for. Abstentions and members who do not vote count as not for; a tie never adopts."
)
Choice = Literal["for", "against", "abstain"]
Lang = Literal["kk", "ru", "en"]
ResponseStatus = Literal[
    "acknowledged", "in_progress", "implemented", "partially_implemented", "not_implemented"
]

Texts = dict[Lang, str]
# Why a session is moved or called off: kept in its audit trail.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# An item's title per language, as long as a session's title may be.
Titles = dict[Lang, Annotated[str, Field(max_length=300), AfterValidator(check_line)]]


def _non_empty(texts: dict[str, str]) -> dict[str, str]:
    cleaned = {lang: text.strip() for lang, text in texts.items() if text.strip()}
    if not cleaned:
        raise ValueError("give the text in at least one language (kk, ru, en)")
    return cleaned


class CouncilCreate(Input):
    name: Line = Field(min_length=1, max_length=300)
    level: Level
    region: RegionCode | None = None
    attached_to: Line = Field(default="", max_length=300)
    attached_kind: AttachedKind = "akimat"
    quorum_percent: int | None = Field(default=None, ge=1, le=100)
    decision_rule: DecisionRule = Field(default="simple", description=RULE_DESCRIPTION)

    @model_validator(mode="after")
    def _region_below_republic(self) -> CouncilCreate:
        if self.level != "republic" and self.region is None:
            raise ValueError("a council below the republic level needs a region")
        return self


class CouncilUpdate(Input):
    """Fields to change; an explicit null quorum_percent restores "more than half"."""

    name: Line | None = Field(default=None, min_length=1, max_length=300)
    attached_to: Line | None = Field(default=None, max_length=300)
    attached_kind: AttachedKind | None = None
    quorum_percent: int | None = Field(default=None, ge=1, le=100)
    decision_rule: DecisionRule | None = Field(default=None, description=RULE_DESCRIPTION)


class CouncilPublic(BaseModel):
    id: str
    name: str
    level: str
    region: str | None
    attached_to: str
    attached_kind: str
    quorum_percent: int | None
    decision_rule: str = Field(description=RULE_DESCRIPTION)
    created_at: datetime


class MemberCreate(Input):
    username: Line = Field(min_length=1, max_length=100)
    full_name: Line = Field(min_length=1, max_length=300)
    role: CouncilRole = "member"
    represents: Line = Field(default="", max_length=300)
    term_start: Day
    term_end: Day | None = None

    @model_validator(mode="after")
    def _term_in_order(self) -> MemberCreate:
        if self.term_end is not None and self.term_end < self.term_start:
            raise ValueError("the term cannot end before it starts")
        return self


class MemberUpdate(Input):
    """Ending a term, or correcting whom the member represents."""

    term_end: Day | None = None
    represents: Line | None = Field(default=None, max_length=300)


class MemberPublic(BaseModel):
    id: str
    council_id: str
    username: str
    full_name: str
    role: str
    represents: str
    term_start: date
    term_end: date | None
    warnings: list[str] = Field(
        default_factory=list,
        description="`term-ended`: the term is over, so the member counts towards no quorum",
    )


class SessionCreate(Input):
    title: Line = Field(default="", max_length=300)
    starts_at: Moment
    place: Line = Field(default="", max_length=300)
    online_link: Line | None = Field(
        default=None, max_length=500, pattern=r"^https://", validate_default=True
    )

    @field_validator("online_link")
    @classmethod
    def _somewhere(cls, link: str | None, info: ValidationInfo) -> str | None:
        """A place or an online link; the error names the fields, so a form marks them."""
        if not link and not info.data.get("place"):
            raise PydanticCustomError("place_or_link", "Give a place or an online link.")
        return link


class SessionReschedule(Input):
    """A new time (and, optionally, place) of a session not yet held, and why."""

    starts_at: Moment
    place: Line | None = Field(default=None, max_length=300)
    reason: Reason


class SessionCancel(Input):
    """Why a session not yet held is called off."""

    reason: Reason


class SessionPublic(BaseModel):
    id: str
    council_id: str
    title: str
    status: str
    starts_at: datetime
    place: str
    online_link: str | None
    convened_at: datetime | None
    held_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None = None
    sequence: int = Field(
        default=0, description="How many times it was rescheduled or cancelled after planning."
    )


class ItemCreate(Input):
    titles: Titles
    proposal: Texts = Field(default_factory=dict)
    rapporteur: Line = Field(min_length=1, max_length=300)
    decision_rule: DecisionRule | None = Field(
        default=None, description=f"The item's own rule, else the council's. {RULE_DESCRIPTION}"
    )

    @field_validator("titles")
    @classmethod
    def _some_title(cls, value: dict[str, str]) -> dict[str, str]:
        return _non_empty(value)


class DocumentPublic(BaseModel):
    id: str
    item_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class ItemPublic(BaseModel):
    id: str
    session_id: str
    position: int
    titles: dict[str, str]
    proposal: dict[str, str]
    rapporteur: str
    decision_rule: str | None
    vote_status: str
    entitled: list[str] | None
    members_count: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstained: int | None
    adopted: bool | None
    recused: list[str] = []
    recusals: list[RecusalPublic] = Field(
        default=[], description="The recusals with their reasons, which the minutes record."
    )
    materials: list[DocumentPublic] = []
    votes: list[VotePublic] = Field(
        default=[], description="The open votes cast on the item so far, by name."
    )


class AttendanceMark(Input):
    username: Line = Field(min_length=1, max_length=100)
    present: bool


class AttendanceUpdate(Input):
    """Members marked present or absent (the others keep their marks)."""

    marks: list[AttendanceMark] = Field(min_length=1)


class Quorum(BaseModel):
    members: int
    present: int
    required: int
    reached: bool


class SessionChange(BaseModel):
    """A rescheduling or the cancelling of a session, with the reason the secretary gave."""

    kind: Literal["rescheduled", "cancelled"]
    at: datetime
    reason: str
    previous_starts_at: datetime | None = Field(
        default=None, description="rescheduled: the time the session was moved from"
    )


class SessionDetail(SessionPublic):
    items: list[ItemPublic]
    present: list[str]
    absent: list[str]
    quorum: Quorum
    changes: list[SessionChange] = Field(
        default_factory=list, description="Its reschedulings and cancelling, oldest first."
    )


class RecusalCreate(Input):
    reason: str = Field(
        default="",
        max_length=2000,
        description="Why: recorded in the minutes (a recusal is a public act of the council).",
    )


class RecusalPublic(BaseModel):
    username: str
    reason: str
    declared_at: datetime


class VoteCreate(Input):
    choice: Choice


class VotePublic(BaseModel):
    item_id: str
    username: str
    choice: str
    cast_at: datetime


class ProtocolUpdate(Input):
    """New notes of unapproved minutes."""

    notes: Texts


class CorrectionCreate(Input):
    """Why published minutes are corrected: kept in the correction's content and audit."""

    reason: str = Field(min_length=1, max_length=2000)


class RemarkCreate(Input):
    text: str = Field(min_length=1, max_length=5000)


class RemarkPublic(BaseModel):
    username: str
    text: str
    made_at: datetime


class ProtocolPublic(BaseModel):
    id: str
    session_id: str
    council_id: str
    corrects_id: str | None
    status: str
    content: dict[str, Any]
    signed_by_chair: str | None
    signed_by_secretary: str | None
    signed_by_chair_at: datetime | None = None
    signed_by_secretary_at: datetime | None = None
    sha256: str | None
    published_at: datetime | None
    lang: str
    text: str
    document: dict[str, Any] = {}
    remarks: list[RemarkPublic] = []
    etag: str = Field(
        default="", description="The version read: send it as If-Match with an edit of the notes."
    )


class RecommendationCreate(Input):
    addressee: Line = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=10000)
    responsible: Line = Field(min_length=1, max_length=300)
    due_date: Day


class ResponseCreate(Input):
    status: ResponseStatus
    text: str = Field(default="", max_length=10000)
    # The day the addressee reported (today when not given): it decides on time or late.
    reported_on: Day | None = None


class ResponsePublic(BaseModel):
    status: str
    text: str
    reported_on: date | None = None
    recorded_by: str
    recorded_at: datetime


class RecommendationPublic(BaseModel):
    id: str
    council_id: str
    region: str | None
    item_id: str
    addressee: str
    text: str
    responsible: str
    due_date: date
    status: str
    issued_at: datetime
    overdue: bool = False
    # What came of it, by the rule the public side uses: implemented on time or late, ...
    public_status: PublicStatus = "issued"
    implemented_on: date | None = None
    responses: list[ResponsePublic] = []


class CouncilNoteCreate(NoteTexts):
    """A practice note's draft, and the private persons the item concerns (declared by name)."""

    category: NoteCategory
    persons: list[Line] = Field(max_length=50)


class CouncilNoteUpdate(NoteTexts):
    category: NoteCategory
    persons: list[Line] = Field(max_length=50)


class CouncilNoteSource(BaseModel):
    """The recommendation a note was drafted from: shown only to the council's secretaries."""

    council_id: str
    recommendation_id: str
    persons: list[str]


class CouncilNotePublic(NotePublicFields):
    author_role: str = "council_secretary"
    source: CouncilNoteSource | None = None
