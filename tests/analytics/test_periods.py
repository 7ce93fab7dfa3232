"""A blank month (`month=`, as a form's blank choice sends it) asks for the whole year."""

from __future__ import annotations

from kelisim.regions import REGIONS
from tests.cases.support import today
from tests.support.checks import assert_problem
from tests.web.conftest import browser_client
from tests.web.support import web_login

API = "/api/v1/analytics/exports"


async def test_a_blank_month_is_the_whole_year_and_weeks_ask_for_a_month(stack):
    year = today().year
    await stack.create_user("analyst-periods", roles=["analyst"], regions=sorted(REGIONS))
    headers = await stack.login("analyst-periods", "user-password-1")
    whole = await stack.client.get(f"{API}/cases.registered.csv?year={year}", headers=headers)
    blank = await stack.client.get(
        f"{API}/cases.registered.csv?year={year}&month=", headers=headers
    )
    assert blank.status_code == 200, blank.text
    assert blank.content == whole.content
    assert blank.headers["content-disposition"] == whole.headers["content-disposition"]
    weeks = await stack.client.get(
        f"{API}/weeks-cases.registered.csv?year={year}&month=", headers=headers
    )
    assert_problem(weeks, 422, "month-required")
    wrong = await stack.client.get(f"{API}/cases.registered.csv?month=13", headers=headers)
    assert_problem(wrong, 422, "validation-error")
    async with browser_client(stack) as web:
        assert (await web_login(web, "analyst-periods", "user-password-1")).status_code == 303
        page = await web.get(f"/analytics/exports/weeks-cases.registered.csv?year={year}&month=")
    assert page.status_code == 422
    assert "Апталық көрсеткіштер бір ай бойынша беріледі: айды таңдаңыз." in page.text
