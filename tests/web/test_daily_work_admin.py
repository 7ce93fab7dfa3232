"""The admin's daily work through the web UI (issue 17): keys, rules, councils, webhooks, mail.

Pages are asked for as a browser does (httpx with a cookie jar); the admin pages also run
in a real headless Chromium (Debian's, through Playwright) with axe-core on each page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest

from tests.support.browser import assert_accessible, fragment, shot, signed_in, t
from tests.support.checks import eventually, items_of
from tests.web.daily_work_support import _csrf, _menu, signed_in_as

MAIL_OFF = "E-mail is off: no mail server is configured, so e-mails are listed here but not sent."


def test_revoking_is_said_in_kazakh_as_annulling_not_returning():
    """«Кері қайтару» means "give back"; a key's revocation is «Күшін жою»."""
    assert t("kk", "Revoke") == "Күшін жою"
    assert "Кері қайтар" not in t("kk", "Revoked %(date)s")


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
    async with signed_in_as(system, "admin", lang) as web:
        page = await web.get("/admin/api-keys")
        assert page.status_code == 200
        assert f"Полиция {lang.upper()}" in page.text and t(lang, "In use") in page.text
        assert "/admin/api-keys" in _menu(page.text)
        action = f"/admin/api-keys/{created.json()['id']}/revoke"
        assert f'href="{action}"' in page.text  # one click opens the confirmation, no more
        unconfirmed = await web.post(action, data={"csrf_token": _csrf(page.text)})
        assert unconfirmed.status_code == 303 and unconfirmed.headers["location"] == action
        assert (await system.client.get("/api/v1/me", headers=by_key)).status_code == 200
        confirm = await web.get(action)
        assert confirm.status_code == 200
        assert f"Полиция {lang.upper()}" in confirm.text and "police system" in confirm.text
        assert t(lang, "Cancel") in confirm.text and 'name="confirm" value="yes"' in confirm.text
        warning = "The key stops working at once, for every system that uses it. This cannot be"
        assert t(lang, warning + " undone: the holder will have to create a new key.") in (
            confirm.text
        )
        answer = await web.post(action, data={"csrf_token": _csrf(confirm.text), "confirm": "yes"})
        assert answer.status_code == 303
        again = await web.get(answer.headers["location"])
        assert t(lang, "Revoked %(date)s").split("%")[0] in again.text
        done = "The key %(name)s of %(holder)s is revoked: it no longer works."
        assert fragment(lang, done) in again.text and 'role="status"' in again.text
    assert (await system.client.get("/api/v1/me", headers=by_key)).status_code == 401
    async with signed_in_as(system, "coordinator", lang) as web:
        assert (await web.get("/admin/api-keys")).status_code == 403


@pytest.mark.parametrize("lang", ["kk", "en"])
async def test_the_admin_adds_and_turns_off_a_notification_rule_on_its_page(system, lang):
    async with signed_in_as(system, "admin", lang) as web:
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
        for r in items_of(rules)
        if r["subject"] == "councils.recommendation.overdue" and r["role"] == "analyst"
    ]
    assert len(mine) == 1 and mine[0]["email"] and mine[0]["scope"] == "all"
    async with signed_in_as(system, "admin", lang) as web:
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


async def test_the_admin_pages_pass_axe_in_chromium(
    browser,
    base_url,
):
    async with signed_in(browser, base_url, "admin", "admin-password-1", lang="ru") as page:
        for path in ("/admin/api-keys", "/admin/rules"):
            answer = await page.goto(path)
            assert answer is not None and answer.status == 200
            await assert_accessible(page)
            await shot(page, f"admin-{path.rsplit('/', 1)[1]}-ru")
        assert t("ru", "Who is told of what") in await page.inner_text("main")


async def test_the_admin_creates_a_council_on_the_councils_page(system):
    async with signed_in_as(system, "admin", "ru") as web:
        page = await web.get("/councils")
        assert t("ru", "New council") in page.text
        empty = await web.post(
            "/councils/new", data={"csrf_token": _csrf(page.text), "name": "", "level": "region"}
        )
        assert empty.status_code == 422
        made = await web.post(
            "/councils/new",
            data={
                "csrf_token": _csrf(page.text),
                "name": "Совет общественного согласия Медеуского района",
                "level": "district",
                "region": "KZ-75",
                "attached_to": "Аким района",
                "attached_kind": "akimat",
                "decision_rule": "two_thirds",
            },
        )
        assert made.status_code == 303, made.text
        council = (await web.get(made.headers["location"])).text
        assert "Совет общественного согласия Медеуского района" in council
    councils = items_of(await system.client.get("/api/v1/councils", headers=system.admin))
    names = [c["name"] for c in councils]
    assert names.count("Совет общественного согласия Медеуского района") == 1
    async with signed_in_as(system, "council_member", "kk") as web:
        assert t("kk", "New council") not in (await web.get("/councils")).text


async def test_the_admin_rotates_a_webhook_secret_and_the_old_one_still_verifies(system):
    created = await system.client.post(
        "/api/v1/notifications/endpoints",
        json={"region": "KZ-79", "url": "https://police.example.kz/hook", "generate_secret": True},
        headers=system.admin,
    )
    endpoint = created.json()
    first = endpoint["generated_secret"]
    async with signed_in_as(system, "admin", "kk") as web:
        page = await web.get("/admin/webhooks")
        answer = await web.post(
            f"/admin/webhooks/{endpoint['id']}/rotate", data={"csrf_token": _csrf(page.text)}
        )
        assert answer.status_code == 200
        shown = re.search(r"<code>(whsec_[^<]+)</code>", answer.text)
        assert shown and shown.group(1) != first
        assert t("kk", "Rotate the secret") in answer.text
    after = await system.client.get(
        f"/api/v1/notifications/endpoints/{endpoint['id']}", headers=system.admin
    )
    assert len(after.json()["secret_hints"]) == 2  # the new secret and the previous one
    coordinator = await system.login("coordinator", "demo")
    refused = await system.client.post(
        f"/api/v1/notifications/endpoints/{endpoint['id']}/secret-rotation", headers=coordinator
    )
    assert refused.status_code == 403
    again = await system.client.get(
        f"/api/v1/notifications/endpoints/{endpoint['id']}", headers=system.admin
    )
    assert again.json()["secret_hints"] == after.json()["secret_hints"]


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_demo_users_have_addresses_and_the_admin_reads_the_outgoing_mail(system, lang):
    users = (await system.client.get("/api/v1/users", headers=system.admin)).json()["items"]
    demo = {u["username"]: u["email"] for u in users}
    assert demo["coordinator"] == "coordinator@kelisim.example"
    assert demo["council_secretary"] == "council.secretary@kelisim.example"
    # each person their own address: the chair is a council member, not the member
    assert demo["council_chair"] == "council.chair@kelisim.example"
    assert demo["council_member"] == "council.member@kelisim.example"
    rules = items_of(await system.client.get("/api/v1/notifications/rules", headers=system.admin))
    existing = [
        r for r in rules if r["subject"] == "cases.case.registered" and r["role"] == "coordinator"
    ]
    if existing:
        rule = existing[0]
        changed = await system.client.patch(
            f"/api/v1/notifications/rules/{rule['id']}", json={"email": True}, headers=system.admin
        )
        assert changed.status_code == 200, changed.text
    else:
        made = await system.client.post(
            "/api/v1/notifications/rules",
            json={"subject": "cases.case.registered", "role": "coordinator", "email": True},
            headers=system.admin,
        )
        assert made.status_code == 201, made.text
        rule = made.json()
    try:
        mediator = await system.login("mediator", "demo")
        case = await system.client.post(
            "/api/v1/cases",
            json={
                "region": "KZ-75",
                "category": "land",
                "description": "Межа",
                "parties": [{"kind": "person", "name": "Party Alpha"}],
            },
            headers=mediator,
        )
        assert case.status_code == 201, case.text
        number = case.json()["number"]

        async def written() -> list[dict]:
            mail = await system.client.get(
                "/api/v1/notifications/emails",
                params={"to": "coordinator@kelisim.example"},
                headers=system.admin,
            )
            return [m for m in mail.json()["items"] if number in m["subject"]]

        (mail,) = await eventually(written, what="the e-mail to the coordinator")
        # The test system has no mail server and no sink: e-mail is off, and says so.
        await eventually(
            lambda: _status_is(written, "not_sent"), what="the e-mail recorded as not sent"
        )
        async with signed_in_as(system, "admin", lang) as web:
            page = await web.get("/admin/mail")
            assert page.status_code == 200
            assert mail["subject"] in page.text and "coordinator@kelisim.example" in page.text
            assert t(lang, "Outgoing mail") in page.text
            assert t(lang, MAIL_OFF) in page.text
            assert t(lang, "Not sent: e-mail is off") in page.text
        coordinator = await system.login("coordinator", "demo")
        refused = await system.client.get("/api/v1/notifications/emails", headers=coordinator)
        assert refused.status_code == 403
    finally:
        path = f"/api/v1/notifications/rules/{rule['id']}"
        if existing:
            await system.client.patch(path, json={"email": rule["email"]}, headers=system.admin)
        else:
            await system.client.delete(path, headers=system.admin)


async def _status_is(mails: Callable[[], Awaitable[list[dict]]], status: str) -> bool:
    return [m["status"] for m in await mails()] == [status]
