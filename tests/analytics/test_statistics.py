"""The statistical database, as its users see it through the gateway: figures, privacy, rebuild."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import nats
import pytest
from openpyxl import load_workbook
from sqlalchemy import MetaData, create_engine, select

from services.analytics.models import Counter, CubeState, ProtectedFigure
from services.analytics.rebuild import rebuild
from services.analytics.texts import SUPPRESSED_MARK
from services.cases.terms import TermPolicy
from tests.cases.support import person
from tests.support.checks import assert_problem, eventually
from tests.support.db import fresh_database
from tests.support.gateway import Stack

CASES = "/api/v1/cases"
ANALYTICS = "/api/v1/analytics"
# (region, category, cases registered, of which taken to "not settled")
SCENARIO = [
    ("KZ-75", "land", 7, 2),
    ("KZ-75", "family", 2, 0),
    ("KZ-71", "land", 6, 0),
    ("KZ-71", "interfaith", 5, 1),
]


async def _walk(stack: Stack, planted: list[dict]) -> None:
    """Register the scenario's cases through the gateway as mediators, and end some of them."""
    people = {}
    today = str(TermPolicy().today())
    for region in ("KZ-75", "KZ-71"):
        med = await stack.login_as(f"med-{region.lower()}", roles=["mediator"], regions=[region])
        coord = await stack.login_as(
            f"coord-{region.lower()}", roles=["coordinator"], regions=[region]
        )
        people[region] = (med, coord)
    for region, category, count, not_settled in SCENARIO:
        med, coord = people[region]
        for n in range(count):
            parties = [person(), person()]
            planted.extend(parties)
            answer = await stack.client.post(
                CASES,
                json={
                    "region": region,
                    "category": category,
                    "channel": "walk_in",
                    "description": f"Dispute {n} between {parties[0]['name']} and neighbours",
                    "parties": parties,
                },
                headers=med,
            )
            assert answer.status_code == 201, answer.text
            if n >= not_settled:
                continue
            case_id = answer.json()["id"]
            await _post(stack, case_id, "assignment", coord, {"mediator": f"med-{region.lower()}"})
            full = await _post(stack, case_id, "declaration", med, {"conflict": False})
            for party in full["parties"]:
                await _post(
                    stack,
                    case_id,
                    "consents",
                    med,
                    {"party_id": party["id"], "form": "written", "given_on": today},
                )
            await _post(stack, case_id, "agreement", med, {"signed_on": today})
            await _post(stack, case_id, "not-settled", med, {"reason": "No common ground"})


async def _post(stack: Stack, case_id: str, path: str, headers: dict, body: dict) -> dict:
    answer = await stack.client.post(f"{CASES}/{case_id}/{path}", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
async def scenario(stack: Stack, analyst: dict) -> list[dict]:
    """The scenario, walked once; waits until analytics has counted every registration."""
    planted: list[dict] = []
    await _walk(stack, planted)
    total = sum(count for *_, count, _ in SCENARIO)

    async def counted() -> bool:
        table = (
            await stack.client.get(f"{ANALYTICS}/tables/cases.registered", headers=analyst)
        ).json()
        return table.get("total") == total

    await eventually(counted, what="analytics to count every registration")
    return planted


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


async def test_no_personal_data_reaches_analytics(stack, analyst, scenario):
    secrets = [p[k] for p in scenario for k in ("name", "phone", "email", "address")]
    settings = stack.settings
    # its database, read whole
    engine = create_engine(settings.database_url("analytics"))
    meta = MetaData()
    meta.reflect(engine)
    dump = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            dump.extend(str(tuple(row)) for row in conn.execute(select(table)))
    engine.dispose()
    text = "\n".join(dump)
    url = settings.database_url("analytics")
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for file in (path, Path(f"{path}-wal")):
            if file.exists():
                text += file.read_bytes().decode("utf-8", errors="ignore")
    # its API
    for path in ("/overview", "/tables/cases.registered", "/councils", "/alerts"):
        text += (await stack.client.get(f"{ANALYTICS}{path}", headers=analyst)).text
    # its events
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info("ANALYTICS")
        first = info.state.first_seq if info.state.messages else info.state.last_seq + 1
        for seq in range(first, info.state.last_seq + 1):
            text += (await js.get_msg("ANALYTICS", seq)).data.decode()
    finally:
        await nc.close()
    assert len(secrets) == 4 * 2 * sum(c for *_, c, _ in SCENARIO)
    leaked = [s for s in secrets if s in text]
    assert not leaked
    assert "land" in text  # the dump did read the figures


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


async def test_only_analysts_and_coordinators_reach_analytics_and_only_their_regions(
    stack, scenario
):
    coord = await stack.login_as("coord-only-71", roles=["coordinator"], regions=["KZ-71"])
    table = (await stack.client.get(f"{ANALYTICS}/tables/cases.registered", headers=coord)).json()
    assert [r["key"] for r in table["rows"]] == ["KZ-71"]
    mediator = await stack.login_as("med-curious", roles=["mediator"], regions=["KZ-71"])
    assert_problem(
        await stack.client.get(f"{ANALYTICS}/overview", headers=mediator), 403, "role-not-permitted"
    )
    liaison = await stack.login_as("liaison-curious", roles=["liaison"], regions=["KZ-71"])
    assert (await stack.client.get(f"{ANALYTICS}/overview", headers=liaison)).status_code == 403
    regional = await stack.login_as("analyst-71", roles=["analyst"], regions=["KZ-71"])
    answer = await stack.client.get(f"{ANALYTICS}/alerts?region=KZ-75", headers=regional)
    assert_problem(answer, 403, "out-of-scope")
    answer = await stack.client.get(f"{ANALYTICS}/overview?year=1800", headers=regional)
    assert_problem(answer, 422, "validation-error")


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


def hidden_ranges(table: dict) -> dict[str, tuple[float, float]]:
    """What an attacker learns of each hidden figure of a published table: its LP range.

    Unknowns are the hidden cells and totals; equations are every row, column and grand total
    the table publishes; the attacker knows counts are not negative and, since zeros are
    always shown, that a hidden figure is at least 1.
    """
    from scipy.optimize import linprog

    rows = table["rows"]
    ncols = len(table["columns"])
    unknown: dict[str, int] = {}

    def term(name: str, value):  # noqa: ANN001, ANN202
        if value is None:
            unknown.setdefault(name, len(unknown))
            return name, None
        return name, value

    equations = []
    cells = [[term(f"cell {r['key']}/{c}", v) for c, v in enumerate(r["cells"])] for r in rows]
    if table["has_row_totals"]:
        for r, row in zip(rows, cells, strict=True):
            equations.append((row, term(f"row {r['key']}", r["total"])))
    for c in range(ncols):
        equations.append(([row[c] for row in cells], term(f"col {c}", table["column_totals"][c])))
    if table["has_row_totals"]:
        equations.append(([x for row in cells for x in row], term("total", table["total"])))
    if not unknown:
        return {}
    a_eq, b_eq = [], []
    for parts, total in equations:
        coefficients = [0.0] * len(unknown)
        constant = 0.0
        for name, value in parts:
            if value is None:
                coefficients[unknown[name]] += 1
            else:
                constant += value
        if total[1] is None:
            coefficients[unknown[total[0]]] -= 1
            rhs = -constant
        else:
            rhs = total[1] - constant
        a_eq.append(coefficients)
        b_eq.append(rhs)
    ranges = {}
    for name, index in unknown.items():
        objective = [0.0] * len(unknown)
        objective[index] = 1.0
        bounds = [(1, None)] * len(unknown)
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog([-x for x in objective], A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3), (name, low.message, high.message)
        ranges[name] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return ranges


async def test_no_hidden_figure_of_a_published_table_can_be_worked_out(stack, analyst, scenario):
    year = TermPolicy().today().year
    attacked = 0
    for path in (
        "/tables/cases.registered",
        "/tables/cases.not_settled",
        "/tables/cases.assigned",
        f"/series/cases.registered?year={year}",
        f"/series/cases.registered?year={year}&category=land",
    ):
        table = (await stack.client.get(f"{ANALYTICS}{path}", headers=analyst)).json()
        for name, (low, high) in hidden_ranges(table).items():
            attacked += 1
            assert high - low > 1e-6, f"{path}: {name} is determined ({low}..{high})"
    assert attacked > 0  # the scenario's small counts were hidden and attacked


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
