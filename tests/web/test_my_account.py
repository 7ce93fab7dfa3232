"""My account in the web UI: a person reads their account, sets language and digest, changes
their password, and stays signed in where they did it."""

from __future__ import annotations

import html
import re

from gateway.models import backbone
from gateway.web import refusals
from kelisim import audit
from tests.support.browser import shot, signed_in, t
from tests.support.checks import assert_problem
from tests.web.conftest import browser_client as browser
from tests.web.support import csrf_of, submit, web_login

# Creates accounts and changes their passwords.
OWN_SYSTEM = True

REGION = "KZ-75"


def _error_of(page: str, name: str) -> str:
    """The message shown next to a field (the form macros' `<name>-error`)."""
    found = re.search(rf'id="{name}-error">([^<]*)<', page)
    assert found, f"no error next to {name}"
    return html.unescape(found.group(1))


def _history(system, user_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with system.client.app.state.ctx.engine.connect() as conn:
        return audit.history(conn, backbone, "user", user_id)


async def test_the_name_in_the_header_opens_my_account_with_what_the_admin_set(system):
    await system.create_user(
        "acct-reader", roles=["mediator"], regions=[REGION], full_name="Aigerim Sadykova"
    )
    async with browser(system) as web:
        assert (await web_login(web, "acct-reader", "user-password-1")).status_code == 303
        home = await web.get("/")
        assert re.search(r'<a href="/account"[^>]*>Aigerim Sadykova', home.text)
        page = await web.get("/account")
    assert page.status_code == 200
    text = page.text
    assert '<html lang="kk">' in text
    for shown in ("Aigerim Sadykova", "acct-reader", t("kk", "Mediator"), "Алматы қаласы"):
        assert shown in text, shown
    assert t("kk", "An administrator changes these; ask them if something is wrong.") in text
    assert 'name="roles"' not in text and 'name="regions"' not in text


async def test_a_person_sets_their_language_and_the_digest_and_sees_it_saved(system):
    user = await system.create_user("acct-lang", roles=["mediator"], regions=[REGION])
    async with browser(system) as web:
        await web_login(web, "acct-lang", "user-password-1")
        saved = await submit(web, "/account", "/account", lang="ru", email_digest="on")
        assert saved.status_code == 303 and saved.headers["location"] == "/account?saved=settings"
        page = await web.get(saved.headers["location"])
    assert '<html lang="ru">' in page.text
    assert t("ru", "Your settings are saved.") in page.text
    assert re.search(r'name="email_digest"[^>]*checked', page.text)
    account = (await system.client.get(f"/api/v1/users/{user['id']}", headers=system.admin)).json()
    assert (account["lang"], account["email_digest"]) == ("ru", True)
    entry = _history(system, user["id"])[-1]
    assert (entry["action"], entry["actor"]) == ("user.updated", "acct-lang")


async def test_a_settings_form_with_an_unknown_language_changes_nothing(system):
    user = await system.create_user("acct-odd", roles=["mediator"], regions=[REGION])
    trail = _history(system, user["id"])
    async with browser(system) as web:
        await web_login(web, "acct-odd", "user-password-1")
        refused = await submit(web, "/account", "/account", lang="de", email_digest="on")
    assert refused.status_code == 422
    assert _error_of(refused.text, "lang") == t("kk", refusals.VALIDATION["literal_error"])
    assert re.search(r'name="email_digest"[^>]*checked', refused.text)  # as typed
    assert _history(system, user["id"]) == trail


async def test_password_form_errors_are_said_next_to_the_fields_in_the_users_language(system):
    user = await system.create_user("acct-typo", roles=["mediator"], regions=[REGION], lang="ru")
    trail = _history(system, user["id"])
    async with browser(system) as web:
        await web_login(web, "acct-typo", "user-password-1")
        wrong = await submit(
            web,
            "/account",
            "/account/password",
            current_password="not-mine",
            new_password="brand-new-password",
            new_password_repeat="brand-new-password",
        )
        assert wrong.status_code == 422
        assert _error_of(wrong.text, "current_password") == t(
            "ru", "The current password is wrong."
        )
        differ = await submit(
            web,
            "/account",
            "/account/password",
            current_password="user-password-1",
            new_password="brand-new-password",
            new_password_repeat="brand-new-passwort",
        )
        assert differ.status_code == 422
        assert _error_of(differ.text, "new_password_repeat") == t(
            "ru", "The two new passwords differ."
        )
        assert "brand-new-password" not in differ.text  # passwords are never sent back
        assert (await web.get("/account")).status_code == 200
    assert _history(system, user["id"]) == trail
    await system.login("acct-typo", "user-password-1")


async def test_a_changed_password_keeps_this_browser_and_ends_every_other_session(system):
    user = await system.create_user("acct-change", roles=["mediator"], regions=[REGION])
    bearer = await system.login("acct-change", "user-password-1")
    async with browser(system) as web, browser(system) as other:
        await web_login(web, "acct-change", "user-password-1")
        await web_login(other, "acct-change", "user-password-1")
        before = (await web.get("/account")).text
        changed = await submit(
            web,
            "/account",
            "/account/password",
            current_password="user-password-1",
            new_password="brand-new-password",
            new_password_repeat="brand-new-password",
        )
        assert changed.status_code == 303, changed.text
        assert changed.headers["location"] == "/account?saved=password"
        page = await web.get(changed.headers["location"])
        assert page.status_code == 200
        confirmed = t(
            "kk",
            "Your password is changed. You stay signed in here; "
            "your other sessions and tokens have ended.",
        )
        assert confirmed in page.text
        assert csrf_of(page.text) != csrf_of(before)  # a fresh session, with its own token
        # the fresh session works for forms too
        saved = await submit(web, "/account", "/account", lang="en")
        assert saved.status_code == 303
        gone = await other.get("/")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert_problem(await system.client.get("/api/v1/me", headers=bearer), 401, "invalid-token")
    async with browser(system) as web:
        assert (await web_login(web, "acct-change", "user-password-1")).status_code != 303
        assert (await web_login(web, "acct-change", "brand-new-password")).status_code == 303
    actions = [e["action"] for e in _history(system, user["id"])]
    assert "user.password_changed" in actions


async def test_on_a_phone_the_name_in_the_header_opens_my_account_which_fits(browser, base_url):
    """The header keeps its phone shape (the account block on its own row, the menu folded);
    the name in it is the way to My account, whose forms fit 375 px."""
    async with signed_in(browser, base_url, "coordinator", lang="ru") as page:
        await page.set_viewport_size({"width": 375, "height": 700})
        await page.locator(".account .who a").click()
        await page.wait_for_url(f"{base_url}/account")
        assert (await page.inner_text("main h1")).strip() == t("ru", "My account")
        heading = await page.locator("main h1").bounding_box()
        assert heading is not None and heading["y"] < 300, heading  # on the first screen
        assert not await page.locator("nav.main-nav").is_visible()
        assert await page.locator(".phone-menu summary").is_visible()
        page_width = await page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 375, page_width
        for field in ("#f-lang", "#f-current_password", "#f-new_password_repeat"):
            box = await page.locator(field).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, field
        await shot(page, "my-account-phone")
