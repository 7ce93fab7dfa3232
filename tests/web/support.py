"""Helpers for the web UI tests: a browser-like client that logs in through the login form."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def web_login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Log in through the login form as a browser would; returns the answer to the POST."""
    form = await client.get("/login")
    assert form.status_code == 200, form.text
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )


async def submit(
    client: httpx.AsyncClient, page_path: str, action: str, **fields: str
) -> httpx.Response:
    """Send a form of the page at `page_path` to `action` with the session's CSRF token."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf_token": csrf_of(page.text), **fields})
