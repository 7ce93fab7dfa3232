"""Daily work of each role through the web UI (issue 17): its own menu, and pages not its own.

Pages are asked for as a browser does (httpx with a cookie jar), and the same stories run
in a real headless Chromium (Debian's, through Playwright) with axe-core on each page.
"""

from __future__ import annotations

import re

import pytest

from gateway.web.i18n import LANG_NAMES
from tests.support.browser import assert_accessible, shot, signed_in, t
from tests.web.daily_work_support import _menu, signed_in_as


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_pages_of_other_roles_answer_403_with_a_page_in_the_users_language(system, lang):
    refusals = {
        "liaison": [
            "/councils",
            "/cases",
            "/notifications",
            "/analytics",
            "/library",
            "/admin/users",
        ],
        "analyst": ["/cases/new", "/cases", "/caseload", "/admin/webhooks", "/library/review"],
        "admin": ["/cases/new", "/caseload", "/analytics"],
        "council_member": ["/cases", "/escalations", "/admin/users/new"],
    }
    for username, paths in refusals.items():
        async with signed_in_as(system, username, lang) as web:
            for path in paths:
                page = await web.get(path)
                assert page.status_code == 403, f"{username} {path}: {page.status_code}"
                assert f'<html lang="{lang}">' in page.text
                assert t(lang, "Your role does not allow this.") in page.text, (username, path)


async def test_a_refused_form_changes_nothing(system):
    before = await system.client.get("/api/v1/cases", headers=system.admin)
    async with signed_in_as(system, "admin", "en") as web:
        home = await web.get("/")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
        answer = await web.post(
            "/cases/new",
            data={"csrf_token": csrf, "region": "KZ-75", "category": "neighbour"},
        )
        assert answer.status_code == 403
    after = await system.client.get("/api/v1/cases", headers=system.admin)
    assert after.json()["items"] == before.json()["items"]


async def test_each_role_sees_only_its_own_menu(system):
    """The menu holds the pages the role may open, and every entry opens."""
    expected = {
        "liaison": (["/escalations"], ["/cases", "/councils", "/notifications", "/admin/users"]),
        "mediator": (["/cases", "/notifications"], ["/councils", "/caseload", "/admin/users"]),
        "council_member": (["/councils", "/notifications"], ["/cases", "/escalations"]),
        "analyst": (["/councils", "/analytics"], ["/cases", "/caseload", "/admin/users"]),
    }
    for username, (present, absent) in expected.items():
        async with signed_in_as(system, username, "en") as web:
            page = await web.get("/")
            assert page.status_code == 200
            menu = _menu(page.text)
            assert menu[0] == "/" and set(present) <= set(menu), (username, menu)
            assert not set(absent) & set(menu), (username, menu)
            for path in menu:  # every entry opens
                assert (await web.get(path)).status_code == 200, (username, path)
    async with signed_in_as(system, "liaison", "en") as web:
        assert _menu((await web.get("/")).text) == ["/", "/escalations"]
    async with signed_in_as(system, "admin", "en") as web:
        menu = _menu((await web.get("/")).text)
        assert "/admin/users" in menu and "/caseload" not in menu
        assert 'href="/cases/new"' not in (await web.get("/cases")).text


async def test_a_liaison_in_chromium_sees_two_menu_entries_and_a_kazakh_refusal(
    browser,
    base_url,
):
    async with signed_in(browser, base_url, "liaison", lang="kk") as page:
        links = await page.locator("nav.main-nav a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert links == ["/", "/escalations"]
        answer = await page.goto("/councils")
        assert answer is not None and answer.status == 403
        assert t("kk", "Your role does not allow this.") in await page.inner_text("main")
        await assert_accessible(page)
        await shot(page, "liaison-councils-403-kk")
    async with signed_in(browser, base_url, "analyst", lang="ru") as page:
        answer = await page.goto("/cases/new")
        assert answer is not None and answer.status == 403
        assert t("ru", "Your role does not allow this.") in await page.inner_text("main")
        assert LANG_NAMES["ru"] in await page.inner_text("header")
