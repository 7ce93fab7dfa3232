"""Daily work of each role through the web UI (issue 17): pages not theirs, sessions, admin pages.

Pages are asked for as a browser does (httpx with a cookie jar), and the same stories run
in a real headless Chromium (Debian's, through Playwright) with axe-core on each page.
"""

from __future__ import annotations

import contextlib
import re

import pytest

from gateway.web.i18n import LANG_NAMES
from tests.support.gateway import Stack
from tests.web.conftest import browser_client
from tests.web.support import web_login
from tests.web.test_browser import (  # noqa: F401  (its module's fixtures)
    CHROMIUM,
    assert_accessible,
    base_url,
    browser,
    shot,
    signed_in,
    t,
)

NAV = re.compile(r'<nav class="main-nav".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')
chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@contextlib.asynccontextmanager
async def _as(system: Stack, username: str, lang: str):  # type: ignore[no-untyped-def]
    """A browser-like client of `username`, whose account speaks `lang`."""
    users = (await system.client.get("/api/v1/users", headers=system.admin)).json()["items"]
    user = next(u for u in users if u["username"] == username)
    patched = await system.client.patch(
        f"/api/v1/users/{user['id']}", json={"lang": lang}, headers=system.admin
    )
    assert patched.status_code == 200, patched.text
    async with browser_client(system) as web:
        password = "admin-password-1" if username == "admin" else "demo"
        assert (await web_login(web, username, password)).status_code == 303
        yield web


def _menu(page: str) -> list[str]:
    found = NAV.search(page)
    assert found, "no main menu"
    return HREF.findall(found.group(0))


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
        async with _as(system, username, lang) as web:
            for path in paths:
                page = await web.get(path)
                assert page.status_code == 403, f"{username} {path}: {page.status_code}"
                assert f'<html lang="{lang}">' in page.text
                assert t(lang, "Your role does not allow this.") in page.text, (username, path)


async def test_a_refused_form_changes_nothing(system):
    before = await system.client.get("/api/v1/cases", headers=system.admin)
    async with _as(system, "admin", "en") as web:
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
    expected = {
        "liaison": ["/", "/escalations"],
        "mediator": ["/", "/cases", "/library", "/notifications"],
        "council_member": ["/", "/councils", "/library", "/notifications"],
        "analyst": ["/", "/councils", "/analytics", "/library", "/notifications"],
    }
    for username, menu in expected.items():
        async with _as(system, username, "en") as web:
            page = await web.get("/")
            assert page.status_code == 200
            assert _menu(page.text) == menu, username
            for path in menu:  # every entry opens
                assert (await web.get(path)).status_code == 200, (username, path)
    async with _as(system, "admin", "en") as web:
        menu = _menu((await web.get("/")).text)
        assert "/admin/users" in menu and "/caseload" not in menu
        assert 'href="/cases/new"' not in (await web.get("/cases")).text


@chromium
async def test_a_liaison_in_chromium_sees_two_menu_entries_and_a_kazakh_refusal(
    browser,  # noqa: F811
    base_url,  # noqa: F811
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


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


@pytest.mark.parametrize("lang", ["ru", "kk"])
async def test_the_admin_revokes_someone_elses_api_key_on_the_keys_page(system, lang):
    holder = f"liaison-key-{lang}"
    await system.create_user(
        holder, roles=["liaison"], regions=["KZ-75"], full_name=f"Полиция {lang.upper()}"
    )
    headers = await system.login(holder, "user-password-1")
    created = await system.client.post(
        "/api/v1/me/api-keys", json={"name": "police system"}, headers=headers
    )
    by_key = {"Authorization": f"Bearer {created.json()['key']}"}
    async with _as(system, "admin", lang) as web:
        page = await web.get("/admin/api-keys")
        assert page.status_code == 200
        assert f"Полиция {lang.upper()}" in page.text and t(lang, "In use") in page.text
        assert "/admin/api-keys" in _menu(page.text)
        action = f"/admin/api-keys/{created.json()['id']}/revoke"
        answer = await web.post(action, data={"csrf_token": _csrf(page.text)})
        assert answer.status_code == 303
        again = await web.get("/admin/api-keys")
        assert t(lang, "Revoked %(date)s").split("%")[0] in again.text
    assert (await system.client.get("/api/v1/me", headers=by_key)).status_code == 401
    async with _as(system, "coordinator", lang) as web:
        assert (await web.get("/admin/api-keys")).status_code == 403


@pytest.mark.parametrize("lang", ["kk", "en"])
async def test_the_admin_adds_and_turns_off_a_notification_rule_on_its_page(system, lang):
    async with _as(system, "admin", lang) as web:
        page = await web.get("/admin/rules")
        assert page.status_code == 200
        assert t(lang, "Notification rules") in page.text
        refused = await web.post(
            "/admin/rules",
            data={"csrf_token": _csrf(page.text), "subject": "", "audience": "analyst"},
        )
        assert refused.status_code == 422  # no event chosen: nothing is added
        added = await web.post(
            "/admin/rules",
            data={
                "csrf_token": _csrf(page.text),
                "subject": "councils.recommendation.overdue",
                "audience": "analyst",
                "scope": "all",
                "email": "on",
            },
        )
        assert added.status_code == 303, added.text
    rules = await system.client.get("/api/v1/notifications/rules", headers=system.admin)
    mine = [
        r
        for r in rules.json()
        if r["subject"] == "councils.recommendation.overdue" and r["role"] == "analyst"
    ]
    assert len(mine) == 1 and mine[0]["email"] and mine[0]["scope"] == "all"
    async with _as(system, "admin", lang) as web:
        page = await web.get("/admin/rules")
        assert t(lang, "A recommendation is overdue") in page.text
        off = await web.post(
            f"/admin/rules/{mine[0]['id']}/disable", data={"csrf_token": _csrf(page.text)}
        )
        assert off.status_code == 303
    rule = await system.client.get(
        f"/api/v1/notifications/rules/{mine[0]['id']}", headers=system.admin
    )
    assert rule.json()["enabled"] is False
    await system.client.delete(f"/api/v1/notifications/rules/{mine[0]['id']}", headers=system.admin)


@chromium
async def test_the_admin_pages_pass_axe_in_chromium(
    browser,  # noqa: F811
    base_url,  # noqa: F811
):
    async with signed_in(browser, base_url, "admin", "admin-password-1", lang="ru") as page:
        for path in ("/admin/api-keys", "/admin/rules"):
            answer = await page.goto(path)
            assert answer is not None and answer.status == 200
            await assert_accessible(page)
            await shot(page, f"admin-{path.rsplit('/', 1)[1]}-ru")
        assert t("ru", "Who is told of what") in await page.inner_text("main")
