"""The web UI over HTTP, as a browser without JavaScript would use it: login, pages, forms."""

from __future__ import annotations

import asyncio
import html
import re

from sqlmodel import Session as DbSession

from gateway.models import backbone
from kelisim import audit
from services.notifications.models import Recipient
from tests.support.browser import t
from tests.support.checks import eventually, items_of
from tests.web.conftest import browser_client as browser
from tests.web.support import csrf_of, submit, web_login

# Creates accounts and webhook endpoints by name, as other modules do.
OWN_SYSTEM = True


REGION = "KZ-75"


async def test_anonymous_visitor_is_sent_to_the_login_form_in_kazakh(system):
    async with browser(system) as web:
        home = await web.get("/")
        assert home.status_code == 303 and home.headers["location"].startswith("/login")
        login = await web.get("/login")
    assert login.status_code == 200
    assert '<html lang="kk">' in login.text
    assert "Кіру" in login.text and "Sign in" not in login.text


async def test_the_site_has_an_icon_where_browsers_look_for_it(system):
    async with browser(system) as web:
        asked = await web.get("/favicon.ico")
        assert asked.status_code == 301
        icon = await web.get(asked.headers["location"])
        login, public = await web.get("/login"), await web.get("/public")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    for page in (login, public):
        assert f'<link rel="icon" href="{asked.headers["location"]}"' in page.text


async def test_visitor_language_follows_query_then_cookie_then_accept_language(system):
    async with browser(system) as web:
        russian = await web.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
        assert '<html lang="ru">' in russian.text and "Войти" in russian.text
        english = await web.get("/login?lang=en", headers={"Accept-Language": "ru"})
        assert '<html lang="en">' in english.text and "Sign in" in english.text
        remembered = await web.get("/login", headers={"Accept-Language": "ru"})
        assert '<html lang="en">' in remembered.text


async def test_a_switch_of_language_comes_back_to_the_same_page_and_query(system):
    """An analyst switching language on March's figures landed on this month's."""
    await system.create_user("analyst-lang", roles=["analyst"], regions=["KZ-75"], lang="kk")
    page = "/analytics/regions/KZ-75?year=2025&month=3"
    async with browser(system) as web:
        await web_login(web, "analyst-lang", "user-password-1")
        shown = await web.get(f"{page}&lang=kk")
        assert shown.status_code == 200, shown.text
        switch = shown.text.split('<form class="lang-switch"', 1)[1].split("</form>", 1)[0]
        back = re.search(r'name="next" value="([^"]*)"', switch)
        assert back is not None
        assert html.unescape(back.group(1)) == page  # its query kept, `lang` dropped
        switched = await web.post(
            "/ui/lang",
            data={"csrf_token": csrf_of(shown.text), "lang": "ru", "next": page},
        )
        assert switched.status_code == 303 and switched.headers["location"] == page
        russian = await web.get(switched.headers["location"])
        assert '<html lang="ru">' in russian.text
        for away in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
            sent = await web.post(
                "/ui/lang", data={"csrf_token": csrf_of(shown.text), "lang": "kk", "next": away}
            )
            assert sent.headers["location"] == "/", away


async def test_wrong_password_is_shown_on_the_form_in_the_users_language(system):
    await system.create_user("m-aigul", roles=["mediator"], regions=[REGION])
    async with browser(system) as web:
        await web.get("/login?lang=ru")
        refused = await web_login(web, "m-aigul", "not-the-password")
    assert refused.status_code == 401
    assert "Неверное имя пользователя или пароль." in refused.text
    assert "kelisim_session" not in refused.headers.get("set-cookie", "")


async def test_mediator_registers_a_case_and_sees_it_on_the_case_page(system):
    await system.create_user(
        "m-forgetful", roles=["mediator"], regions=[REGION], full_name="Айгүл Медиатор"
    )
    async with browser(system) as web:
        answer = await web_login(web, "m-forgetful", "user-password-1")
        assert answer.status_code == 303, answer.text
        home = await web.get("/")
        assert "Айгүл Медиатор" in home.text and "Менің аяқталмаған істерім" in home.text
        assert "Сізде аяқталмаған істер жоқ." in home.text  # a new mediator has none yet
        created = await submit(
            web,
            "/cases/new",
            "/cases/new",
            region=REGION,
            category="neighbour",
            channel="walk_in",
            description="Көршілер арасындағы дау",
            party1_name="Асан",
            party1_kind="person",
            party2_name="Үсен",
            party2_kind="person",
        )
        assert created.status_code == 303, created.text
        listed = await web.get(created.headers["location"])
    assert listed.status_code == 200
    assert "тіркелді; үйлестіруші медиаторды тағайындайды" in listed.text


REUSED = "This form was already sent with other values. Open the page again to send a new one."
REGISTRATION = {
    "region": REGION,
    "category": "neighbour",
    "channel": "walk_in",
    "description": "Көршілер арасындағы дау",
    "party1_name": "Асан",
    "party1_kind": "person",
}


def _nonce(page: str) -> str:
    found = re.search(r'name="form_nonce" value="([^"]+)"', page)
    assert found, "no form nonce on the page"
    return found.group(1)


async def test_a_form_sent_twice_is_carried_out_once(system):
    """Back and send again, or two clicks at once: the same form (its nonce) registers one
    case, and each sending is answered as the first was; the form sent again with other
    values is refused and changes nothing."""
    coordinator = await system.login("coordinator", "demo")

    async def registered() -> int:
        cases = await system.client.get("/api/v1/cases?limit=200", headers=coordinator)
        return len(items_of(cases, whole=False))

    async with browser(system) as web:
        await web_login(web, "coordinator", "demo")
        form = (await web.get("/cases/new")).text
        sent = {
            "csrf_token": csrf_of(form),
            "form_nonce": _nonce(form),
            **REGISTRATION,
        }
        before = await registered()
        first = await web.post("/cases/new", data=sent)
        again = await web.post("/cases/new", data=sent)
        assert first.status_code == again.status_code == 303, again.text
        assert first.headers["location"] == again.headers["location"]
        assert await registered() == before + 1

        other = await web.post("/cases/new", data={**sent, "party1_name": "Үсен"})
        assert other.status_code == 422
        assert t("kk", REUSED) in other.text
        assert await registered() == before + 1

        fresh = (await web.get("/cases/new")).text
        twice = {
            **sent,
            "form_nonce": re.search(r'name="form_nonce" value="([^"]+)"', fresh).group(1),
        }
        answers = await asyncio.gather(*(web.post("/cases/new", data=twice) for _ in range(2)))
        assert [a.status_code for a in answers] == [303, 303], [a.text for a in answers]
        assert answers[0].headers["location"] == answers[1].headers["location"]
        assert await registered() == before + 2


async def test_registration_form_shows_missing_fields_next_to_them_and_saves_nothing(system):
    await system.create_user("m-forger", roles=["mediator"], regions=[REGION])
    async with browser(system) as web:
        await web_login(web, "m-forger", "user-password-1")
        refused = await submit(web, "/cases/new", "/cases/new", region=REGION, category="")
        assert refused.status_code == 422
        assert 'id="category-error"' in refused.text
        assert "Бұл өрісті толтыру міндетті." in refused.text
        cases = await web.get("/cases?mine=")
    assert "Істер табылмады." in cases.text


async def test_a_form_without_the_csrf_token_is_refused(system):
    await system.create_user("m-csrf", roles=["mediator"], regions=[REGION])
    async with browser(system) as web:
        await web_login(web, "m-csrf", "user-password-1")
        refused = await web.post("/cases/new", data={"region": REGION, "category": "land"})
    assert refused.status_code == 403


async def test_language_switch_is_saved_on_the_users_account(system):
    await system.create_user("c-switch", roles=["coordinator"], regions=[REGION])
    async with browser(system) as web:
        await web_login(web, "c-switch", "user-password-1")
        page = await web.get("/")
        switched = await web.post(
            "/ui/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_of(page.text)}
        )
        assert switched.status_code == 303
        english = await web.get("/", headers={"Accept-Language": "ru"})
        assert '<html lang="en">' in english.text and "Caseload" in english.text
    account = await system.client.get("/api/v1/users?username=c-switch", headers=system.admin)
    assert account.json()["items"][0]["lang"] == "en"


async def test_language_picked_on_the_login_page_is_the_language_after_login(system):
    account = await system.create_user("m-olga", roles=["mediator"], regions=[REGION])
    assert account["lang"] == "kk"  # what an admin's form saves unless told otherwise
    async with browser(system) as web:
        await web.get("/login")
        picked = await web.post("/ui/lang", data={"lang": "ru", "next": "/login"})
        assert picked.status_code == 303
        assert (await web_login(web, "m-olga", "user-password-1")).status_code == 303
        home = await web.get("/", headers={"Accept-Language": "kk"})
    assert '<html lang="ru">' in home.text and t("ru", "Sign out") in home.text
    # The pick is now the account's own choice: audited as the owner's change, and the
    # notifications service writes the owner's e-mails in it.
    users = await system.client.get("/api/v1/users?username=m-olga", headers=system.admin)
    assert users.json()["items"][0]["lang"] == "ru"
    with system.client.app.state.ctx.engine.connect() as conn:  # type: ignore[attr-defined]
        changed = audit.history(conn, backbone, "user", account["id"])[-1]
    assert (changed["action"], changed["actor"]) == ("user.updated", "m-olga")
    assert (changed["before"]["lang"], changed["after"]["lang"]) == ("kk", "ru")
    notifications = system.services["notifications"].app.state.ctx  # type: ignore[attr-defined]

    def mailed_in() -> str | None:
        with DbSession(notifications.engine) as db:
            person = db.get(Recipient, "m-olga")
            return person.lang if person is not None and person.lang != "kk" else None

    assert await eventually(mailed_in, what="the e-mail language of m-olga") == "ru"


async def test_a_language_of_the_account_is_kept_when_the_visitor_picked_none(system):
    await system.create_user("c-english", roles=["coordinator"], regions=[REGION], lang="en")
    await system.create_user("c-russian", roles=["coordinator"], regions=[REGION])
    async with browser(system) as web:
        # A fresh browser that only says what it prefers: the account's language wins.
        login = await web.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
        assert '<html lang="ru">' in login.text
        await web_login(web, "c-english", "user-password-1")
        home = await web.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
        assert '<html lang="en">' in home.text
        await web.post("/logout", data={"csrf_token": csrf_of(home.text)})
    async with browser(system) as web:
        # One browser, two people: a pick is saved at the login that follows it, only there.
        await web.get("/login?lang=ru")
        await web_login(web, "c-russian", "user-password-1")
        home = await web.get("/")
        assert '<html lang="ru">' in home.text
        await web.post("/logout", data={"csrf_token": csrf_of(home.text)})
        assert '<html lang="ru">' in (await web.get("/login")).text
        web.cookies.set("kelisim_lang_pick", "xx", domain="gateway", path="/login")  # no language
        assert (await web_login(web, "c-english", "user-password-1")).status_code == 303
        home = await web.get("/")
    assert '<html lang="en">' in home.text
    listed = await system.client.get("/api/v1/users", headers=system.admin)
    langs = {u["username"]: u["lang"] for u in listed.json()["items"]}
    assert (langs["c-english"], langs["c-russian"]) == ("en", "ru")


async def _registered(system, coordinator: dict[str, str]) -> dict:
    """A case just registered by the coordinator, without parties."""
    answer = await system.client.post(
        "/api/v1/cases",
        json={"region": REGION, "category": "family", "parties": []},
        headers=coordinator,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_refused_step_shows_the_reason_on_the_case_page_and_changes_nothing(system):
    coordinator = await system.login("coordinator", "demo")
    case = await _registered(system, coordinator)
    assigned = await system.client.post(
        f"/api/v1/cases/{case['id']}/assignment", json={"mediator": "mediator"}, headers=coordinator
    )
    assert assigned.status_code == 200, assigned.text
    async with browser(system) as web:
        await web_login(web, "coordinator", "demo")
        page = f"/cases/{case['id']}"
        refused = await submit(
            web, page, f"{page}/do/reassign", mediator="mediator", reason="Жүктемені теңестіру"
        )
    assert refused.status_code == 409
    assert "Бұл медиатор тағайындалған." in refused.text
    assert 'id="action-reassign" open' in refused.text
    after = (await system.client.get(f"/api/v1/cases/{case['id']}", headers=coordinator)).json()
    assert after["version"] == assigned.json()["version"]


async def test_a_step_sent_from_an_out_of_date_page_says_why_at_the_top(system):
    """Two tabs on a registered case: assigned in one, the other's assignment form is gone
    from the page it gets back, so the refusal is shown at the top, once."""
    coordinator = await system.login("coordinator", "demo")
    case = await _registered(system, coordinator)
    async with browser(system) as web:
        await web_login(web, "coordinator", "demo")
        page = f"/cases/{case['id']}"
        stale = await web.get(page)
        assert 'id="action-assign"' in stale.text
        assigned = await system.client.post(
            f"/api/v1/cases/{case['id']}/assignment",
            json={"mediator": "mediator"},
            headers=coordinator,
        )
        assert assigned.status_code == 200, assigned.text
        refused = await web.post(
            f"{page}/do/assign", data={"csrf_token": csrf_of(stale.text), "mediator": "mediator"}
        )
    assert refused.status_code == 409
    assert 'id="action-assign"' not in refused.text
    main = refused.text.split("<main", 1)[1]
    assert main.count('class="alert error"') == 1
    assert main.index('class="alert error"') < main.index('class="two-col"')
    after = (await system.client.get(f"/api/v1/cases/{case['id']}", headers=coordinator)).json()
    assert after["version"] == assigned.json()["version"]


async def test_the_assignment_fields_offer_every_active_mediator_of_the_region(system):
    """Only mediators who already had cases were offered, and only to the assign field."""
    coordinator = await system.login("coordinator", "demo")
    await system.create_user(
        "m-fresh", roles=["mediator"], regions=[REGION], full_name="Жаңа Медиатор"
    )
    await system.create_user("m-astana", roles=["mediator"], regions=["KZ-71"])
    gone = await system.create_user("m-gone", roles=["mediator"], regions=[REGION])
    left = await system.client.patch(
        f"/api/v1/users/{gone['id']}", json={"active": False}, headers=system.admin
    )
    assert left.status_code == 200, left.text
    case = await _registered(system, coordinator)
    async with browser(system) as web:
        await web_login(web, "coordinator", "demo")
        page = (await web.get(f"/cases/{case['id']}")).text
        offered = re.findall(
            r'<option value="([^"]+)">', page.split('<datalist id="mediators">')[1]
        )
        assert "m-fresh" in offered and "mediator" in offered
        assert "m-astana" not in offered and "m-gone" not in offered
        assert '<option value="m-fresh">Жаңа Медиатор</option>' in page
        assigned = await system.client.post(
            f"/api/v1/cases/{case['id']}/assignment",
            json={"mediator": "m-fresh"},
            headers=coordinator,
        )
        assert assigned.status_code == 200, assigned.text
        page = (await web.get(f"/cases/{case['id']}")).text
    assert 'id="action-reassign"' in page and 'list="mediators"' in page and "<datalist" in page
