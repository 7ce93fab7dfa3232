"""The analytics service's tables: facts and counters built from events, never a person.

Facts hold the least each later event needs to be counted (a case's region, category and
term; a recommendation's addressee and due date). Counters are the statistical database:
one row per measure, region, dimension and period, incremented in the consuming transaction,
so a dashboard reads a few hundred rows whatever the number of cases behind them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Column,
    Float,
    MetaData,  # noqa: E402
    UniqueConstraint,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kelisim.clock import new_id, now
from kelisim.db import UtcDateTime
from kelisim.tables import backbone_tables

metadata = MetaData()
backbone = backbone_tables(metadata)


class AnalyticsModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the analytics service's SQLModel tables."""


class CaseFact(AnalyticsModel, table=True):
    """What later events of a case need to be counted: no number, no party, no mediator."""

    __tablename__ = "case_fact"

    case_ref: str = Field(primary_key=True, max_length=64)
    region: str = Field(max_length=8)
    category: str = Field(max_length=20)
    registered_on: date
    deadline: date | None = None
    in_mediation: bool = False
    extended: bool = False


class EscalationFact(AnalyticsModel, table=True):
    """An escalation's region, risk level and when it was raised, to time its acceptance."""

    __tablename__ = "escalation_fact"

    escalation_id: str = Field(primary_key=True, max_length=64)
    region: str = Field(max_length=8)
    risk_level: str = Field(max_length=20)
    escalated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    accepted_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class RecommendationFact(AnalyticsModel, table=True):
    """A recommendation's addressed state body and due date, to count its execution."""

    __tablename__ = "recommendation_fact"

    recommendation_id: str = Field(primary_key=True, max_length=64)
    region: str = Field(max_length=8)
    addressee: str = Field(max_length=300)
    due_date: date
    answered: bool = False
    overdue: bool = False
    implemented: bool = False


class Counter(AnalyticsModel, table=True):
    """One figure: a measure in a region, for a dimension value, in a period."""

    __tablename__ = "counter"
    __table_args__ = (
        # period before region: a dashboard asks for a measure in a few periods, all regions
        UniqueConstraint("measure", "period", "region", "dim", name="uq_counter_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    measure: str = Field(max_length=60)
    region: str = Field(max_length=8)
    dim: str = Field(max_length=300)
    period: str = Field(
        max_length=16, description="YYYY-MM, YYYY-MM-Www (week of the month), YYYY, or 'now'"
    )
    value: float = Field(default=0, sa_column=Column(Float, nullable=False, default=0))


class CubeState(AnalyticsModel, table=True):
    """One protected cube (a measure's year, or its stock now): how fresh its figures are.

    `version` grows with every counter change in the cube; the worker protects the cube again
    when it is ahead of `built_version`, once the counters have been quiet for a moment.
    """

    __tablename__ = "cube_state"

    measure: str = Field(primary_key=True, max_length=60)
    cube: str = Field(primary_key=True, max_length=4, description="YYYY, or 'now' for stocks")
    version: int = 1
    changed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    dirty_since: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    built_version: int = 0
    built_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    dims: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ProtectedFigure(AnalyticsModel, table=True):
    """A published figure of a protected cube: a cell or a margin (`*` on the summed axes).

    Only figures that are not 0 are stored; a hidden figure has no value. A built cube's
    missing figure is an honest 0.
    """

    __tablename__ = "protected_figure"
    __table_args__ = (
        UniqueConstraint("measure", "cube", "month", "region", "dim", name="uq_protected_figure"),
    )

    id: int | None = Field(default=None, primary_key=True)
    measure: str = Field(max_length=60)
    cube: str = Field(max_length=4)
    region: str = Field(max_length=8)
    dim: str = Field(max_length=300)
    month: str = Field(
        max_length=16, description="YYYY-MM, YYYY-MM-Www, 'now', or '*' for the whole cube"
    )
    value: int | None = None


class HistoryCount(AnalyticsModel, table=True):
    """A monthly count imported from a region's past statistics (CSV), seeding the baselines."""

    __tablename__ = "history_count"
    __table_args__ = (UniqueConstraint("region", "category", "month", name="uq_history_month"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    region: str = Field(max_length=8)
    category: str = Field(max_length=20)
    month: date
    count: int
    import_id: str = Field(max_length=32, index=True)


class HistoryImport(AnalyticsModel, table=True):
    """One upload of past statistics: who, when, which file (by hash), how many rows."""

    __tablename__ = "history_import"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    sha256: str = Field(max_length=64, index=True)
    rows: int
    imported_by: str = Field(max_length=100)
    imported_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class Alert(AnalyticsModel, table=True):
    """An early warning: a series' month that departed from its history, with the explanation."""

    __tablename__ = "alert"
    __table_args__ = (
        UniqueConstraint("region", "category", "period", name="uq_alert_series_period"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    region: str = Field(max_length=8, index=True)
    category: str = Field(max_length=20)
    period: date
    observed: int
    expected: float
    upper: float
    score: float
    p_value: float | None = None
    method: str = Field(max_length=20)
    baseline_from: date | None = None
    baseline_to: date | None = None
    baseline_months: int
    raised_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )


class Proposal(AnalyticsModel, table=True):
    """An analysts' proposal for the leadership: drafted, reviewed by a second analyst, frozen."""

    __tablename__ = "proposal"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    year: int = Field(index=True)
    status: str = Field(default="draft", max_length=20)
    titles: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    bodies: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    figures: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # The regions it is about (`KZ` among them: national); its reviewers and reports cover them.
    regions: list[str] = Field(sa_column=Column(JSON, nullable=False))
    author: str = Field(max_length=100)
    reviewer: str | None = Field(default=None, max_length=100)
    remark: str | None = Field(default=None, max_length=2000)
    version: int = 1
    created_at: datetime = Field(
        default_factory=now, sa_column=Column(UtcDateTime(), nullable=False)
    )
    reviewed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class PracticeNote(AnalyticsModel, table=True):
    """A practice note of the library, as its events made it: checked text, review, usefulness."""

    __tablename__ = "practice_note"

    note_id: str = Field(primary_key=True, max_length=64)
    source_kind: str = Field(max_length=20)
    revision: int
    region: str = Field(max_length=8, index=True)
    category: str = Field(max_length=40, index=True)
    outcome: str = Field(max_length=30)
    language: str = Field(max_length=2)
    languages: str = Field(max_length=10, description="the languages it has, e.g. 'en,kk'")
    texts: dict[str, dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    author_role: str = Field(max_length=30)
    submitted_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    status: str = Field(default="under_review", max_length=20, index=True)
    remark: str = Field(default="", max_length=2000)
    reviewer_region: str | None = Field(default=None, max_length=8)
    reviewed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    published_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True, index=True)
    )
    useful: int = 0


class PracticeNoteTerm(AnalyticsModel, table=True):
    """The search index: how often a normalised term occurs in a note (all its languages)."""

    __tablename__ = "practice_note_term"

    note_id: str = Field(primary_key=True, max_length=64)
    term: str = Field(primary_key=True, max_length=80, index=True)
    count: int


class PracticeNoteMark(AnalyticsModel, table=True):
    """One member's "useful" mark on a note, under the keyed hash of their user id."""

    __tablename__ = "practice_note_mark"

    note_id: str = Field(primary_key=True, max_length=64)
    marker: str = Field(primary_key=True, max_length=64)
    marked_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
