"""The statistical database's figures, through the gateway: as done, exported, reported, rebuilt."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime

import nats
from openpyxl import load_workbook
from sqlalchemy import create_engine, select

from kelisim.events import Envelope
from kelisim.events.cases import CaseEscalated
from kelisim.events.councils import SessionHeld
from services.analytics.measures import CATEGORIES
from services.analytics.models import Counter, CubeState, ProtectedFigure
from services.analytics.rebuild import rebuild
from services.analytics.texts import SUPPRESSED_MARK
from services.cases.terms import TermPolicy
from tests.analytics.statistics_support import ANALYTICS, SCENARIO
from tests.analytics.statistics_support import scenario as scenario  # noqa: F401 - the fixture
from tests.support.checks import assert_problem, eventually
from tests.support.db import fresh_database


def _row(table: dict, key: str) -> dict:
    return next(r for r in table["rows"] if r["key"] == key)


async def test_figures_equal_what_was_done_through_the_gateway(stack, analyst, scenario):
    table = (await stack.client.get(f"{ANALYTICS}/tables/cases.registered", headers=analyst)).json()
    columns = table["columns"]
    for region, category, count, _ in SCENARIO:
        shown = _row(table, region)["cells"][columns.index(category)]
        if count < 5:
            assert shown is None, f"{region} {category}: {count} must be suppressed"
        else:
            assert shown in (count, None)  # shown as it is, or hidden to protect another cell
    assert _row(table, "KZ-71")["cells"][columns.index("land")] == 6 or table["suppressed"] > 1
    every_value = [v for r in table["rows"] for v in [*r["cells"], r["total"]]]
    every_value += [*table["column_totals"], table["total"]]
    assert not [v for v in every_value if v is not None and 1 <= v <= 4]
    ended = (
        await stack.client.get(f"{ANALYTICS}/tables/cases.not_settled", headers=analyst)
    ).json()
    assert ended["total"] is None or ended["total"] == 3


async def test_a_rebuild_from_the_streams_gives_the_live_figures(stack, scenario, tmp_path):
    settings = stack.settings

    def counters(url: str) -> list[tuple]:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(
                        Counter.measure, Counter.region, Counter.dim, Counter.period, Counter.value
                    )
                ).all()
            return sorted(tuple(r) for r in rows)
        finally:
            engine.dispose()

    def protected(url: str) -> list[tuple]:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(
                        ProtectedFigure.measure,
                        ProtectedFigure.cube,
                        ProtectedFigure.region,
                        ProtectedFigure.dim,
                        ProtectedFigure.month,
                        ProtectedFigure.value,
                    )
                ).all()
                due = conn.execute(
                    select(CubeState.measure).where(CubeState.built_version < CubeState.version)
                ).all()
            return [] if due else sorted(tuple(r) for r in rows)  # [] while a cube is due
        finally:
            engine.dispose()

    live_url = settings.database_url("analytics")
    live = counters(live_url)
    assert live
    live_figures = await eventually(lambda: protected(live_url), what="every cube protected")
    from kelisim import migrations

    with fresh_database(tmp_path, "analytics") as url:
        await asyncio.to_thread(migrations.upgrade, "analytics", url)
        result = await rebuild(settings, url)
        assert result.events["CASES"] > 0
        assert counters(url) == live
        assert protected(url) == live_figures  # the same cubes, protected the same way
        assert any(value is None for *_, value in live_figures)


async def test_exports_are_suppressed_as_on_screen(stack, analyst, scenario):
    csv_answer = await stack.client.get(
        f"{ANALYTICS}/exports/cases.registered.csv", headers=analyst
    )
    assert csv_answer.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_answer.text)))
    screen = (
        await stack.client.get(f"{ANALYTICS}/tables/cases.registered", headers=analyst)
    ).json()
    almaty = next(r for r in rows if r[0] == "KZ-75")
    family = rows[0].index("family")
    assert almaty[family] == SUPPRESSED_MARK
    assert [
        (SUPPRESSED_MARK if v is None else str(v)) for v in _row(screen, "KZ-75")["cells"]
    ] == almaty[1:-1]
    xlsx = await stack.client.get(f"{ANALYTICS}/exports/cases.registered.xlsx", headers=analyst)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = {tuple(str(c) for c in row) for row in sheet.iter_rows(values_only=True)}
    assert tuple(almaty) in cells


async def test_the_yearly_report_is_a_deterministic_pdf_in_three_languages(
    stack, analyst, scenario
):
    from pypdf import PdfReader

    year = TermPolicy().today().year
    texts = {}
    for lang in ("kk", "ru", "en"):
        url = f"{ANALYTICS}/reports/{year}.pdf?lang={lang}"
        first = await stack.client.get(url, headers=analyst)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "application/pdf"
        second = await stack.client.get(url, headers=analyst)
        assert first.content == second.content  # the same data, the same bytes
        reader = PdfReader(io.BytesIO(first.content))
        texts[lang] = "\n".join(page.extract_text() for page in reader.pages)
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
        assert b'pdfaid:part="3"' in xmp  # PDF/A-3
    assert set("әқүі") <= set(texts["kk"])
    assert "Алматы қаласы" in texts["kk"]
    assert "город Алматы" in texts["ru"]
    assert "Almaty (city)" in texts["en"]
    for text in texts.values():
        assert SUPPRESSED_MARK in text  # KZ-75's two family cases are shown as suppressed
    coordinator = await stack.login_as("coord-report", roles=["coordinator"], regions=["KZ-75"])
    refused = await stack.client.get(f"{ANALYTICS}/reports/{year}.pdf", headers=coordinator)
    assert_problem(refused, 403, "forbidden")


async def test_the_yearly_report_draws_the_trend_of_every_category(stack, analyst, scenario):
    from pypdf import PdfReader

    from services.analytics.texts import CATEGORIES as NAMES

    year = TermPolicy().today().year
    got = await stack.client.get(f"{ANALYTICS}/reports/{year}.pdf?lang=en", headers=analyst)
    assert got.status_code == 200, got.text
    pages = PdfReader(io.BytesIO(got.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    for category in CATEGORIES:
        assert f". Cases registered: {NAMES['en'][category]}" in text, category


async def test_the_yearly_reports_trend_charts_name_the_months_in_its_language(
    stack, analyst, scenario
):
    from pypdf import PdfReader

    year = TermPolicy().today().year
    charts = 1 + len(CATEGORIES)  # all registrations, then each category
    names = {"kk": ("қаң.", "жел."), "ru": ("янв.", "дек."), "en": ("Jan", "Dec")}
    for lang, (january, december) in names.items():
        got = await stack.client.get(f"{ANALYTICS}/reports/{year}.pdf?lang={lang}", headers=analyst)
        assert got.status_code == 200, got.text
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
        assert text.count(january) >= charts and text.count(december) >= charts, lang


async def test_weeks_of_this_month_add_up_to_its_protected_figures(stack, analyst, scenario):
    today = TermPolicy().today()
    month = f"year={today.year}&month={today.month}"
    weeks = await stack.client.get(f"{ANALYTICS}/weeks/cases.registered?{month}", headers=analyst)
    assert weeks.status_code == 200, weeks.text
    table = weeks.json()
    week = table["columns"][[d <= today.day for d in _week_starts(table)].count(True) - 1]
    month_table = (
        await stack.client.get(f"{ANALYTICS}/tables/cases.registered?{month}", headers=analyst)
    ).json()
    for region, _category, _count, _ in SCENARIO:  # registered today: all in today's week
        row = _row(table, region)
        assert row["total"] == _row(month_table, region)["total"]  # the month, one cube
        assert row["cells"][table["columns"].index(week)] in (None, row["total"])
        others = [v for c, v in zip(table["columns"], row["cells"], strict=True) if c != week]
        assert all(v in (0, None) for v in others)
    shown = [v for r in table["rows"] for v in [*r["cells"], r["total"]]] + table["column_totals"]
    assert not [v for v in shown if v is not None and 1 <= v <= 4]
    assert table["total"] == month_table["total"]
    csv_answer = await stack.client.get(
        f"{ANALYTICS}/exports/weeks-cases.registered.csv?{month}", headers=analyst
    )
    rows = list(csv.reader(io.StringIO(csv_answer.text)))
    assert rows[0][1:-1] == table["columns"]
    assert next(r for r in rows if r[0] == "KZ-75")[1:-1] == [
        SUPPRESSED_MARK if v is None else str(v) for v in _row(table, "KZ-75")["cells"]
    ]
    series = (
        await stack.client.get(
            f"{ANALYTICS}/series/cases.registered?year={today.year}", headers=analyst
        )
    ).json()
    by_month = await stack.client.get(
        f"{ANALYTICS}/exports/series-cases.registered.xlsx?{month}", headers=analyst
    )
    assert f"series-cases.registered-{today.year}.xlsx" in by_month.headers["content-disposition"]
    sheet = [
        list(r)
        for r in load_workbook(io.BytesIO(by_month.content)).active.iter_rows(values_only=True)
    ]
    assert sheet[0][1:-1] == series["columns"]
    assert next(r for r in sheet if r[0] == "KZ-71")[1:] == [
        SUPPRESSED_MARK if v is None else v
        for v in [*_row(series, "KZ-71")["cells"], _row(series, "KZ-71")["total"]]
    ]
    coord = await stack.login_as("coord-weeks-71", roles=["coordinator"], regions=["KZ-71"])
    mine = (
        await stack.client.get(f"{ANALYTICS}/weeks/escalations.raised?{month}", headers=coord)
    ).json()
    assert [r["key"] for r in mine["rows"]] == ["KZ-71"]
    for path, status, kind in (
        (f"/weeks/cases.settled?{month}", 404, "no-weekly-figures"),
        (f"/weeks/cases.registered?year={today.year}", 422, "month-required"),
        (f"/weeks/cases.registered?{month}&dim=high", 422, "unknown-dimension"),
    ):
        assert_problem(await stack.client.get(f"{ANALYTICS}{path}", headers=analyst), status, kind)


def _week_starts(table: dict) -> list[int]:
    from kelisim.weeks import days_of

    return [days_of(w)[0].day for w in table["columns"]]


# Escalations raised in March of last year, on the stream: (region, risk level, how many).
ESCALATIONS = [("KZ-75", "high", 6), ("KZ-71", "critical", 5)]


async def _escalations_on_the_stream(stack, year: int) -> None:  # noqa: ANN001
    nc = await nats.connect(stack.settings.nats_url)
    try:
        js = nc.jetstream()
        for region, level, count in ESCALATIONS:
            for n in range(count):
                at = datetime(year, 3, 10 + n, 9, tzinfo=UTC)
                data = CaseEscalated(
                    escalation_id=f"series-{region}-{n}",
                    case_ref=f"series-{region}-{n}",
                    region=region,
                    category="land",
                    risk_level=level,  # type: ignore[arg-type]
                    summary="Tension between neighbours over a boundary.",
                    escalated_at=at,
                )
                event = Envelope.wrap(data, source="tests", subject=data.case_ref)
                event.time = at
                await js.publish(
                    event.nats_subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id}
                )
    finally:
        await nc.close()


async def test_an_escalation_series_takes_the_risk_levels_its_table_shows(stack, analyst):
    year = TermPolicy().today().year - 1
    await _escalations_on_the_stream(stack, year)
    table_path = f"{ANALYTICS}/tables/escalations.raised?year={year}"

    async def protected() -> dict | None:
        table = (await stack.client.get(table_path, headers=analyst)).json()
        return table if table.get("total") == 11 and not table.get("stale") else None

    table = await eventually(
        protected, timeout=60, what="analytics to count and protect the escalations"
    )
    march = 2  # the series' columns are the months of the year
    for region, level, count in ESCALATIONS:
        assert _row(table, region)["cells"][table["columns"].index(level)] == count
        answer = await stack.client.get(
            f"{ANALYTICS}/series/escalations.raised?year={year}&category={level}", headers=analyst
        )
        assert answer.status_code == 200, answer.text
        series = answer.json()
        assert series["columns"][march] == f"{year}-03"
        assert _row(series, region)["cells"][march] == count
        assert _row(series, region)["total"] == count
        assert series["column_totals"][march] == series["total"] == count
        assert all(r["total"] == 0 for r in series["rows"] if r["key"] != region)
    low = await stack.client.get(
        f"{ANALYTICS}/series/escalations.raised?year={year}&category=low", headers=analyst
    )
    assert low.status_code == 200, low.text
    assert low.json()["total"] == 0
    for path in (
        f"/series/escalations.raised?year={year}&category=land",
        f"/series/cases.registered?year={year}&category=high",
    ):
        refused = await stack.client.get(f"{ANALYTICS}{path}", headers=analyst)
        assert_problem(refused, 422, "unknown-dimension")
    assert refused.json()["accepted"] == list(CATEGORIES)


# Council sessions held in May of last year: (region, how many); `None` is a republic-level
# council, counted under KZ.
SESSIONS_HELD = [(None, 6), ("KZ-75", 5)]


async def _sessions_held_on_the_stream(stack, year: int) -> None:  # noqa: ANN001
    nc = await nats.connect(stack.settings.nats_url)
    try:
        js = nc.jetstream()
        for region, count in SESSIONS_HELD:
            for n in range(count):
                data = SessionHeld(
                    council_id=f"council-{region}",
                    session_id=f"held-{region}-{n}",
                    region=region,
                    present=5,
                    members=7,
                    quorum=True,
                )
                event = Envelope.wrap(data, source="tests", subject=data.session_id)
                event.time = datetime(year, 5, 4 + n, 10, tzinfo=UTC)
                await js.publish(
                    event.nats_subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id}
                )
    finally:
        await nc.close()


async def test_a_council_measure_series_shows_the_republic_level_as_its_table_does(stack, analyst):
    year = TermPolicy().today().year - 1
    await _sessions_held_on_the_stream(stack, year)
    measure = "councils.sessions_held"

    async def counted() -> dict | None:
        answer = await stack.client.get(
            f"{ANALYTICS}/tables/{measure}?year={year}", headers=analyst
        )
        table = answer.json()  # one column, no dimension: its column total is the year's
        return table if table.get("column_totals") == [11] and not table["stale"] else None

    table = await eventually(counted, timeout=60, what="analytics to count the sessions held")
    assert _row(table, "KZ")["cells"] == [6]
    series = (
        await stack.client.get(f"{ANALYTICS}/series/{measure}?year={year}", headers=analyst)
    ).json()
    may = 4
    assert [r["key"] for r in series["rows"]][-1] == "KZ"  # after the twenty regions, as the table
    assert _row(series, "KZ")["cells"][may] == _row(series, "KZ")["total"] == 6
    assert _row(series, "KZ-75")["cells"][may] == 5
    assert series["total"] == 11
    exported = await stack.client.get(
        f"{ANALYTICS}/exports/series-{measure}.csv?year={year}", headers=analyst
    )
    assert exported.status_code == 200, exported.text
    assert "KZ" in [row[0] for row in csv.reader(io.StringIO(exported.text))]
    regional = await stack.login_as("analyst-75", roles=["analyst"], regions=["KZ-75"])
    theirs = (
        await stack.client.get(f"{ANALYTICS}/series/{measure}?year={year}", headers=regional)
    ).json()
    assert [r["key"] for r in theirs["rows"]] == ["KZ-75"]  # the republic level is national
    assert theirs["total"] == 5
