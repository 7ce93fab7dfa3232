"""Early warning through the gateway: history import, an alert raised once, routed to people."""

from __future__ import annotations

import asyncio
import csv
import io
import math
from datetime import date

import pytest

from kelisim.clock import now
from kelisim.regions import REGIONS
from services.analytics.measures import shift_month
from services.analytics.workers import early_warning_round
from tests.cases.support import person, this_month
from tests.support.checks import assert_problem, eventually, items_of
from tests.support.gateway import Stack

ANALYTICS = "/api/v1/analytics"
SEASONAL = ("KZ-47", "land")  # a season that peaks every year in this month: no alarm
SURGE = ("KZ-79", "interethnic")  # flat, then a surge this month: one alarm
SHYMKENT = REGIONS["KZ-79"].name("kk")  # the inbox speaks the user's language (Kazakh)


def history_csv(rows: list[tuple[str, str, date, int]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["region", "category", "month", "count"])
    for region, category, month, count in rows:
        writer.writerow([region, category, f"{month:%Y-%m}", count])
    return out.getvalue().encode()


def season(back: int) -> int:
    """A yearly wave peaking in this calendar month (about 24) with a low of about 4."""
    return round(14 + 10 * math.cos(2 * math.pi * back / 12)) + (back % 2)


def baseline() -> list[tuple[str, str, date, int]]:
    """Three years before this month: a seasonal series and a flat one (fixed, no randomness)."""
    this = this_month()
    rows = []
    for back in range(36, 0, -1):
        month = shift_month(this, -back)
        rows.append((*SEASONAL, month, season(back)))
        rows.append((*SURGE, month, 6 + round(math.sin(back))))  # 5 to 7: all published
    rows.append((*SEASONAL, this, season(0)))  # this month, as every year: the peak
    return rows


async def upload(stack: Stack, headers: dict, content: bytes):
    return await stack.client.post(
        f"{ANALYTICS}/history", content=content, headers={**headers, "Content-Type": "text/csv"}
    )


async def test_a_bad_history_file_imports_nothing_and_names_each_bad_row(stack, analyst):
    bad = history_csv([("KZ-75", "land", date(2024, 1, 1), 3)]) + (
        b"KZ-99,land,2024-02,4\nKZ-75,weather,2024-03,1\nKZ-75,land,2024-13,1\n"
        b"KZ-75,land,2024-04,-2\nKZ-75,land,2024-01,5\n"
    )
    body = assert_problem(await upload(stack, analyst, bad), 422, "invalid-rows")
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 6, 7]
    assert "KZ-99" in body["errors"][0]["error"]
    series = await stack.client.get(f"{ANALYTICS}/alerts", headers=analyst)
    assert series.status_code == 200
    missing = await upload(stack, analyst, b"region,month,count\nKZ-75,2024-01,1\n")
    assert_problem(missing, 422, "invalid-csv")
    coordinator = await stack.login_as("coord-import", roles=["coordinator"], regions=["KZ-75"])
    assert_problem(await upload(stack, coordinator, bad), 403, "forbidden")


async def test_a_regional_analyst_imports_only_the_rows_of_their_regions(stack, analyst):
    regional = await stack.login_as("analyst-75-import", roles=["analyst"], regions=["KZ-75"])
    mine = ("KZ-75", "family", date(2019, 1, 1), 7)
    other = ("KZ-71", "family", date(2019, 1, 1), 999)
    refused = await upload(stack, regional, history_csv([mine, other]))
    body = assert_problem(refused, 422, "invalid-rows")
    assert [(e["line"], e["code"], e["value"]) for e in body["errors"]] == [
        (3, "out-of-scope", "KZ-71")
    ]
    # Nothing of the file was imported: each row is still new to the next upload.
    own = (await upload(stack, regional, history_csv([mine]))).json()
    assert (own["rows"], own["unchanged"]) == (1, False)
    national = (await upload(stack, analyst, history_csv([other]))).json()
    assert (national["rows"], national["unchanged"]) == (1, False)


async def test_a_surge_on_an_imported_baseline_raises_one_alert_and_a_seasonal_peak_none(
    stack, analyst
):
    this = this_month()
    content = history_csv(baseline())
    first = await upload(stack, analyst, content)
    assert first.status_code == 200, first.text
    assert (first.json()["rows"], first.json()["unchanged"]) == (73, False)
    again = (await upload(stack, analyst, content)).json()
    assert again["unchanged"] is True
    last_year = shift_month(this, -12)
    path = f"{ANALYTICS}/series/cases.registered?year={last_year.year}&category=land"

    async def protected() -> dict | None:
        table = (await stack.client.get(path, headers=analyst)).json()
        return None if table["stale"] else table  # the import's cube is protected again

    series = await eventually(protected, what="the imported year's cube to be protected")
    row = next(r for r in series["rows"] if r["key"] == SEASONAL[0])
    imported = {m: c for region, category, m, c in baseline() if region == SEASONAL[0]}
    assert row["cells"][last_year.month - 1] == imported[last_year]  # history in the trends

    mediator = await stack.login_as("med-shymkent", roles=["mediator"], regions=["KZ-79"])
    for n in range(25):
        answer = await stack.client.post(
            "/api/v1/cases",
            json={
                "region": SURGE[0],
                "category": SURGE[1],
                "channel": "walk_in",
                "description": f"Tension between neighbours, report {n}",
                "parties": [person(), person()],
            },
            headers=mediator,
        )
        assert answer.status_code == 201, answer.text

    async def counted() -> bool:
        table = (
            await stack.client.get(
                f"{ANALYTICS}/tables/cases.registered?year={this.year}&month={this.month}",
                headers=analyst,
            )
        ).json()
        row = next(r for r in table["rows"] if r["key"] == SURGE[0])
        return row["cells"][table["columns"].index(SURGE[1])] == 25

    await eventually(counted, what="the surge counted")

    # Two replicas run the round at once: the alert is raised once.
    ctx = stack.services["analytics"].app.state.ctx  # type: ignore[attr-defined]
    at = now()
    results = await asyncio.gather(
        asyncio.to_thread(early_warning_round, ctx, at),
        asyncio.to_thread(early_warning_round, ctx, at),
    )
    assert sum(results) >= 1
    again_now = await stack.client.post(f"{ANALYTICS}/alerts/assessments", headers=analyst)
    assert again_now.json() == []
    keyed = {**analyst, "Idempotency-Key": "assess-once"}
    first = await stack.client.post(f"{ANALYTICS}/alerts/assessments", headers=keyed)
    retried = await stack.client.post(f"{ANALYTICS}/alerts/assessments", headers=keyed)
    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json() == []
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers

    alerts = (await stack.client.get(f"{ANALYTICS}/alerts", headers=analyst)).json()["items"]
    surge = [a for a in alerts if (a["region"], a["category"]) == SURGE]
    assert len(surge) == 1
    alert = surge[0]
    assert alert["period"] == str(this)
    assert alert["observed"] == 25
    assert alert["expected"] < alert["upper"] < 25
    assert alert["score"] > 1
    assert alert["method"] == "farrington"
    assert alert["baseline_months"] >= 24
    assert not [a for a in alerts if (a["region"], a["category"]) == SEASONAL]

    overview = (
        await stack.client.get(
            f"{ANALYTICS}/overview?year={this.year}&month={this.month}",
            headers=analyst,
        )
    ).json()
    levels = {r["region"]: r["alert_level"] for r in overview["regions"]}
    assert (levels[SURGE[0]], levels[SEASONAL[0]]) == (2, 0)  # the map colours the alert

    detail = (await stack.client.get(f"{ANALYTICS}/alerts/{alert['id']}", headers=analyst)).json()
    assert detail["series"][-1] == {"month": str(this), "count": 25}
    assert len(detail["series"]) == 36
    # The series is what the protected tables publish (a month of 5 to 7 may still be hidden
    # by secondary suppression), month by month:
    for year in sorted({p["month"][:4] for p in detail["series"]}):
        table = (
            await stack.client.get(
                f"{ANALYTICS}/series/cases.registered?year={year}&category={SURGE[1]}",
                headers=analyst,
            )
        ).json()
        row = next(r for r in table["rows"] if r["key"] == SURGE[0])
        shown = dict(zip(table["columns"], row["cells"], strict=True))
        for point in detail["series"]:
            if point["month"].startswith(year):
                assert point["count"] == shown[point["month"][:7]], point

    # Routed to the region's coordinator (and analysts) by the notifications service.
    coordinator = await stack.login_as("coord-shymkent", roles=["coordinator"], regions=["KZ-79"])

    async def told() -> bool:
        inbox = await stack.client.get("/api/v1/notifications/inbox", headers=coordinator)
        return any(SHYMKENT in item["title"] for item in inbox.json()["items"])

    await eventually(told, what="the coordinator told of the alert")
    other = await stack.login_as("coord-astana-ew", roles=["coordinator"], regions=["KZ-71"])
    inbox = (await stack.client.get("/api/v1/notifications/inbox", headers=other)).json()
    assert not any(SHYMKENT in item["title"] for item in inbox["items"])


async def test_a_retried_assessment_is_answered_at_once_without_a_second_round(stack, analyst):
    this = this_month()
    mine = ("KZ-63", "labour")  # a series of this test's own (the stack is the module's)
    keyed = {**analyst, "Idempotency-Key": "assess-retried"}
    first = await stack.client.post(f"{ANALYTICS}/alerts/assessments", headers=keyed)
    assert first.status_code == 200
    # Since the first answer, a surge was imported: a round now would raise its alarm.
    rows = [
        (*mine, shift_month(this, -back), 6 + round(math.sin(back))) for back in range(36, 0, -1)
    ]
    assert (
        await upload(stack, analyst, history_csv([*rows, (*mine, this, 40)]))
    ).status_code == 200

    retried = await stack.client.post(f"{ANALYTICS}/alerts/assessments", headers=keyed)
    assert retried.status_code == 200 and retried.json() == first.json()
    assert retried.headers["Idempotent-Replayed"] == "true"
    alerts = (await stack.client.get(f"{ANALYTICS}/alerts", headers=analyst)).json()["items"]
    assert mine not in [(a["region"], a["category"]) for a in alerts]  # the retry ran no round

    fresh = {**analyst, "Idempotency-Key": "assess-fresh"}
    raised = await stack.client.post(f"{ANALYTICS}/alerts/assessments", headers=fresh)
    assert mine in [(a["region"], a["category"]) for a in raised.json()]


@pytest.mark.parametrize(
    "decision_by_author, status", [(True, 403), (False, 200)], ids=["author", "second-analyst"]
)
async def test_a_proposal_is_reviewed_by_a_second_analyst(
    stack, analyst, decision_by_author, status
):
    this = this_month()
    body = {
        "year": this.year,
        "titles": {"kk": "Жер дауларын ерте шешу", "en": "Settle land disputes early"},
        "bodies": {"kk": "Ұсыныс мәтіні", "en": "Proposal text"},
        "figures": [f"{ANALYTICS}/tables/cases.registered?year={this.year}"],
        "regions": ["KZ-75"],  # the second analyst's region: within their scope
    }
    created = await stack.client.post(f"{ANALYTICS}/proposals", json=body, headers=analyst)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    # The newest first, a page at a time: the first page of one holds this proposal.
    newest = await stack.client.get(
        f"{ANALYTICS}/proposals", params={"year": this.year, "limit": 1}, headers=analyst
    )
    assert [p["id"] for p in items_of(newest, whole=False)] == [pid]
    got = await stack.client.get(f"{ANALYTICS}/proposals/{pid}", headers=analyst)
    tag = got.headers["etag"]
    stale = await stack.client.patch(
        f"{ANALYTICS}/proposals/{pid}",
        json={"titles": {"kk": "Өзгертілген", "en": "Changed"}},
        headers={**analyst, "If-Match": '"stale"'},
    )
    assert_problem(stale, 412, "precondition-failed")
    weak = await stack.client.post(
        f"{ANALYTICS}/proposals/{pid}/submit", headers={**analyst, "If-Match": f"W/{tag}"}
    )
    assert_problem(weak, 412, "precondition-failed")
    submitted = await stack.client.post(
        f"{ANALYTICS}/proposals/{pid}/submit", headers={**analyst, "If-Match": f'"x", {tag}'}
    )
    assert submitted.json()["status"] == "submitted"
    reviewer = (
        analyst
        if decision_by_author
        else await stack.login_as(f"second-{status}", roles=["analyst"], regions=["KZ-75"])
    )
    review = await stack.client.post(
        f"{ANALYTICS}/proposals/{pid}/review", json={"decision": "approve"}, headers=reviewer
    )
    assert review.status_code == status, review.text
    if status == 200:
        assert review.json()["status"] == "approved"
        frozen = await stack.client.patch(
            f"{ANALYTICS}/proposals/{pid}", json={"bodies": {"kk": "x", "en": "y"}}, headers=analyst
        )
        assert_problem(frozen, 409, "invalid-state")
