"""No stored value breaks a page: times at the edges of the calendar render, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session as DbSession

from gateway.demo import DEMO_PASSWORD
from services.councils.models import Session
from tests.support.checks import assert_problem, items_of
from tests.web.conftest import browser_client as browser
from tests.web.support import web_login

# Plans sessions in the first council listed, the demo's; other modules create councils.
OWN_SYSTEM = True


async def _secretary(system) -> dict[str, str]:
    return await system.login("council_secretary", DEMO_PASSWORD)


async def test_the_api_refuses_a_session_in_year_9999(system):
    secretary = await _secretary(system)
    council_id = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]["id"]
    answer = await system.client.post(
        f"/api/v1/councils/{council_id}/sessions",
        json={"starts_at": "9999-12-31T23:59:59Z", "place": "Friendship House"},
        headers=secretary,
    )
    assert_problem(answer, 422, "validation-error")
    sessions = await system.client.get(f"/api/v1/councils/{council_id}/sessions", headers=secretary)
    assert all(not s["starts_at"].startswith("9999") for s in items_of(sessions))


async def test_pages_render_sessions_stored_at_the_edges_of_the_calendar(system):
    secretary = await _secretary(system)
    council_id = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]["id"]
    ids = []
    for _ in range(3):
        planned = await system.client.post(
            f"/api/v1/councils/{council_id}/sessions",
            json={"starts_at": "2030-01-01T10:00:00+05:00", "place": "Friendship House"},
            headers=secretary,
        )
        assert planned.status_code == 201, planned.text
        ids.append(planned.json()["id"])
    # Rows written before the rule existed (or by hand): the pages must still render them.
    ctx = system.services["councils"].app.state.ctx
    edges = [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime(1900, 1, 1, 0, 0, tzinfo=UTC),
    ]
    with DbSession(ctx.engine) as db:
        for session_id, at in zip(ids, edges, strict=True):
            row = db.get(Session, session_id)
            row.starts_at = at
            db.add(row)
        db.commit()

    async with browser(system) as web:
        assert (await web_login(web, "council_secretary", DEMO_PASSWORD)).status_code == 303
        for path in ("/", "/councils", f"/councils/{council_id}", f"/councils/sessions/{ids[0]}"):
            page = await web.get(path)
            assert page.status_code == 200, (path, page.text[:500])
        council_page = (await web.get(f"/councils/{council_id}")).text
        assert "9999" in council_page and "1900" in council_page


async def test_odd_digits_in_the_period_or_a_history_count_are_not_a_500(system):
    # "²".isdigit() is true but int("²") fails: pages and imports read ASCII digits only.
    async with browser(system) as web:
        assert (await web_login(web, "analyst", DEMO_PASSWORD)).status_code == 303
        for query in (
            "year=%C2%B2&month=%C2%B3",
            "year=%D9%A2%D9%A0%D9%A2%D9%A6",
            "month=99999999999",
        ):
            page = await web.get(f"/analytics?{query}")
            assert page.status_code == 200, (query, page.text[:300])
    analyst = await system.login("analyst", DEMO_PASSWORD)
    answer = await system.client.post(
        "/api/v1/analytics/history",
        content="region,category,month,count\nKZ-75,land,2024-02,²\n".encode(),
        headers={**analyst, "Content-Type": "text/csv"},
    )
    problem = assert_problem(answer, 422, "invalid-rows")
    assert problem["errors"][0]["code"] == "bad-count"
