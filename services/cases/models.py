"""The cases service's tables: its domain tables and the backbone tables, on one MetaData."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, MetaData, Text, UniqueConstraint, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.clock import new_id, now, random_id
from kelisim.db import UtcDateTime
from kelisim.tables import backbone_tables

metadata = MetaData()
backbone = backbone_tables(metadata)


class CasesModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the cases service's SQLModel tables."""


def case_aggregate(case_id: str) -> str:
    """The outbox aggregate of a case's events: its timeline reads them back by it."""
    return f"case:{case_id}"


class Case(CasesModel, table=True):
    """A mediation case."""

    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_region_page", "region", "registered_at", "id"),
        Index("ix_case_region_status_page", "region", "status", "registered_at", "id"),
        Index("ix_case_mediator_page", "mediator", "registered_at", "id"),
        # A mediator's list also holds the cases they registered (read until assignment).
        Index("ix_case_registrar_page", "registered_by", "registered_at", "id"),
        Index("ix_case_mediator_status", "mediator", "status"),
        Index("ix_case_status_deadline", "status", "deadline"),
        Index("ix_case_page", "registered_at", "id"),
        # Full-text search over descriptions on PostgreSQL (SQLite falls back to LIKE).
        Index(
            "ix_case_description_fts",
            text("to_tsvector('simple', description)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    number: str = Field(unique=True, max_length=40)
    region: str = Field(max_length=8)
    category: str = Field(max_length=40)
    channel: str = Field(default="walk_in", max_length=20)
    description: str = Field(default="")
    corruption_offence: bool = False
    status: str = Field(default="registered", max_length=30)
    refusal_reasons: str | None = Field(default=None, max_length=200)
    registered_by: str = Field(max_length=100)
    registered_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    mediator: str | None = Field(default=None, max_length=100)
    declared: bool = False
    agreement_signed_on: date | None = None
    deadline: date | None = None
    extended: bool = False
    extension_reason: str | None = None
    outcome: str | None = Field(default=None, max_length=30)
    outcome_reason: str | None = None
    closed_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    # Random, not time-ordered: the liaisons' reference must not be linked to the case by time.
    liaison_ref: str = Field(default_factory=random_id, unique=True, max_length=32)
    escalated: bool = False
    version: int = 1


class CaseCounter(CasesModel, table=True):
    """The last case number given in a region and year: one row, updated in the transaction."""

    __tablename__ = "case_counter"

    region: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class MediatorLoad(CasesModel, table=True):
    """Active cases of a mediator in a region and state: kept by services/cases/caseload.py."""

    __tablename__ = "mediator_load"

    region: str = Field(primary_key=True, max_length=8)
    mediator: str = Field(primary_key=True, max_length=100)
    status: str = Field(primary_key=True, max_length=30)
    cases: int = 0


class CaseloadVersion(CasesModel, table=True):
    """A region's caseload version: a new random token with every change of its counters.

    A reader that finds the token it computed a caseload under may serve that caseload again
    (services/cases/caseload.py); tokens are never reused, across databases and rollbacks.
    """

    __tablename__ = "caseload_version"

    region: str = Field(primary_key=True, max_length=8)
    token: str = Field(max_length=32)


class MediatorTerm(CasesModel, table=True):
    """In-mediation cases of a mediator in a region by the day their term ends (overdue counts)."""

    __tablename__ = "mediator_term"
    # Covering: a mediator's terms ending today or later are one seek (services/cases/caseload.py).
    __table_args__ = (
        Index("ix_mediator_term_mediator", "region", "mediator", "deadline", "cases"),
    )

    region: str = Field(primary_key=True, max_length=8)
    mediator: str = Field(primary_key=True, max_length=100)
    deadline: date = Field(primary_key=True)
    cases: int = 0


class Party(CasesModel, table=True):
    """A party of a case: a person or an organisation, with its contacts (personal data)."""

    __tablename__ = "party"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    position: int = 0
    kind: str = Field(max_length=20)
    name: str = Field(max_length=300)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)
    language: str = Field(default="kk", max_length=10)
    state_body: bool = False
    found_incapable: bool = False
    # kelisim.names.name_key of the name: one key for every spelling (earlier cases of a party).
    name_key: str = Field(default="", max_length=300, index=True)


class PartyNameWord(CasesModel, table=True):
    """One word of a party's name as its spelling-independent key, for search by name."""

    __tablename__ = "party_name_word"
    __table_args__ = (Index("ix_party_name_word_word", "word", "case_id"),)

    party_id: str = Field(foreign_key="party.id", primary_key=True, max_length=32)
    word: str = Field(primary_key=True, max_length=100)
    case_id: str = Field(max_length=32)


class Assignment(CasesModel, table=True):
    """A mediator's assignment to a case, with the conflict-of-interest declaration."""

    __tablename__ = "assignment"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    mediator: str = Field(max_length=100)
    assigned_by: str = Field(max_length=100)
    assigned_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    reason: str | None = None
    declared_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    conflict: bool | None = None
    conflict_reason: str | None = None
    ended_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class Consent(CasesModel, table=True):
    """A party's voluntary consent to the mediation or to its extension."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("party_id", "purpose", name="uq_consent_party_purpose"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    purpose: str = Field(default="mediation", max_length=20)
    form: str = Field(max_length=20)
    given_on: date
    recorded_by: str = Field(max_length=100)
    withdrawn_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class MediationSession(CasesModel, table=True):
    """A mediation session: when, where, its state, who attended; notes for the mediator only."""

    __tablename__ = "mediation_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    scheduled_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    place: str = Field(max_length=300)
    status: str = Field(default="scheduled", max_length=20)
    attendance: str = Field(default="", max_length=2000)
    notes: str | None = None
    reason: str | None = None
    # Why the service itself changed the session (`mediation_ended`); a user's reason is `reason`.
    reason_code: str | None = Field(default=None, max_length=40)


class Settlement(CasesModel, table=True):
    """The settlement agreement: terms and the stored signed document (SHA-256 kept).

    A reopened case may be settled again: the newest settlement of a case is the current one.
    """

    __tablename__ = "settlement"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    created_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    terms: str
    signed_on: date
    document_name: str = Field(max_length=300)
    media_type: str = Field(max_length=100)
    document: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    document_sha256: str = Field(max_length=64)


class Signature(CasesModel, table=True):
    """One party's signature of the settlement agreement."""

    __tablename__ = "signature"
    __table_args__ = (UniqueConstraint("settlement_id", "party_id", name="uq_signature_party"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    settlement_id: str = Field(foreign_key="settlement.id", index=True, max_length=32)
    party_id: str = Field(foreign_key="party.id", max_length=32)
    signed_on: date


class Obligation(CasesModel, table=True):
    """An obligation of the settlement, followed up until fulfilled or breached."""

    __tablename__ = "obligation"
    __table_args__ = (Index("ix_obligation_open_due", "status", "due_on"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    settlement_id: str = Field(foreign_key="settlement.id", index=True, max_length=32)
    description: str = Field(max_length=2000)
    due_on: date
    status: str = Field(default="open", max_length=20)
    resolved_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    note: str | None = None


class Escalation(CasesModel, table=True):
    """A reasoned escalation to law enforcement, and the liaison's acknowledgement."""

    __tablename__ = "escalation"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    reason: str
    risk_of: str = Field(max_length=20)
    risk_level: str = Field(max_length=20)
    summary: str = Field(max_length=500)
    escalated_by: str = Field(max_length=100)
    escalated_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    acknowledged_by: str | None = Field(default=None, max_length=200)
    acknowledged_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class RaisedAlert(CasesModel, table=True):
    """A deadline alert already raised: the unique key makes each one happen once."""

    __tablename__ = "raised_alert"
    __table_args__ = (UniqueConstraint("case_id", "kind", "due_on", "ref", name="uq_raised_alert"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", max_length=32)
    kind: str = Field(max_length=30)
    due_on: date
    ref: str = Field(default="", max_length=32)
    raised_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class StaffMember(CasesModel, table=True):
    """A staff account as the gateway announced it (identity.user.upserted), for assignment.

    Only what assignment checks is kept: roles, regions and whether the account is active.
    """

    __tablename__ = "staff_member"

    username: str = Field(primary_key=True, max_length=100)
    user_id: str = Field(max_length=64)
    roles: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    regions: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    active: bool = True
    updated_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class PracticeNote(CasesModel, table=True):
    """A practice note drafted from a closed case; only its checked text ever leaves the service.

    Its id is new and random: the library knows the note by it and can never tell the case.
    """

    __tablename__ = "practice_note"
    __table_args__ = (Index("ix_practice_note_author", "author", "updated_at", "id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    case_id: str = Field(foreign_key="case.id", index=True, max_length=32)
    author: str = Field(max_length=100)
    author_role: str = Field(max_length=20)
    region: str = Field(max_length=8)
    category: str = Field(max_length=40)
    outcome: str = Field(max_length=30)
    language: str = Field(max_length=2)
    texts: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="draft", max_length=20)
    revision: int = 0
    remark: str = Field(default="", sa_column=Column(Text, nullable=False))
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
