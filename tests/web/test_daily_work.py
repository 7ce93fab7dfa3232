"""Daily work of each role through the web UI (issue 17): pages not theirs, sessions, admin pages.

Pages are asked for as a browser does (httpx with a cookie jar), and the same stories run
in a real headless Chromium (Debian's, through Playwright) with axe-core on each page.
"""

from __future__ import annotations

import contextlib
import re

import pytest

from gateway.web.i18n import LANG_NAMES
from tests.support.browser import assert_accessible, shot, signed_in, t
from tests.support.checks import eventually, items_of
from tests.support.gateway import Stack
from tests.web.conftest import browser_client
from tests.web.support import web_login

NAV = re.compile(r'<nav class="main-nav".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


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
    """The menu holds the pages the role may open, and every entry opens."""
    expected = {
        "liaison": (["/escalations"], ["/cases", "/councils", "/notifications", "/admin/users"]),
        "mediator": (["/cases", "/notifications"], ["/councils", "/caseload", "/admin/users"]),
        "council_member": (["/councils", "/notifications"], ["/cases", "/escalations"]),
        "analyst": (["/councils", "/analytics"], ["/cases", "/caseload", "/admin/users"]),
    }
    for username, (present, absent) in expected.items():
        async with _as(system, username, "en") as web:
            page = await web.get("/")
            assert page.status_code == 200
            menu = _menu(page.text)
            assert menu[0] == "/" and set(present) <= set(menu), (username, menu)
            assert not set(absent) & set(menu), (username, menu)
            for path in menu:  # every entry opens
                assert (await web.get(path)).status_code == 200, (username, path)
    async with _as(system, "liaison", "en") as web:
        assert _menu((await web.get("/")).text) == ["/", "/escalations"]
    async with _as(system, "admin", "en") as web:
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
        for r in items_of(rules)
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


async def test_an_escalation_has_one_short_reference_for_the_liaison_and_the_coordinator(system):
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    coordinator = await system.login("coordinator", "demo")
    case = (await system.client.get(f"/api/v1/cases/{ids['case']}", headers=coordinator)).json()
    on_case = await system.client.get(
        f"/api/v1/cases/{ids['case']}/escalations", headers=coordinator
    )
    reference = items_of(on_case)[0]["reference"]
    assert re.fullmatch(r"\d{4}-\d{4}", reference)
    assert case["number"].rsplit("-", 1)[1] not in reference.replace("-", "")
    liaison = await system.login("liaison", "demo")

    async def in_feed() -> list[dict]:
        feed = await system.client.get("/api/v1/notifications/feed", headers=liaison)
        return [i for i in feed.json()["items"] if i["reference"] == reference]

    (item,) = await eventually(in_feed, what="the escalation in the liaison's feed")
    assert item["escalation_id"] == items_of(on_case)[0]["id"]
    async with _as(system, "liaison", "kk") as web:
        page = await web.get("/escalations")
        assert reference in page.text and item["case_ref"] not in page.text
        assert case["number"] not in page.text
    async with _as(system, "coordinator", "ru") as web:
        page = await web.get(f"/cases/{ids['case']}")
        assert f"Номер информирования {reference}" in page.text


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_appointing_a_member_whose_term_has_ended_is_warned(system, lang):
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    base = f"/api/v1/councils/{council['id']}/members"
    past = await system.client.post(
        base,
        json={
            "username": f"former-{lang}",
            "full_name": f"Бұрынғы мүше {lang}",
            "term_start": "2020-01-01",
            "term_end": "2021-01-01",
        },
        headers=secretary,
    )
    assert past.status_code == 201, past.text
    assert past.json()["warnings"] == ["term-ended"]
    current = await system.client.post(
        base,
        json={"username": f"current-{lang}", "full_name": "Қазіргі", "term_start": "2020-01-01"},
        headers=secretary,
    )
    assert current.json()["warnings"] == []
    async with _as(system, "council_secretary", lang) as web:
        page = await web.get(f"/councils/{council['id']}")
        warning = t(lang, "Term ended %(date)s: not counted towards the quorum").split(")s")[1]
        assert warning in page.text
        assert page.text.count(warning) == len(
            [m for m in items_of(await system.client.get(base, headers=secretary)) if m["warnings"]]
        )


async def test_the_admin_creates_a_council_on_the_councils_page(system):
    async with _as(system, "admin", "ru") as web:
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
    async with _as(system, "council_member", "kk") as web:
        assert t("kk", "New council") not in (await web.get("/councils")).text


async def test_the_admin_rotates_a_webhook_secret_and_the_old_one_still_verifies(system):
    created = await system.client.post(
        "/api/v1/notifications/endpoints",
        json={"region": "KZ-79", "url": "https://police.example.kz/hook", "generate_secret": True},
        headers=system.admin,
    )
    endpoint = created.json()
    first = endpoint["generated_secret"]
    async with _as(system, "admin", "kk") as web:
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


async def test_a_mediator_records_a_withdrawal_of_consent_on_the_case_page(system):
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    mediator = await system.login("mediator", "demo")
    case = (await system.client.get(f"/api/v1/cases/{ids['case']}", headers=mediator)).json()
    party = case["parties"][0]["id"]
    async with _as(system, "mediator", "kk") as web:
        page = await web.get(f"/cases/{ids['case']}")
        assert t("kk", "Record a withdrawal of consent") in page.text
        answer = await web.post(
            f"/cases/{ids['case']}/do/withdraw",
            data={"csrf_token": _csrf(page.text), "party_id": party, "reason": "Тарап бас тартты"},
        )
        assert answer.status_code == 303, answer.text
    after = (await system.client.get(f"/api/v1/cases/{ids['case']}", headers=mediator)).json()
    assert after["status"] == "withdrawn"


async def test_a_member_makes_a_remark_on_circulated_minutes_on_the_session_page(system):
    secretary = await system.login("council_secretary", "demo")
    council = items_of(await system.client.get("/api/v1/councils", headers=secretary))[0]
    api = "/api/v1/councils"

    async def ok(method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        answer = await system.client.request(method, api + path, headers=secretary, **kwargs)
        assert answer.status_code < 300, (path, answer.text)
        return answer.json() if answer.content else None

    session = await ok(
        "POST",
        f"/{council['id']}/sessions",
        json={"title": "Remarks", "starts_at": "2026-01-10T05:00:00+00:00", "place": "Hall"},
    )
    members = (await ok("GET", f"/{council['id']}/members"))["items"]
    await ok(
        "POST",
        f"/sessions/{session['id']}/items",
        json={"titles": {"kk": "Мәселе", "ru": "Вопрос", "en": "Item"}, "rapporteur": "Докладчик"},
    )
    await ok("POST", f"/sessions/{session['id']}/convene")
    marks = [{"username": m["username"], "present": True} for m in members if not m["warnings"]]
    await ok("PUT", f"/sessions/{session['id']}/attendance", json={"marks": marks})
    await ok("POST", f"/sessions/{session['id']}/hold")
    await ok("POST", f"/sessions/{session['id']}/close")
    protocol = await ok("POST", f"/sessions/{session['id']}/protocol")
    await ok("POST", f"/protocols/{protocol['id']}/circulate")
    async with _as(system, "council_member", "ru") as web:
        page = await web.get(f"/councils/sessions/{session['id']}")
        assert t("ru", "Make a remark on the draft") in page.text
        answer = await web.post(
            f"/councils/do/remark/{protocol['id']}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "session",
                "page_id": session["id"],
                "text": "Добавить ответ акимата.",
            },
        )
        assert answer.status_code == 303, answer.text
    read = await ok("GET", f"/protocols/{protocol['id']}")
    assert [r["text"] for r in read["remarks"]] == ["Добавить ответ акимата."]


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_demo_users_have_addresses_and_the_admin_reads_the_outgoing_mail(system, lang):
    users = (await system.client.get("/api/v1/users", headers=system.admin)).json()["items"]
    demo = {u["username"]: u["email"] for u in users}
    assert demo["coordinator"] == "coordinator@kelisim.example"
    assert demo["council_secretary"] == "council.secretary@kelisim.example"
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
        async with _as(system, "admin", lang) as web:
            page = await web.get("/admin/mail")
            assert page.status_code == 200
            assert mail["subject"] in page.text and "coordinator@kelisim.example" in page.text
            assert t(lang, "Outgoing mail") in page.text
        coordinator = await system.login("coordinator", "demo")
        refused = await system.client.get("/api/v1/notifications/emails", headers=coordinator)
        assert refused.status_code == 403
    finally:
        path = f"/api/v1/notifications/rules/{rule['id']}"
        if existing:
            await system.client.patch(path, json={"email": rule["email"]}, headers=system.admin)
        else:
            await system.client.delete(path, headers=system.admin)
