"""The analysts' pages: figures by region, trends, early warnings, councils, history, report.

Figures come from the analytics service as protected tables, where `null` is a suppressed
figure. Charts are inline SVG from `kelisim.charts`, which escapes every word it is given;
that SVG is the only markup of these pages not escaped by the templates.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_date, get_month_names
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol
from fastapi import APIRouter
from fastapi.responses import Response
from markupsafe import Markup

from gateway.web import labels
from gateway.web.client import ServiceError
from gateway.web.i18n import TIME_ZONE
from gateway.web.labels import N_
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect, required
from kelisim.charts import ChartTexts, Series, line_chart, tile_map
from kelisim.regions import REGIONS

router = APIRouter(include_in_schema=False)
API = "/api/v1/analytics"
LANG_ORDER = ("kk", "ru", "en")
NATIONAL = "KZ"  # council figures of the republic level

# Refusals of the analytics service, by the `type` of its problem details.
PROBLEMS = {
    "future-period": N_("Figures exist only up to this year."),
    "unknown-measure": N_("There is no such measure."),
    "unknown-category": N_("Unknown category."),
    "unknown-table": N_("There is no such table."),
    "invalid-csv": N_("The file is not a valid history CSV."),
    "invalid-rows": N_("Some rows are not valid; nothing was imported."),
    "too-large": N_("A history file has at most 5 MB."),
    "incomplete-translation": N_("Each language needs both a title and a text."),
    "remark-required": N_("Say what to change when returning a proposal."),
    "not-the-author": N_("Only its author changes or submits a proposal."),
    "second-analyst": N_("A second analyst, not the author, reviews it."),
    "bad-cursor": N_("This page link is no longer valid; start from the first page."),
}
# The service explains a refused file and its rows in English words; these say it again.
CSV_DETAILS = (
    (re.compile(r"not UTF-8"), N_("The file is not UTF-8 text.")),
    (re.compile(r"^Missing columns: (?P<value>.*?)\.?$"), N_("Columns missing: %(value)s.")),
    (re.compile(r"^At most"), N_("The file has too many rows.")),
    (re.compile(r"no rows"), N_("The file holds no rows.")),
)
# A bad row of a history file, by the stable code the service gives it.
ROW_ERRORS = {
    "unknown-region": N_("Unknown region: %(value)s"),
    "unknown-category": N_("Unknown category: %(value)s"),
    "bad-month": N_("Month %(value)s is not YYYY-MM"),
    "month-out-of-range": N_("Month %(value)s is before 1991 or still to come"),
    "bad-count": N_("Count %(value)s is not a whole number from 0 to 9999999"),
    "duplicate-row": N_("The same region, category and month appear twice"),
}
METHODS = {"farrington": N_("Farrington"), "ewma": N_("EWMA chart"), "none": N_("none")}
LEVELS = (N_("Calm"), N_("Watch"), N_("Alert"))
PROPOSAL_STATUSES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "approved": N_("Approved"),
    "returned": N_("Returned"),
}
REPORT_LANGS = {"kk": N_("In Kazakh"), "ru": N_("In Russian"), "en": N_("In English")}


@dataclass(frozen=True)
class Period:
    """The year, or month of it, that a page shows."""

    year: int
    month: int | None

    @property
    def params(self) -> dict[str, Any]:
        return {"year": self.year, "month": self.month}

    @property
    def query(self) -> str:
        """The period in a link to a page here (a blank month: the whole year)."""
        return urlencode({"year": self.year, "month": self.month or ""})

    @property
    def api_query(self) -> str:
        """The period in a link to the API (no month: the whole year)."""
        return urlencode({k: v for k, v in self.params.items() if v is not None})


def _period(view: View, year: str, month: str) -> Period:
    """The period asked for; by default this month. A blank month asks for the whole year."""
    today = datetime.now(TIME_ZONE).date()
    chosen = int(year) if year.isdigit() and 2000 <= int(year) <= today.year else today.year
    if "month" not in view.request.query_params:
        return Period(chosen, today.month if chosen == today.year else None)
    return Period(chosen, int(month) if month.isdigit() and 1 <= int(month) <= 12 else None)


def _allow(view: View, *roles: str) -> None:
    if not view.has(*roles):
        raise ServiceError(403, "role-not-permitted")


def _message(view: View, error: ServiceError) -> str:
    """A refusal of the service in the user's language."""
    if error.kind == "invalid-csv":
        for pattern, text in CSV_DETAILS:
            found = pattern.search(error.detail or "")
            if found:
                return view.translate(text) % found.groupdict()
    text = PROBLEMS.get(error.kind) or labels.PROBLEMS.get(error.kind, labels.GENERIC_PROBLEM)
    return view.translate(text)


def _row_error(view: View, error: dict[str, Any]) -> str:
    """One bad row of a history file, explained in the user's language (as sent if unknown)."""
    message = ROW_ERRORS.get(str(error.get("code")))
    if message is None:
        return str(error.get("error", ""))
    return view.translate(message) % {"value": repr(str(error.get("value", "")))}


def _refused(view: View, error: ServiceError) -> Response:
    """The error page for a refused page, with the service's reason in the user's language."""
    if error.status == 401:
        raise error
    message = _message(view, error)
    return view.render("error.html", status=error.status, message=message, status_code=error.status)


def _form_errors(view: View, error: ServiceError, aliases: dict[str, str]) -> FormErrors:
    errors = form_errors(view, error, aliases)
    if error.kind in PROBLEMS:
        errors.general = _message(view, error)
    return errors


def _svg(chart: str) -> Markup:
    # kelisim.charts escapes every text and attribute it writes (see its module docstring).
    return Markup(chart)


def _texts(view: View) -> ChartTexts:
    _ = view.translate
    return ChartTexts(
        first=_("first"),
        last=_("last"),
        highest=_("highest"),
        missing=_("hidden"),
        no_data=_("no data"),
        decimal_separator=get_decimal_symbol(view.lang),
        group_separator=get_group_symbol(view.lang),
    )


def _month_names(view: View, width: str = "wide") -> dict[int, str]:
    return dict(get_month_names(width, context="stand-alone", locale=view.lang))


def _month(view: View, value: date | str) -> str:
    """A month as the reader says it: «Маусым 2025»."""
    day = value if isinstance(value, date) else date.fromisoformat(value[:10])
    return format_date(day, "LLLL y", locale=view.lang)


def _region_name(view: View, code: str) -> str:
    return view.translate(N_("Republic level")) if code == NATIONAL else view.fmt.region(code)


def _numbers(view: View) -> dict[str, Any]:
    """Formatting of rates and means for the templates ('—' when hidden or unknown)."""

    def percent(value: float | None) -> str:
        return "—" if value is None else format_percent(value, "#,##0.0%", locale=view.lang)

    def decimal(value: float | None, pattern: str = "#,##0.#") -> str:
        return "—" if value is None else format_decimal(value, pattern, locale=view.lang)

    return {"percent": percent, "decimal": decimal, "month_of": lambda v: _month(view, v)}


def _render(view: View, template: str, period: Period | None = None, **context: Any) -> Response:
    today = datetime.now(TIME_ZONE).date()
    return view.render(
        template,
        period=period,
        years=list(range(today.year, today.year - 10, -1)),
        months=[("", view.translate(N_("Whole year"))), *_month_names(view).items()],
        region_name=lambda code: _region_name(view, code),
        is_analyst=view.has("analyst"),
        **_numbers(view),
        **context,
    )


@router.get("/analytics")
async def overview(view: PageView, year: str = "", month: str = "") -> Response:
    """Each region's cases, escalations and rates in the period, and a map of its alerts."""
    _allow(view, "analyst", "coordinator")
    period = _period(view, year, month)
    try:
        figures = await view.services.get(f"{API}/overview", **period.params)
    except ServiceError as error:
        return _refused(view, error)
    _ = view.translate
    chart = tile_map(
        {r["region"]: r["alert_level"] for r in figures["regions"]},
        names={code: view.fmt.region(code) for code in REGIONS},
        title=_("Early warnings by region"),
        description=_("Regions with an alert raised since the start of the period are marked."),
        level_labels=[_(level) for level in LEVELS],
        links={r["region"]: _region_link(r["region"], period) for r in figures["regions"]},
        no_data_label=_("Outside your scope"),
    )
    return _render(
        view,
        "analytics/overview.html",
        period,
        figures=figures,
        rates={r["region"]: r for r in figures["regions"]},
        map=_svg(chart),
        region_link=lambda code: _region_link(code, period),
    )


def _region_link(code: str, period: Period) -> str:
    return f"/analytics/regions/{code}?{period.query}"


def _row(table: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((row for row in table["rows"] if row["key"] == key), None)


@router.get("/analytics/regions/{code}")
async def region(code: str, view: PageView, year: str = "", month: str = "") -> Response:
    """One region: its figures in the period and its cases registered month by month."""
    _allow(view, "analyst", "coordinator")
    if code not in REGIONS:
        return _refused(view, ServiceError(404, "not-found"))
    period = _period(view, year, month)
    categories = [None, *labels.CATEGORIES]
    try:
        figures, *series = await asyncio.gather(
            view.services.get(f"{API}/overview", **period.params),
            *(
                view.services.get(f"{API}/series/cases.registered", year=period.year, category=c)
                for c in categories
            ),
        )
    except ServiceError as error:
        return _refused(view, error)
    row = _row(figures["cases"], code)
    if row is None:
        return _refused(view, ServiceError(403, "out-of-scope"))
    _, name = view.translate, view.fmt.region(code)
    months = _month_names(view, "abbreviated")
    today = datetime.now(TIME_ZONE).date()
    # The months still to come of this year are not drawn (they are no zeros).
    shown = today.month if period.year == today.year else 12
    charts = []
    for category, table in zip(categories, series, strict=True):
        line = _row(table, code) or {"cells": [None] * len(table["columns"])}
        label = _(labels.CATEGORIES[category]) if category else _("All categories")
        chart = line_chart(
            [Series(label, line["cells"][:shown])],
            title=_("%(category)s: cases registered in %(year)s")
            % {"category": label, "year": period.year},
            description=_("Cases registered each month in %(region)s.") % {"region": name},
            x_labels=[months[int(column[5:])] for column in table["columns"][:shown]],
            texts=_texts(view),
            width=420 if category else 640,
            height=200 if category else 240,
        )
        charts.append(_svg(chart))
    return _render(
        view,
        "analytics/region.html",
        period,
        code=code,
        figures=figures,
        row=row,
        escalations=_row(figures["escalations"], code),
        rates=next(r for r in figures["regions"] if r["region"] == code),
        total_chart=charts[0],
        charts=charts[1:],
    )


def _explain(view: View, alert: dict[str, Any]) -> str:
    """What an alert saw, in words: observed, expected, upper bound, score, method, baseline."""
    number = _numbers(view)["decimal"]
    start, end = alert.get("baseline_from"), alert.get("baseline_to")
    _ = view.translate
    return _(
        "Observed %(observed)s, expected %(expected)s, upper bound %(upper)s, score %(score)s, "
        "method: %(method)s, baseline %(baseline)s (%(months)s months)."
    ) % {
        "observed": view.fmt.number(alert["observed"]),
        "expected": number(alert["expected"]),
        "upper": number(alert["upper"]),
        "score": number(alert["score"]),
        "method": view.translate(METHODS.get(alert["method"], alert["method"])),
        "baseline": f"{start[:7]} – {end[:7]}" if start and end else "—",
        "months": view.fmt.number(alert["baseline_months"]),
    }


@router.get("/analytics/alerts")
async def alerts(view: PageView, cursor: str = "", region: str = "") -> Response:
    """The early warnings of the user's regions (or one region), newest first, page by page."""
    _allow(view, "analyst", "coordinator")
    region = region if region in REGIONS else ""
    try:
        page = await view.services.get(f"{API}/alerts", cursor=cursor, region=region, limit=50)
    except ServiceError as error:
        return _refused(view, error)
    items = [{**a, "explanation": _explain(view, a)} for a in page["items"]]
    after = page.get("next_cursor")
    return _render(
        view,
        "analytics/alerts.html",
        items=items,
        region=region,
        after=urlencode({"region": region, "cursor": after}) if after else None,
        newest=urlencode({"region": region}) if cursor else None,
    )


@router.get("/analytics/alerts/{alert_id}")
async def alert(alert_id: str, view: PageView) -> Response:
    """One early warning: what it saw and the series it was assessed on, the month ringed."""
    _allow(view, "analyst", "coordinator")
    try:
        found = await view.services.get(f"{API}/alerts/{alert_id}")
    except ServiceError as error:
        return _refused(view, error)
    _ = view.translate
    points = found["series"]
    months = [p["month"][:7] for p in points]
    flagged = found["period"][:7]
    category = _(labels.CATEGORIES.get(found["category"], found["category"]))
    chart = line_chart(
        [Series(_("Cases registered"), [p["count"] for p in points])],
        title=_("%(category)s in %(region)s, month by month")
        % {"category": category, "region": view.fmt.region(found["region"])},
        description=_("The flagged month is ringed; the dashed line is its upper bound."),
        x_labels=months,
        highlight=months.index(flagged) if flagged in months else None,
        highlight_label=_month(view, found["period"]),
        threshold=[found["upper"]] * len(points),
        threshold_label=_("Upper bound of the flagged month"),
        texts=_texts(view),
        width=720,
    )
    return _render(
        view,
        "analytics/alert.html",
        alert=found,
        category=category,
        explanation=_explain(view, found),
        chart=_svg(chart),
    )


@router.get("/analytics/councils")
async def councils(view: PageView, year: str = "", month: str = "") -> Response:
    """Control of the councils' work per region and per addressed state body."""
    _allow(view, "analyst", "coordinator")
    period = _period(view, year, month)
    try:
        figures = await view.services.get(f"{API}/councils", **period.params)
    except ServiceError as error:
        return _refused(view, error)
    return _render(view, "analytics/councils.html", period, figures=figures)


HISTORY_COLUMNS = (
    ("region", N_("the region's ISO 3166-2:KZ code, e.g. KZ-75")),
    ("category", N_("one of these codes:")),
    ("month", N_("YYYY-MM, from 1991 up to this month")),
    ("count", N_("cases registered that month, a whole number from 0")),
)


def _history_page(view: View, status: int = 200, **context: Any) -> Response:
    return _render(
        view,
        "analytics/history.html",
        status=status,
        columns=HISTORY_COLUMNS,
        **context,
    )


@router.get("/analytics/history")
async def history_form(view: PageView) -> Response:
    """The form to import past monthly counts from a CSV file."""
    _allow(view, "analyst")
    return _history_page(view)


@router.post("/analytics/history")
async def history_upload(view: FormView) -> Response:
    """Send the file as it is; show what was imported, or every bad row and why."""
    _allow(view, "analyst")
    assert view.form is not None
    upload = view.form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _history_page(view, 422, errors=required(view, "file"))
    content = await upload.read()
    try:
        result = await view.services.call(
            "POST", f"{API}/history", content=content, headers={"content-type": "text/csv"}
        )
    except ServiceError as error:
        rows = [
            {"line": e.get("line"), "error": _row_error(view, e)}
            for e in error.errors
            if isinstance(e, dict) and "line" in e
        ]
        errors = FormErrors(general=_message(view, error))
        return _history_page(view, error.status, errors=errors, rows=rows, filename=upload.filename)
    return _history_page(view, result=result, filename=upload.filename)


def _in_language(texts: dict[str, str], lang: str) -> tuple[str, str]:
    """The text in the reader's language, else in the first language it was written in."""
    for code in (lang, *LANG_ORDER):
        if texts.get(code):
            return code, texts[code]
    return lang, ""


def _figure_link(line: str) -> str | None:
    """A figure a proposal rests on is a link when it points to a page of figures here."""
    return line if re.match(r"^/(analytics|api/v1/analytics)(/|\?|$)", line) else None


async def _report_page(
    view: View, year: int, errors: dict[str, FormErrors] | None = None, status: int = 200
) -> Response:
    try:
        proposals = await view.services.get(f"{API}/proposals", year=year)
    except ServiceError as error:
        return _refused(view, error)
    shown = [
        {
            **p,
            "title": _in_language(p["titles"], view.lang),
            "body": _in_language(p["bodies"], view.lang),
            "links": [(line, _figure_link(line)) for line in p["figures"]],
            "mine": p["author"] == view.user.username,
        }
        for p in proposals
    ]
    return _render(
        view,
        "analytics/report.html",
        Period(year, None),
        status=status,
        proposals=shown,
        report_langs=REPORT_LANGS,
        statuses=PROPOSAL_STATUSES,
        errors=errors or {},
    )


@router.get("/analytics/report")
async def report(view: PageView, year: str = "") -> Response:
    """The yearly report in each language, and the proposals of the year with their review."""
    _allow(view, "analyst")
    return await _report_page(view, _period(view, year, "").year)


def _proposal(view: View) -> tuple[dict[str, Any], FormErrors]:
    """A drafted proposal from the form: a title and a text per language used, and figures."""
    titles = {lang: view.field(f"title_{lang}").strip() for lang in LANG_ORDER}
    bodies = {lang: view.field(f"body_{lang}").strip() for lang in LANG_ORDER}
    used = [lang for lang in LANG_ORDER if titles[lang] or bodies[lang]]
    figures = [line.strip() for line in view.field("figures").splitlines() if line.strip()]
    names = [f"{kind}_{lang}" for lang in used or ["kk"] for kind in ("title", "body")]
    errors = required(view, *names, "figures")
    body = {
        "year": int(view.field("year")) if view.field("year").isdigit() else 0,
        "titles": {lang: titles[lang] for lang in used},
        "bodies": {lang: bodies[lang] for lang in used},
        "figures": figures,
    }
    return body, errors


def _form_year(view: View) -> int:
    return _period(view, view.field("year"), "").year


@router.post("/analytics/proposals")
async def draft(view: FormView) -> Response:
    """Draft a proposal for the leadership."""
    _allow(view, "analyst")
    body, errors = _proposal(view)
    if errors:
        return await _report_page(view, _form_year(view), {"draft": errors}, 422)
    try:
        await view.services.post(f"{API}/proposals", body)
    except ServiceError as error:
        aliases = {"titles": "title_kk", "bodies": "body_kk", "year": "_"}
        errors = _form_errors(view, error, aliases)
        return await _report_page(view, _form_year(view), {"draft": errors}, error.status)
    return redirect(f"/analytics/report?year={body['year']}#proposals")


@router.post("/analytics/proposals/{proposal_id}/{step}")
async def proposal_step(proposal_id: str, step: str, view: FormView) -> Response:
    """Submit one's proposal, or (a second analyst) approve it or return it with a remark."""
    _allow(view, "analyst")
    year = _form_year(view)
    key = f"{step}:{proposal_id}"
    if step == "submit":
        path, body = f"{API}/proposals/{proposal_id}/submit", None
    elif step in ("approve", "return"):
        remark = view.field("remark").strip() or None
        path = f"{API}/proposals/{proposal_id}/review"
        body = {"decision": step, "remark": remark}
        if step == "return" and not remark:
            return await _report_page(view, year, {key: required(view, "remark")}, 422)
    else:
        return _refused(view, ServiceError(404, "not-found"))
    try:
        await view.services.post(path, body)
    except ServiceError as error:
        errors = _form_errors(view, error, {"remark": "remark"})
        return await _report_page(view, year, {key: errors}, error.status)
    return redirect(f"/analytics/report?year={year}#proposal-{proposal_id}")
