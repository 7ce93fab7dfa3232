"""Helpers for the web UI tests: a browser-like client that logs in through the login form."""

from __future__ import annotations

import re

import httpx

from tests.support.checks import items_of
from tests.support.gateway import Stack

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


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _cyrillic_leaves(value: object) -> list[str]:
    """Every string in a JSON answer that holds a Cyrillic letter."""
    if isinstance(value, str):
        return [value] if _CYRILLIC.search(value) else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _cyrillic_leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in _cyrillic_leaves(v)]
    return []


async def typed_council_texts(system: Stack) -> list[str]:
    """What people typed into the councils (the demo's, in Russian): names, agendas, addressees,
    recommendations, as the API returns them; longest first, so parts are not cut first."""
    secretary = await system.login("council_secretary", "demo")  # a member sees it all
    councils = items_of(await system.client.get("/api/v1/councils", headers=secretary))
    answers: list[object] = [councils]
    for council in [c["id"] for c in councils]:
        answers += await _council_answers(system, secretary, council)
    return sorted({s for a in answers for s in _cyrillic_leaves(a)}, key=len, reverse=True)


async def _council_answers(system: Stack, secretary: dict[str, str], council: str) -> list[object]:
    path = f"/api/v1/councils/{council}/recommendations"
    answers: list[object] = [(await system.client.get(path, headers=secretary)).json()]
    sessions = (
        await system.client.get(f"/api/v1/councils/{council}/sessions", headers=secretary)
    ).json()
    for session in sessions.get("items", []):  # none from a council not theirs (a problem)
        detail = await system.client.get(
            f"/api/v1/councils/sessions/{session['id']}", headers=secretary
        )
        answers.append(detail.json())
    return answers
