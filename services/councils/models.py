"""The councils service's tables: its domain tables and the backbone tables, on one MetaData."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, MetaData, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.clock import new_id, now
from kelisim.db import UtcDateTime
from kelisim.tables import backbone_tables
from services.councils.rules import term_covers

metadata = MetaData()
backbone = backbone_tables(metadata)


class CouncilsModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the councils service's SQLModel tables."""


class Council(CouncilsModel, table=True):
    """A Public Accord council at its level, attached to an akimat or an enterprise."""

    __tablename__ = "council"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=300)
    level: str = Field(max_length=20)
    region: str | None = Field(default=None, index=True, max_length=8)
    attached_to: str = Field(default="", max_length=300)
    attached_kind: str = Field(default="akimat", max_length=20)
    quorum_percent: int | None = Field(default=None)
    decision_rule: str = Field(default="simple", max_length=20)
    created_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class Member(CouncilsModel, table=True):
    """A member of a council: a staff account, their council role, term and whom they represent."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("council_id", "username", name="uq_member_username"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    council_id: str = Field(foreign_key="council.id", index=True, max_length=32)
    username: str = Field(max_length=100)
    full_name: str = Field(max_length=300)
    role: str = Field(max_length=20)
    represents: str = Field(default="", max_length=300)
    term_start: date
    term_end: date | None = None

    def current(self, today: date) -> bool:
        """Whether the membership term covers `today`."""
        return term_covers(self.term_start, self.term_end, today)


class Session(CouncilsModel, table=True):
    """A council session: planned, convened, held, closed (or cancelled before it is held).

    `sequence` counts the changes of its time, place or status after planning (rescheduling,
    cancelling): the calendar feed's SEQUENCE, so calendars update the event they hold.
    `updated_at` is when the row last changed (any update stamps it): the feed's DTSTAMP.
    `public_reason` is the reason of its last rescheduling or cancelling, given on a form that
    said it is shown on the public pages (and checked for personal data), `moved_from` the time
    that rescheduling moved it from: a change made before those forms said so has neither."""

    __tablename__ = "council_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    council_id: str = Field(foreign_key="council.id", index=True, max_length=32)
    title: str = Field(default="", max_length=300)
    status: str = Field(default="planned", max_length=20)
    starts_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    place: str = Field(default="", max_length=300)
    online_link: str | None = Field(default=None, max_length=500)
    convened_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    held_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    cancelled_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    sequence: int = Field(default=0)
    moved_from: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    public_reason: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False, onupdate=now)
    )


class AgendaItem(CouncilsModel, table=True):
    """An agenda item with its rapporteur, its vote and the frozen result."""

    __tablename__ = "agenda_item"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    session_id: str = Field(foreign_key="council_session.id", index=True, max_length=32)
    position: int
    titles: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    proposal: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rapporteur: str = Field(max_length=300)
    decision_rule: str | None = Field(default=None, max_length=20)
    vote_status: str = Field(default="pending", max_length=20)
    entitled: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    members_count: int | None = None
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstained: int | None = None
    adopted: bool | None = None
    vote_closed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class Document(CouncilsModel, table=True):
    """A material of an agenda item, kept with its SHA-256."""

    __tablename__ = "document"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    item_id: str = Field(foreign_key="agenda_item.id", index=True, max_length=32)
    filename: str = Field(max_length=300)
    media_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class Attendance(CouncilsModel, table=True):
    """Whether a member is present at a session."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "username", name="uq_attendance_member"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    session_id: str = Field(foreign_key="council_session.id", index=True, max_length=32)
    username: str = Field(max_length=100)
    present: bool


class Recusal(CouncilsModel, table=True):
    """A member's declared conflict of interest on an agenda item."""

    __tablename__ = "recusal"
    __table_args__ = (UniqueConstraint("item_id", "username", name="uq_recusal_member"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    item_id: str = Field(foreign_key="agenda_item.id", index=True, max_length=32)
    username: str = Field(max_length=100)
    reason: str = Field(default="")
    declared_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class Vote(CouncilsModel, table=True):
    """One member's open vote on an agenda item: for, against or abstained."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("item_id", "username", name="uq_vote_member"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    item_id: str = Field(foreign_key="agenda_item.id", index=True, max_length=32)
    username: str = Field(max_length=100)
    choice: str = Field(max_length=10)
    cast_at: datetime = Field(default_factory=now, sa_column=Column(UtcDateTime(), nullable=False))


class Protocol(CouncilsModel, table=True):
    """The minutes of a session: drafted, circulated, approved, signed, published."""

    __tablename__ = "protocol"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    session_id: str = Field(foreign_key="council_session.id", index=True, max_length=32)
    council_id: str = Field(foreign_key="council.id", index=True, max_length=32)
    corrects_id: str | None = Field(default=None, foreign_key="protocol.id", max_length=32)
    status: str = Field(default="draft", max_length=20)
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    signed_by_chair: str | None = Field(default=None, max_length=100)
    signed_by_secretary: str | None = Field(default=None, max_length=100)
    signed_by_chair_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    signed_by_secretary_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    sha256: str | None = Field(default=None, index=True, max_length=64)
    drafted_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    published_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class ProtocolDocument(CouncilsModel, table=True):
    """A published protocol's signed PDF in one language, made once at publication."""

    __tablename__ = "protocol_document"
    __table_args__ = (UniqueConstraint("protocol_id", "lang", name="uq_protocol_document_lang"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    protocol_id: str = Field(foreign_key="protocol.id", index=True, max_length=32)
    lang: str = Field(max_length=2)
    sha256: str = Field(index=True, unique=True, max_length=64)
    unsigned_sha256: str = Field(max_length=64)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signed_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class ProtocolRemark(CouncilsModel, table=True):
    """A member's remark on circulated minutes."""

    __tablename__ = "protocol_remark"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    protocol_id: str = Field(foreign_key="protocol.id", index=True, max_length=32)
    username: str = Field(max_length=100)
    text: str
    made_at: datetime = Field(default_factory=now, sa_column=Column(UtcDateTime(), nullable=False))


class Recommendation(CouncilsModel, table=True):
    """A recommendation a decision addresses to a state body or organisation."""

    __tablename__ = "recommendation"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    council_id: str = Field(foreign_key="council.id", index=True, max_length=32)
    region: str | None = Field(default=None, index=True, max_length=8)
    item_id: str = Field(foreign_key="agenda_item.id", index=True, max_length=32)
    addressee: str = Field(max_length=300)
    text: str
    responsible: str = Field(max_length=300)
    due_date: date = Field(index=True)
    status: str = Field(default="sent", index=True, max_length=30)
    issued_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class RecommendationResponse(CouncilsModel, table=True):
    """The addressee's response to a recommendation, and the status it brings."""

    __tablename__ = "recommendation_response"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    recommendation_id: str = Field(foreign_key="recommendation.id", index=True, max_length=32)
    status: str = Field(max_length=30)
    text: str = Field(default="")
    # The day the addressee reported (it may come to the council days later); None on
    # responses recorded before it was asked for, whose day is the day they were recorded.
    reported_on: date | None = Field(default=None)
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class RecommendationAlert(CouncilsModel, table=True):
    """A raised control alert (reminder or overdue): at most one of each per recommendation."""

    __tablename__ = "recommendation_alert"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "kind", name="uq_recommendation_alert"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    recommendation_id: str = Field(foreign_key="recommendation.id", max_length=32)
    kind: str = Field(max_length=20)
    raised_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class PracticeNote(CouncilsModel, table=True):
    """A practice note drafted from an implemented recommendation; only its checked text leaves.

    `persons` are the private persons the secretary declared the item concerns (JSON list):
    the anonymity check looks for them, with the names the item itself records.
    """

    __tablename__ = "practice_note"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    recommendation_id: str = Field(foreign_key="recommendation.id", index=True, max_length=32)
    council_id: str = Field(foreign_key="council.id", index=True, max_length=32)
    author: str = Field(index=True, max_length=100)
    region: str = Field(max_length=8)
    category: str = Field(max_length=40)
    outcome: str = Field(max_length=30)
    language: str = Field(max_length=2)
    texts: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    persons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="draft", max_length=20)
    revision: int = 0
    remark: str = Field(default="")
    created_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    reviewed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    version: int = 1
