"""The yearly report to the country's leadership, as a PDF/A file in Kazakh, Russian or English.

It receives figures that are already protected (a suppressed figure is None) and prints
them: a None is always the suppression mark, never a number. The same data and language
always give the same bytes: the dates come from `ReportData.generated_on` and the file
identifier from a hash of the data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kelisim import charts, localtime, pdf
from kelisim.regions import REGIONS
from services.analytics import texts
from services.analytics.methodology import METHODOLOGY

Lang = Literal["kk", "ru", "en"]
Value = int | float | str | None

TEMPLATES = Path(__file__).parent / "templates"
MONTH_KEY = re.compile(r"\d{4}-\d{2}")
WIDE_TABLE = 6  # tables with more value columns than this go on landscape pages


@dataclass(frozen=True)
class ReportTable:
    """A protected table; `key`, column and row labels are texts keys, region codes or text."""

    key: str
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[Value]]]
    note: str | None = None


@dataclass(frozen=True)
class ReportAlert:
    """One early-warning alert of the year and what it was measured against."""

    region: str
    category: str
    period: date
    observed: int | None  # as the protected cube shows it
    expected: float | None  # None where a month of its baseline is hidden
    upper: float | None
    score: float | None  # None where the observed count or the baseline is hidden
    method: str


@dataclass(frozen=True)
class ReportProposal:
    """An approved proposal for the leadership and the tables or figures it rests on."""

    title: str
    body: str
    figures: Sequence[str] = ()


@dataclass(frozen=True)
class ReportTrend:
    """A monthly chart: one line per series, a None is a suppressed month."""

    title: str
    x_labels: Sequence[str]
    series: Sequence[charts.Series]


@dataclass(frozen=True)
class ReportData:
    """Everything the yearly report prints, already protected by the disclosure rule."""

    year: int
    generated_on: date
    regions: Sequence[str] = ()  # the regions a regional report covers; none: the republic
    summary: Sequence[tuple[str, int | float | None]] = ()
    tables: Sequence[ReportTable] = ()
    trends: Sequence[ReportTrend] = ()
    alerts: Sequence[ReportAlert] = ()
    council_tables: Sequence[ReportTable] = ()
    proposals: Sequence[ReportProposal] = ()


def render_report(data: ReportData, lang: Lang, *, font_dir: Path | None = None) -> bytes:
    """The report as PDF/A-3b bytes; the same data and language give byte-identical files."""
    return pdf.render_pdf(
        render_html(data, lang),
        base_url=TEMPLATES.as_uri() + "/",
        created_on=data.generated_on,
        identifier=hashlib.sha256(repr((data, lang)).encode()).hexdigest()[:32],
        font_dir=font_dir,
    )


def render_html(data: ReportData, lang: Lang) -> str:
    """The report as the HTML WeasyPrint lays out (also a preview for the web UI)."""
    if lang not in texts.LABELS:
        raise ValueError(f"no report texts for language {lang!r}")
    t = texts.LABELS[lang]
    tables = [_table(lang, table, n) for n, table in enumerate(data.tables, start=1)]
    councils = [
        _table(lang, table, n) for n, table in enumerate(data.council_tables, len(tables) + 1)
    ]
    trends = [_trend(lang, trend, n) for n, trend in enumerate(data.trends, start=1)]
    references: dict[str, list[str]] = {}
    for kind, items in ((t["table"], tables + councils), (t["figure"], trends)):
        for item in items:
            name = f"{kind} {item['number']}. {item['title']}"
            references.setdefault(str(item["key"]), []).append(name)
    created = f"{data.generated_on.isoformat()}T00:00:00+05:00"
    coverage = ", ".join(REGIONS[code].name(lang) for code in data.regions) or t["national"]
    return (
        _environment()
        .get_template("report.html")
        .render(
            lang=lang,
            t=t,
            year=data.year,
            title=f"{t['title']}: {coverage}, {t['year'].format(year=data.year)}",
            coverage=coverage,
            created=created,
            generated_on=_date(data.generated_on, lang),
            summary=[(_label(lang, key), _cell(lang, value)) for key, value in data.summary],
            summary_suppressed=any(value is None for _, value in data.summary),
            tables=tables,
            trends=trends,
            alerts=[_alert(lang, alert) for alert in data.alerts],
            councils=councils,
            proposals=[
                {
                    "title": p.title,
                    "body": [part.strip() for part in p.body.split("\n\n") if part.strip()],
                    "figures": [
                        name
                        for ref in p.figures
                        for name in references.get(ref, [_page(lang, ref)])
                    ],
                }
                for p in data.proposals
            ],
            methodology=METHODOLOGY[lang],
        )
    )


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _page(lang: Lang, ref: str) -> str:
    """An analytics page a proposal rests on, in words ("Figures of the region: Almaty, 2026"),
    not its address; an address it does not know, as given."""
    t = texts.LABELS[lang]
    parts = urlsplit(ref)
    path = parts.path.removeprefix("/api/v1").rstrip("/")
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    steps = path.split("/")[2:] if path.startswith("/analytics") else None
    if steps == []:
        name = t["page_overview"]
    elif steps and steps[0] == "regions" and len(steps) == 2 and steps[1].upper() in REGIONS:
        name = t["page_region"].format(name=REGIONS[steps[1].upper()].name(lang))
    elif steps == ["alerts"] or steps == ["councils"]:
        name = t[f"page_{steps[0]}"]
    elif steps and steps[0] == "alerts" and len(steps) == 2:
        name = t["page_alert"]
    elif steps and steps[0] == "exports" and len(steps) == 2:
        name = t["page_export"].format(name=_label(lang, steps[1].rsplit(".", 1)[0]))
    else:
        return ref
    region = query.get("region", "").upper()
    details = [REGIONS[region].name(lang)] if region in REGIONS and region not in name else []
    details += [query["year"]] if query.get("year", "").isdigit() else []
    return ", ".join([name, *details])


def _label(lang: Lang, key: str, *, table: bool = False) -> str:
    """A region, measure, category or method key in `lang`, or a table's title when `table`;
    "measure:category" joins its parts; anything else (a state body's name) as given."""
    if table and key in texts.TABLES[lang]:
        return texts.TABLES[lang][key]
    if key in REGIONS:
        return REGIONS[key].name(lang)
    for names in (texts.NAMES[lang], texts.CATEGORIES[lang], texts.METHODS[lang]):
        if key in names:
            return names[key]
    parts = key.split(":")
    if len(parts) > 1 and all(_label(lang, p) != p or p.isdigit() for p in parts):
        return ": ".join(_label(lang, p) for p in parts)
    return key


def _number(value: float, lang: Lang, places: int | None = None) -> str:
    group, decimal = texts.NUMBER_FORMATS[lang]
    if places is None:
        places = 0 if isinstance(value, int) else 1
    style = charts.ChartTexts(decimal_separator=decimal, group_separator=group)
    return charts.format_number(value, places, style)


def _cell(lang: Lang, value: Value) -> dict[str, str]:
    """What a table cell prints: a number, a label, or the suppression mark for None."""
    if value is None:
        return {"text": texts.SUPPRESSED_MARK, "kind": "suppressed"}
    if isinstance(value, str):
        return {"text": _label(lang, value), "kind": "text"}
    return {"text": _number(value, lang), "kind": "number"}


def _table(lang: Lang, table: ReportTable, number: int) -> dict[str, object]:
    rows = [
        {"label": _label(lang, label), "cells": [_cell(lang, v) for v in values]}
        for label, values in table.rows
    ]
    if any(len(row["cells"]) != len(table.columns) for row in rows):
        raise ValueError(f"table {table.key!r}: every row needs one value per column")
    by_region = all(label in REGIONS or label in ("KZ", "total") for label, _ in table.rows)
    return {
        "key": table.key,
        "corner": texts.LABELS[lang]["col_region"] if by_region else "",
        "anchor": f"table-{number}",
        "number": number,
        "title": _label(lang, table.key, table=True),
        "columns": [_label(lang, c) for c in table.columns],
        "rows": rows,
        "note": _label(lang, table.note) if table.note else None,
        "suppressed": any(v is None for _, values in table.rows for v in values),
        "wide": len(table.columns) > WIDE_TABLE,
    }


def _trend(lang: Lang, trend: ReportTrend, number: int) -> dict[str, object]:
    t = texts.LABELS[lang]
    group, decimal = texts.NUMBER_FORMATS[lang]
    words = charts.ChartTexts(
        first=t["chart_first"],
        last=t["chart_last"],
        highest=t["chart_highest"],
        missing=t["chart_missing"],
        no_data=t["chart_no_data"],
        decimal_separator=decimal,
        group_separator=group,
    )
    title = _label(lang, trend.title)
    series = [replace(s, label=_label(lang, s.label)) for s in trend.series]
    svg = charts.line_chart(
        series,
        title=title,
        description=t["trend_desc"],
        x_labels=[_month_label(lang, label) for label in trend.x_labels],
        width=680,
        height=260,
        texts=words,
        chart_id=f"figure-{number}",
    )
    return {
        "key": trend.title,
        "anchor": f"figure-{number}-block",
        "number": number,
        "title": title,
        "svg": Markup(svg),  # noqa: S704 - charts escapes every text it is given
        "suppressed": any(v is None for s in trend.series for v in s.values),
    }


def _month_label(lang: Lang, label: str) -> str:
    """A month ("YYYY-MM") by its short name in the report's language; other labels as given."""
    return localtime.month_short(label, lang) if MONTH_KEY.fullmatch(label) else label


def _shown_number(lang: Lang, value: float | None, decimals: int) -> str:
    """A figure with decimals, or the suppression mark where it is hidden."""
    return _cell(lang, None)["text"] if value is None else _number(value, lang, decimals)


def _alert(lang: Lang, alert: ReportAlert) -> dict[str, str]:
    return {
        "region": _label(lang, alert.region),
        "category": _label(lang, alert.category),
        "period": _month(alert.period, lang),
        "observed": _cell(lang, alert.observed)["text"],
        "expected": _shown_number(lang, alert.expected, 1),
        "upper": _shown_number(lang, alert.upper, 1),
        "score": _shown_number(lang, alert.score, 2),
        "method": _label(lang, alert.method),
    }


def _date(day: date, lang: Lang) -> str:
    full, _ = texts.DATE_FORMATS[lang]
    return full.format(
        year=day.year,
        day=day.day,
        month=texts.MONTHS[lang][day.month - 1],
        month_genitive=texts.MONTHS_GENITIVE_RU[day.month - 1],
    )


def _month(day: date, lang: Lang) -> str:
    _, month = texts.DATE_FORMATS[lang]
    return month.format(year=day.year, month=texts.MONTHS[lang][day.month - 1])
