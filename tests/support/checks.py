"""The checks every test tier shares: wait until something holds, read a problem, read a list."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx


async def eventually(check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    """Poll `check` (sync or async) until it returns something truthy, or fail at the deadline."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict:
    """The RFC 9457 problem of a refused request, checked for its status and stable type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:kelisim:problem:{kind}", body
    return body


def items_of(response: httpx.Response, *, whole: bool = True) -> list[Any]:
    """The items of a list answer, checked for the one envelope (and no next page if `whole`)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("items"), list), body
    assert "next_cursor" in body, body
    if whole:
        assert body["next_cursor"] is None, body
    items: list[Any] = body["items"]
    return items
