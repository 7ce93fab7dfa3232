"""The analytics API's shapes: protected tables, alerts, imports, proposals, the library."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from kelisim.inputs import Input, Line, Text
from services.analytics.tables import Table

Lang = Literal["kk", "ru", "en"]


class TableRow(BaseModel):
    key: str
    cells: list[int | None]
    total: int | None = None


class TablePublic(BaseModel):
    """A protected table; `null` marks a suppressed figure (1-4, or one that would reveal it)."""

    key: str
    period: str
    columns: list[str]
    rows: list[TableRow]
    column_totals: list[int | None]
    total: int | None = None
    has_row_totals: bool
    suppressed: int
    as_of: datetime | None = Field(
        description="when the figures were protected; null: nothing counted or not yet protected"
    )
    stale: bool = Field(
        description="counts changed since as_of; these are the last protected figures"
    )

    @classmethod
    def of(cls, table: Table, period: str) -> TablePublic:
        return cls(
            key=table.key,
            period=period,
            columns=list(table.columns),
            rows=[
                TableRow(key=r, cells=table.line(r), total=table.row_totals.get(r))
                for r in table.rows
            ],
            column_totals=[table.column_totals.get(c) for c in table.columns],
            total=table.total,
            has_row_totals=table.has_row_totals,
            suppressed=table.suppressed,
            as_of=table.freshness.as_of,
            stale=table.freshness.stale,
        )


class RegionRates(BaseModel):
    region: str
    settlement_rate: float | None = Field(description="settled / ended; null where suppressed")
    in_term_rate: float | None = Field(description="ended within the legal term / ended")
    accept_hours: float | None = Field(description="mean hours to a liaison's acceptance")
    alert_level: int


class Overview(BaseModel):
    period: str
    cases: TablePublic
    escalations: TablePublic
    regions: list[RegionRates]


class CouncilFigures(BaseModel):
    period: str
    regions: TablePublic
    state_bodies: TablePublic


class AlertPublic(BaseModel):
    """An early warning and what it saw."""

    id: str
    region: str
    category: str
    period: date
    observed: int | None = Field(
        description="cases registered in the month, as the protected tables show it (null: hidden)"
    )
    observed_suppressed: bool = Field(
        default=False, description="the protected tables hide the observed count"
    )
    expected: float | None = Field(
        description="expected count, one decimal; shown where the observed count is hidden; "
        "null where a month it is computed from is hidden (`baseline_suppressed`)"
    )
    upper: float | None = Field(
        description="the alarm threshold, one decimal; null exactly when `expected` is"
    )
    baseline_suppressed: bool = Field(
        default=False,
        description="one of the alert's baseline months is hidden in the tables: its "
        "expected count (computed from those months, by either method), threshold, score and "
        "p-value are not shown",
    )
    score: float | None = Field(
        description="null where the observed count is hidden or `baseline_suppressed`"
    )
    p_value: float | None = Field(
        description="null where the observed count is hidden or `baseline_suppressed`"
    )
    method: str
    baseline_from: date | None
    baseline_to: date | None
    baseline_months: int
    raised_at: datetime


class SeriesPoint(BaseModel):
    month: date
    count: int | None


class AlertDetail(AlertPublic):
    series: list[SeriesPoint]


class ImportResult(BaseModel):
    import_id: str
    rows: int
    replaced: int
    unchanged: bool


class ProposalCreate(Input):
    """A proposal for the leadership, in one or more of kk/ru/en, resting on named figures."""

    year: int = Field(ge=2000, le=2100)
    titles: dict[Lang, Line] = Field(min_length=1)
    bodies: dict[Lang, Text] = Field(min_length=1)
    figures: list[str] = Field(
        min_length=1,
        max_length=20,
        description="the analytics pages it rests on (`/analytics/...`), of its regions",
    )
    regions: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=21,
        description="the regions it is about (`KZ`: the republic); the author's when none",
    )


class ProposalUpdate(Input):
    titles: dict[Lang, Line] | None = None
    bodies: dict[Lang, Text] | None = None
    figures: list[str] | None = Field(default=None, min_length=1, max_length=20)
    regions: list[str] | None = Field(default=None, min_length=1, max_length=21)


class ProposalReview(Input):
    decision: Literal["approve", "return"]
    remark: str | None = Field(default=None, max_length=2000)


class ProposalPublic(BaseModel):
    id: str
    year: int
    status: str
    titles: dict[str, str]
    bodies: dict[str, str]
    figures: list[str]
    regions: list[str]
    author: str
    reviewer: str | None
    remark: str | None
    version: int
    created_at: datetime
    reviewed_at: datetime | None


class NoteReview(Input):
    """A reviewer's decision on a practice note; a return says what to change."""

    decision: Literal["approve", "return"]
    remark: Text = Field(default="", max_length=2000)


class NotePublic(BaseModel):
    """A practice note of the library: its checked texts per language, review and usefulness."""

    note_id: str
    revision: int
    region: str
    category: str
    outcome: str
    language: str
    texts: dict[str, dict[str, str]]
    author_role: str
    submitted_at: datetime
    status: str
    remark: str
    reviewer_region: str | None
    reviewed_at: datetime | None
    published_at: datetime | None
    useful: int
    marked: bool | None = Field(default=None, description="whether the caller marked it useful")
    etag: str | None = Field(default=None, description="under review: the If-Match of a decision")


class LibraryShelf(BaseModel):
    category: str
    most_useful: list[NotePublic]
    newest: list[NotePublic]


class LibraryHome(BaseModel):
    shelves: list[LibraryShelf]
