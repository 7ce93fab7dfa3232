"""The start page of each role (gateway/web/pages/home.py): what the user has to do today.

A mediator's page lists their open cases, the most urgent first; an analyst's and a
coordinator's, the newest early warnings of their regions. The pages are read as a browser
reads them and compared with what the API says of the same records.
"""

from __future__ import annotations

import html
import re
from datetime import datetime

from kelisim.localtime import KAZAKHSTAN
from services.cases.lifecycle import ACTIVE
from tests.support.browser import t
from tests.web.daily_work_support import signed_in_as

CARD = re.compile(r'<section class="card" aria-labelledby="h-([\w-]+)">(.*?)</section>', re.S)
CASE_LINK = re.compile(r'href="/cases/([0-9a-f]{32})"')
ALERT_LINK = re.compile(r'href="/analytics/alerts/([0-9a-f]{32})"')
# The order a mediator works their open cases in (home.URGENCY, restated).
RANK = {"in_mediation": 0, "assigned": 1, "registered": 2, "settled": 3}


def cards(page: str) -> dict[str, str]:
    return dict(CARD.findall(page))


async def _every_case_of(system, username: str) -> list[dict]:  # type: ignore[no-untyped-def]
    found, cursor = [], None
    while True:
        params = {"mediator": username, "limit": 200, **({"cursor": cursor} if cursor else {})}
        answer = await system.client.get("/api/v1/cases", headers=system.admin, params=params)
        page = answer.json()
        found += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return found


async def test_a_mediators_start_page_lists_their_open_cases_most_urgent_first(system):
    mine = await _every_case_of(system, "mediator")
    by_id = {case["id"]: case for case in mine}
    still_open = [case for case in mine if case["status"] in ACTIVE]
    # The demo's mediator has ended cases too, and an overdue one.
    assert len(still_open) < len(mine)
    today = datetime.now(KAZAKHSTAN).date().isoformat()
    overdue = [c for c in still_open if c["status"] == "in_mediation" and c["deadline"] < today]
    assert overdue
    async with signed_in_as(system, "mediator", "ru") as web:
        page = (await web.get("/")).text
    card = cards(page)["cases"]
    assert t("ru", "My open cases") in card
    shown = CASE_LINK.findall(card)
    assert len(shown) == min(10, len(still_open))
    assert all(by_id[case_id]["status"] in ACTIVE for case_id in shown), "an ended case is listed"
    ranks = [RANK[by_id[case_id]["status"]] for case_id in shown]
    assert ranks == sorted(ranks)
    terms = [by_id[i]["deadline"] for i in shown if by_id[i]["status"] == "in_mediation"]
    assert terms == sorted(terms)
    assert shown[0] == min(overdue, key=lambda c: c["deadline"])["id"]
    assert "alerts" not in cards(page)  # early warnings are not a mediator's


async def test_the_open_and_ended_cases_filter_of_the_case_list(system):
    mine = await _every_case_of(system, "mediator")
    async with signed_in_as(system, "mediator", "kk") as web:
        opened = (await web.get("/cases", params={"mine": "1", "status": "open"})).text
        ended = (await web.get("/cases", params={"mine": "1", "status": "closed"})).text
    assert f'<option value="open" selected>{html.escape(t("kk", "Every open case"))}' in opened
    expected_open = {c["id"] for c in mine if c["status"] in ACTIVE}
    assert set(CASE_LINK.findall(opened)) == expected_open
    assert set(CASE_LINK.findall(ended)) == {c["id"] for c in mine} - expected_open


async def test_an_analysts_start_page_shows_the_newest_early_warnings(system):
    analyst = await system.login("analyst", "demo")
    answer = await system.client.get("/api/v1/analytics/alerts", headers=analyst)
    newest = answer.json()["items"][:5]
    assert newest, "the demo world raises an early warning"
    async with signed_in_as(system, "analyst", "ru") as web:
        page = (await web.get("/")).text
    found = cards(page)
    assert ALERT_LINK.findall(found["alerts"]) == [alert["id"] for alert in newest]
    assert t("ru", "Early warnings") in found["alerts"]
    # An analyst reads the councils without sitting on them: not "my" councils.
    assert f">{t('ru', 'Councils')}</h2>" in found["councils"]
    assert t("ru", "My councils") not in found["councils"]
    async with signed_in_as(system, "coordinator", "en") as web:
        coordinator_page = (await web.get("/")).text
    assert ALERT_LINK.findall(cards(coordinator_page)["alerts"])
