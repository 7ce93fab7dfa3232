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


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)
