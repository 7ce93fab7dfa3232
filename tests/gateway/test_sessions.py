"""Server-side web sessions: signing out, deactivation and a password reset end them at once."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from gateway.auth import csrf_token, read_access_token
from gateway.models import backbone
from tests.support.checks import items_of
from tests.support.gateway import Stack
from tests.web.support import web_login


def _browser(stack: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=stack.client._transport,  # type: ignore[attr-defined]
        base_url="https://gateway",
        follow_redirects=False,
        headers={"Accept": "text/html"},
    )


async def _signed_in(stack: Stack, username: str, password: str) -> tuple[httpx.AsyncClient, str]:
    """A browser logged in through the form, and a copy of its session cookie."""
    browser = _browser(stack)
    answer = await web_login(browser, username, password)
    assert answer.status_code == 303, answer.text
    cookie = browser.cookies.get("kelisim_session")
    assert cookie
    return browser, cookie


def _csrf(stack: Stack, cookie: str) -> str:
    keys = stack.client.app.state.keys  # type: ignore[attr-defined]
    return csrf_token(keys, read_access_token(keys, stack.settings, cookie, kind="session")["jti"])


async def _me(stack: Stack, cookie: str) -> int:
    answer = await stack.client.get("/api/v1/me", headers={"Cookie": f"kelisim_session={cookie}"})
    return answer.status_code


def _audit_actions(stack: Stack) -> list[str]:
    engine = stack.client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return list(conn.execute(select(backbone.audit_log.c.action)).scalars())


async def test_a_stolen_cookie_stops_working_when_its_owner_signs_out(stack: Stack) -> None:
    await stack.create_user(
        "sholpan", roles=["mediator"], regions=["KZ-75"], password="sholpan-pw-1"
    )
    browser, cookie = await _signed_in(stack, "sholpan", "sholpan-pw-1")
    assert await _me(stack, cookie) == 200
    out = await browser.post("/logout", data={"csrf_token": _csrf(stack, cookie)})
    assert out.status_code == 303
    # The thief's copy of the cookie is refused by the API and by the pages.
    assert await _me(stack, cookie) == 401
    page = await stack.client.get(
        "/cases", headers={"Cookie": f"kelisim_session={cookie}", "Accept": "text/html"}
    )
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert "session.revoked" in _audit_actions(stack)


async def test_sign_out_everywhere_ends_every_session_and_token(stack: Stack) -> None:
    await stack.create_user(
        "yerlan", roles=["coordinator"], regions=["KZ-75"], password="yerlan-pw-1"
    )
    office, office_cookie = await _signed_in(stack, "yerlan", "yerlan-pw-1")
    _, home_cookie = await _signed_in(stack, "yerlan", "yerlan-pw-1")
    bearer = await stack.login("yerlan", "yerlan-pw-1")
    listed = await stack.client.get("/api/v1/me/sessions", headers=bearer)
    assert len(items_of(listed)) == 2
    everywhere = await office.post(
        "/logout", data={"csrf_token": _csrf(stack, office_cookie), "everywhere": "1"}
    )
    assert everywhere.status_code == 303
    assert await _me(stack, office_cookie) == 401
    assert await _me(stack, home_cookie) == 401
    assert (await stack.client.get("/api/v1/me", headers=bearer)).status_code == 401
    assert "session.revoked_all" in _audit_actions(stack)


async def test_the_api_signs_out_everywhere_and_lists_only_live_sessions(stack: Stack) -> None:
    await stack.create_user("zhanna", roles=["analyst"], password="zhanna-pw-12")
    _, cookie = await _signed_in(stack, "zhanna", "zhanna-pw-12")
    headers = {"Cookie": f"kelisim_session={cookie}", "X-CSRF-Token": _csrf(stack, cookie)}
    mine = items_of(await stack.client.get("/api/v1/me/sessions", headers=headers))
    assert [s["current"] for s in mine] == [True]
    # Another user's session cannot be ended by guessing its id.
    other = await stack.login_as("zhanna-neighbour", roles=["analyst"])
    refused = await stack.client.delete(f"/api/v1/me/sessions/{mine[0]['id']}", headers=other)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    assert await _me(stack, cookie) == 200
    ended = await stack.client.post("/api/v1/me/sessions/revoke-all", headers=headers)
    assert ended.status_code == 200 and ended.json() == {"ended": 1}
    assert await _me(stack, cookie) == 401


async def test_deactivation_and_a_password_reset_end_web_sessions(stack: Stack) -> None:
    first = await stack.create_user(
        "arman", roles=["mediator"], regions=["KZ-75"], password="arman-pw-123"
    )
    second = await stack.create_user(
        "dana", roles=["mediator"], regions=["KZ-75"], password="dana-pw-1234"
    )
    _, arman = await _signed_in(stack, "arman", "arman-pw-123")
    _, dana = await _signed_in(stack, "dana", "dana-pw-1234")
    off = await stack.client.post(f"/api/v1/users/{first['id']}/deactivate", headers=stack.admin)
    assert off.status_code == 200
    reset = await stack.client.post(
        f"/api/v1/users/{second['id']}/password",
        json={"password": "dana-new-pw-1"},
        headers=stack.admin,
    )
    assert reset.status_code == 204
    assert await _me(stack, arman) == 401
    assert await _me(stack, dana) == 401


async def test_an_admin_signs_a_user_out_everywhere_and_no_one_else_may(stack: Stack) -> None:
    user = await stack.create_user(
        "erbol", roles=["liaison"], regions=["KZ-75"], password="erbol-pw-123"
    )
    _, cookie = await _signed_in(stack, "erbol", "erbol-pw-123")
    peer = await stack.login_as("erbol-peer", roles=["coordinator"], regions=["KZ-75"])
    path = f"/api/v1/users/{user['id']}/sessions/revoke-all"
    refused = await stack.client.post(path, headers=peer)
    assert refused.status_code == 403
    assert await _me(stack, cookie) == 200
    missing = await stack.client.post(
        "/api/v1/users/nobody/sessions/revoke-all", headers=stack.admin
    )
    assert missing.status_code == 404
    done = await stack.client.post(path, headers=stack.admin)
    assert done.status_code == 200 and done.json()["ended"] == 1
    assert await _me(stack, cookie) == 401
