"""The yearly report's data: the year's protected tables, trends, alerts and frozen proposals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim.charts import Series
from services.analytics import figures, published
from services.analytics.figures import Period
from services.analytics.lifecycle import FROZEN
from services.analytics.measures import ALL_REGIONS, CATEGORIES, months_of
from services.analytics.models import Alert, Proposal
from services.analytics.report import (
    ReportAlert,
    ReportData,
    ReportProposal,
    ReportTable,
    ReportTrend,
)
from services.analytics.tables import Table

SUMMARY = ("cases.registered", "cases.settled", "cases.not_settled", "cases.ended_in_term")


def report_table(table: Table) -> ReportTable:
    rows = [
        (r, [*table.line(r), *([table.row_totals.get(r)] if table.has_row_totals else [])])
        for r in table.rows
    ]
    rows.append(
        (
            "total",
            [table.column_totals.get(c) for c in table.columns]
            + ([table.total] if table.has_row_totals else []),
        )
    )
    columns = [*table.columns, *(["total"] if table.has_row_totals else [])]
    return ReportTable(key=table.key, columns=columns, rows=rows, note=None)


def report_data(
    db: DbSession,
    year: int,
    regions: Sequence[str],
    council_regions: Sequence[str],
    lang: str,
    on: date,
) -> ReportData:
    """Everything the report shows for a year, protected as on screen."""
    period = Period(year)
    overview = figures.overview(db, regions, period)
    registered = figures.by_dimension(db, "cases.registered", regions, period)
    summary = [(measure, overview.column_totals.get(measure)) for measure in SUMMARY]
    trend_series = []
    monthly = figures.by_month(db, "cases.registered", regions, year, None)
    totals = [monthly.column_totals.get(m) for m in monthly.columns]
    trend_series.append(
        Series("cases.registered", [None if v is None else float(v) for v in totals])
    )
    trends = [ReportTrend(title="cases.registered", x_labels=months_of(year), series=trend_series)]
    for category in CATEGORIES:  # every category, a quiet one too: its flat line is a finding
        per = figures.by_month(db, "cases.registered", regions, year, category)
        values = [per.column_totals.get(m) for m in per.columns]
        trends.append(
            ReportTrend(
                title=f"cases.registered:{category}",
                x_labels=months_of(year),
                series=[Series(category, [None if v is None else float(v) for v in values])],
            )
        )
    alerts = db.exec(
        select(Alert)
        .where(
            col(Alert.region).in_(list(regions)),
            Alert.period >= date(year, 1, 1),
            Alert.period <= date(year, 12, 31),
        )
        .order_by(col(Alert.period), col(Alert.region), col(Alert.category))
    ).all()
    shown = published.shown_alerts(db, alerts)
    # A report prints the proposals about its regions only: a national one (about `KZ`) is
    # printed by the national report alone.
    covered = set(council_regions)
    proposals = [
        p
        for p in db.exec(
            select(Proposal)
            .where(Proposal.year == year, col(Proposal.status).in_(sorted(FROZEN)))
            .order_by(col(Proposal.created_at), col(Proposal.id))
        ).all()
        if set(p.regions) <= covered
    ]
    return ReportData(
        year=year,
        generated_on=on,
        # A report of every region is the republic's; a regional one names its regions.
        regions=[] if set(ALL_REGIONS) <= set(regions) else list(regions),
        summary=summary,
        tables=[report_table(overview), report_table(registered)],
        trends=trends,
        alerts=[
            ReportAlert(
                region=a.region,
                category=a.category,
                period=a.period,
                observed=figure.observed,
                expected=figure.expected,
                upper=figure.upper,
                score=figure.score,
                method=a.method,
            )
            for a, figure in zip(alerts, shown, strict=True)
        ],
        council_tables=[
            report_table(figures.councils(db, council_regions, period)),
            report_table(figures.state_bodies(db, council_regions, period)),
        ],
        proposals=[
            ReportProposal(
                title=_in(p.titles, lang), body=_in(p.bodies, lang), figures=list(p.figures)
            )
            for p in proposals
        ],
    )


def _in(texts: dict[str, str], lang: str) -> str:
    """The text in the report's language, else Kazakh, Russian, English in that order."""
    for candidate in (lang, "kk", "ru", "en"):
        if texts.get(candidate):
            return texts[candidate]
    return ""
