"""Helpers of the daily-work web tests: a browser-like client of one user, its menu, a token."""

from __future__ import annotations

import contextlib
import re

from tests.support.gateway import Stack
from tests.web.conftest import browser_client
from tests.web.support import web_login

NAV = re.compile(r'<nav class="main-nav".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


@contextlib.asynccontextmanager
async def signed_in_as(system: Stack, username: str, lang: str):  # type: ignore[no-untyped-def]
    """A browser-like client of `username`, whose account speaks `lang` while it is open.

    The account's own language is set back afterwards: the web tests share one system, and a
    later module's test of the same user reads its pages in the language the demo gave it.
    """
    users = (await system.client.get("/api/v1/users", headers=system.admin)).json()["items"]
    user = next(u for u in users if u["username"] == username)
    await _set_lang(system, user["id"], lang)
    try:
        async with browser_client(system) as web:
            password = "admin-password-1" if username == "admin" else "demo"
            assert (await web_login(web, username, password)).status_code == 303
            yield web
    finally:
        await _set_lang(system, user["id"], user["lang"])


async def _set_lang(system: Stack, user_id: str, lang: str) -> None:
    patched = await system.client.patch(
        f"/api/v1/users/{user_id}", json={"lang": lang}, headers=system.admin
    )
    assert patched.status_code == 200, patched.text


def _menu(page: str) -> list[str]:
    found = NAV.search(page)
    assert found, "no main menu"
    return HREF.findall(found.group(0))


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)
