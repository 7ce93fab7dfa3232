"""The administrator's pages over HTTP, as a browser without JavaScript would use them: staff
accounts (roles, regions, councils) and webhook endpoints with their deliveries."""

from __future__ import annotations

import re

from sqlmodel import Session as DbSession

from gateway.demo import DEMO_COUNCIL
from gateway.models import User
from gateway.web import refusals
from tests.support.browser import t
from tests.support.checks import eventually, items_of
from tests.web.conftest import browser_client as browser
from tests.web.support import csrf_of, submit, web_login

# Creates accounts and webhook endpoints by name, as other modules do.
OWN_SYSTEM = True

REGION = "KZ-75"


async def test_admin_creates_an_account_and_a_taken_username_is_shown_next_to_the_field(system):
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        form = (await web.get("/admin/users/new")).text
        # The form says what it takes: the username's letters, the password's least length.
        assert t("kk", "At least %(n)s characters.").replace("%(n)s", "4") in form
        fields = {
            "username": "aliya",
            "password": "aliya-password-1",
            "full_name": "Әлия Сейітова",
            "lang": "ru",
            "roles": "mediator",
            "regions": REGION,
        }
        created = await submit(web, "/admin/users/new", "/admin/users/new", **fields)
        assert created.status_code == 303, created.text
        listed = await web.get(created.headers["location"])
        assert "Әлия Сейітова" in listed.text and "Медиатор" in listed.text
        assert "aliya есептік жазбасы сақталды." in listed.text
        again = await submit(web, "/admin/users/new", "/admin/users/new", **fields)
        [account] = items_of(
            await system.client.get("/api/v1/users?username=aliya", headers=system.admin)
        )
        edit = f"/admin/users/{account['id']}"
        changed = {"full_name": "Әлия Сейітқызы", "lang": "kk", "roles": "mediator"}
        saved = await submit(web, edit, edit, **changed, regions=REGION, active="on")
        assert saved.status_code == 303, saved.text
        shown = await web.get(saved.headers["location"])
    assert again.status_code == 409
    # said once, where it is seen: at the field, not again in the banner above the form
    assert 'id="username-error"' in again.text
    assert again.text.count("Бұл пайдаланушы аты бос емес.") == 1
    assert 'class="alert error"' not in again.text.split("<main", 1)[1]
    assert 'role="status"' in shown.text and "aliya есептік жазбасы сақталды." in shown.text
    assert "Әлия Сейітқызы" in shown.text


async def test_a_regional_role_without_a_region_is_refused_at_the_regions_field(system):
    """Least privilege: a coordinator of no region was saved, and reviewed every region's notes."""
    fields = {
        "username": "coord-nowhere",
        "password": "nowhere-password-1",
        "full_name": "Ерлан Жоқов",
        "lang": "ru",
        "roles": "coordinator",
    }
    kept = await system.create_user("coord-somewhere", roles=["coordinator"], regions=["KZ-71"])
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        refused = await submit(web, "/admin/users/new", "/admin/users/new", **fields)
        edit = f"/admin/users/{kept['id']}"
        emptied = await submit(
            web, edit, edit, full_name="Coord Somewhere", lang="kk", roles="coordinator"
        )
    message = t("kk", refusals.VALIDATION["region_required"])
    for answer in (refused, emptied):
        assert answer.status_code == 422, answer.text
        assert 'id="regions-error"' in answer.text and message in answer.text
        assert 'aria-describedby="regions-error"' in answer.text
        assert 'value="coordinator" checked' in answer.text  # what was typed is kept
    assert 'value="coord-nowhere"' in refused.text and 'value="Ерлан Жоқов"' in refused.text
    assert 'value="ru" selected' in refused.text
    nobody = await system.client.get("/api/v1/users?username=coord-nowhere", headers=system.admin)
    assert nobody.json()["items"] == []
    after = await system.client.get(f"/api/v1/users/{kept['id']}", headers=system.admin)
    assert after.json()["regions"] == ["KZ-71"]


async def test_roles_kept_apart_are_refused_at_the_roles_field_in_the_admins_language(system):
    """A liaison who is also an admin, an analyst who is also a mediator: both were saved."""
    fields = {
        "username": "apart-web",
        "password": "apart-password-1",
        "full_name": "Бөлек Адам",
        "lang": "kk",
        "regions": REGION,
    }
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        answers = {
            kind: await submit(web, "/admin/users/new", "/admin/users/new", **fields, roles=roles)
            for kind, roles in (
                ("liaison_alone", ["liaison", "admin"]),
                ("analyst_without_persons", ["analyst", "mediator"]),
            )
        }
    for kind, answer in answers.items():
        assert answer.status_code == 422, answer.text
        assert 'id="roles-error"' in answer.text
        assert t("kk", refusals.VALIDATION[kind]) in answer.text
        assert 'value="apart-web"' in answer.text  # what was typed is kept
    nobody = await system.client.get("/api/v1/users?username=apart-web", headers=system.admin)
    assert nobody.json()["items"] == []


async def test_an_older_account_of_no_region_is_offered_no_region_and_reviews_nothing(system):
    """An account saved before the rule, a coordinator of no region, is not taken for one of
    every region: the case form offers no region and the review queue is refused."""
    made = await system.create_user("coord-legacy", roles=["coordinator"], regions=["KZ-71"])
    engine = system.client.app.state.ctx.engine  # type: ignore[attr-defined]
    with DbSession(engine) as db:  # as it was saved before the rule
        account = db.get(User, made["id"])
        assert account is not None
        account.regions = []
        db.add(account)
        db.commit()
    async with browser(system) as web:
        await web_login(web, "coord-legacy", "user-password-1")
        form = await web.get("/cases/new")
        queue = await web.get("/library/review")
    assert form.status_code == 200
    region_field = form.text.split('id="f-region"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', region_field) == [""]
    assert queue.status_code == 403
    # The administrator's list says which accounts need a region, and links each.
    others = await system.create_user("coord-placed", roles=["coordinator"], regions=["KZ-71"])
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        listed = (await web.get("/admin/users")).text
    warning = listed.split('class="alert error" role="alert">', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'href="/admin/users/([^"]+)"', warning) == [made["id"]]
    assert others["id"] not in warning
    row = listed.rsplit(f'<a href="/admin/users/{made["id"]}">coord-legacy</a>', 1)[1]
    assert '<strong class="danger">' in row.split("</tr>", 1)[0]


async def test_the_account_form_offers_councils_by_name_and_refuses_an_unknown_one(system):
    """The councils field took identifiers typed by hand, and saved `abc` as one."""
    listed = items_of(await system.client.get("/api/v1/councils", headers=system.admin))
    council = next(c for c in listed if c["name"] == DEMO_COUNCIL["name"])
    fields = {
        "username": "member-abc",
        "password": "member-password-1",
        "full_name": "Гүлнар Кеңесова",
        "lang": "kk",
        "roles": "council_member",
    }
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        form = (await web.get("/admin/users/new")).text
        offered = re.search(rf'value="{council["id"]}"\s*> ([^<]+)<', form)
        assert offered and offered.group(1).strip() == council["name"]
        refused = await submit(
            web, "/admin/users/new", "/admin/users/new", **fields, councils="abc"
        )
        made = await submit(
            web, "/admin/users/new", "/admin/users/new", **fields, councils=council["id"]
        )
    assert refused.status_code == 422, refused.text
    message = t("kk", refusals.VALIDATION["unknown_council"])
    assert 'id="councils-error"' in refused.text and message in refused.text
    assert 'value="Гүлнар Кеңесова"' in refused.text
    assert made.status_code == 303, made.text
    [account] = items_of(
        await system.client.get("/api/v1/users?username=member-abc", headers=system.admin)
    )
    assert account["councils"] == [council["id"]]


async def test_admin_registers_a_webhook_endpoint_and_sees_its_secret_once(system):
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        wrong = await submit(
            web, "/admin/webhooks", "/admin/webhooks", region=REGION, url="not a url"
        )
        assert wrong.status_code == 422
        assert 'id="url-error"' in wrong.text and "Дұрыс мекенжай (URL) енгізіңіз." in wrong.text
        created = await submit(
            web,
            "/admin/webhooks",
            "/admin/webhooks",
            region=REGION,
            url="https://police.example.kz/kelisim",
            description="ДИП",
        )
        assert created.status_code == 201, created.text
        assert "whsec_" in created.text
        # registered: the form is empty again for the next endpoint
        form = created.text.split('action="/admin/webhooks" ', 1)[1].split("</form>", 1)[0]
        assert 'value="https://police.example.kz/kelisim"' not in form
        assert 'id="f-url" name="url" type="url" value=""' in form
        again = await web.get("/admin/webhooks")
    assert "https://police.example.kz/kelisim" in again.text
    assert "whsec_" not in again.text.split("<table", 1)[0]
    endpoints = await system.client.get("/api/v1/notifications/endpoints", headers=system.admin)
    assert [e["url"] for e in items_of(endpoints)] == ["https://police.example.kz/kelisim"]


async def test_admin_turns_a_webhook_endpoint_off_and_on_and_deletes_it_once_confirmed(system):
    """The page registered endpoints and rotated secrets, but could not turn one off or delete
    it, although the API can."""
    made = await system.client.post(
        "/api/v1/notifications/endpoints",
        json={"region": "KZ-10", "url": "https://police.example.kz/abai", "generate_secret": True},
        headers=system.admin,
    )
    assert made.status_code == 201, made.text
    endpoint = made.json()
    api = f"/api/v1/notifications/endpoints/{endpoint['id']}"
    page = f"/admin/webhooks/{endpoint['id']}"
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        listed = await web.get("/admin/webhooks")
        assert f'action="{page}/disable"' in listed.text and f'href="{page}/delete"' in listed.text
        off = await submit(web, "/admin/webhooks", f"{page}/disable")
        assert off.status_code == 303
        said = await web.get(off.headers["location"])
        assert t("kk", "The endpoint is turned off: nothing is sent to it until it is turned "
                 "on again.") in said.text  # fmt: skip
        assert (await system.client.get(api, headers=system.admin)).json()["enabled"] is False
        assert f'action="{page}/enable"' in said.text
        on = await submit(web, "/admin/webhooks", f"{page}/enable")
        assert on.status_code == 303
        assert (await system.client.get(api, headers=system.admin)).json()["enabled"] is True

        unconfirmed = await submit(web, "/admin/webhooks", f"{page}/delete")
        assert unconfirmed.status_code == 303
        assert unconfirmed.headers["location"] == f"{page}/delete"
        assert (await system.client.get(api, headers=system.admin)).status_code == 200
        confirm = await web.get(f"{page}/delete")
        assert confirm.status_code == 200 and "https://police.example.kz/abai" in confirm.text
        assert 'name="confirm" value="yes"' in confirm.text
        gone = await web.post(
            f"{page}/delete", data={"csrf_token": csrf_of(confirm.text), "confirm": "yes"}
        )
        assert gone.status_code == 303
        after = await web.get(gone.headers["location"])
    assert t("kk", "The endpoint is deleted.") in after.text
    assert "https://police.example.kz/abai" not in after.text
    assert (await system.client.get(api, headers=system.admin)).status_code == 404


async def test_admin_sends_a_pending_delivery_now_instead_of_waiting_for_its_retry(system):
    from tests.web.test_catalogs import _seed_work

    made = await system.client.post(
        "/api/v1/notifications/endpoints",
        json={
            "region": REGION,
            "url": "https://police.example.kz/pending",  # does not resolve: every call fails
            "generate_secret": True,
        },
        headers=system.admin,
    )
    assert made.status_code == 201, made.text
    await _seed_work(system)  # escalates a case of the region: its delivery is refused

    async def waiting() -> dict | None:  # two failures: the next try is minutes away
        page = await system.client.get(
            "/api/v1/notifications/deliveries",
            params={"status": "pending"},
            headers=system.admin,
        )
        found = [d for d in items_of(page, whole=False) if d["attempts"] >= 2]
        return found[0] if found else None

    delivery = await eventually(waiting, timeout=30, what="a delivery waiting for its retry")
    action = f"/admin/webhooks/deliveries/{delivery['id']}/replay"
    async with browser(system) as web:
        await web_login(web, "admin", "admin-password-1")
        listed = await web.get("/admin/webhooks")
        row = listed.text.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
        assert t("kk", "Send now") in row
        sent = await submit(web, "/admin/webhooks", action)
    assert sent.status_code == 303, sent.text

    async def tried_again() -> dict | None:
        one = await system.client.get(
            f"/api/v1/notifications/deliveries/{delivery['id']}", headers=system.admin
        )
        return one.json() if one.json()["attempts"] > delivery["attempts"] else None

    await eventually(tried_again, timeout=10, what="the delivery attempted at once")
