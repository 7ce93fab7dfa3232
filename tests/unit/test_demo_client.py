"""The demo's client asks again under the same Idempotency-Key when the answer says so.

CI once failed two start-up tests on a busy machine: publishing the demo council's minutes
(a signed PDF) took longer than the gateway waits, and the demo gave up on the 504 although
the answer said to retry with the same key. The server here is a small ASGI app that
answers as the gateway does.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.demo_world import DemoStep, World

pytestmark = pytest.mark.db_independent


def server(first: tuple[int, str], retry_after: str | None = "0.1"):  # type: ignore[no-untyped-def]
    """Answers the first call with the problem `first`, every later one with 201."""
    keys: list[str | None] = []

    async def publish(request: Request) -> JSONResponse:
        keys.append(request.headers.get("Idempotency-Key"))
        if len(keys) == 1:
            status, kind = first
            headers = {"Retry-After": retry_after} if retry_after else {}
            body = {"type": f"urn:kelisim:problem:{kind}", "status": status}
            return JSONResponse(body, status, headers=headers)
        return JSONResponse({"id": "p1", "published": True}, 201)

    app = Starlette(routes=[Route("/api/v1/protocols/p1/publish", publish, methods=["POST"])])
    return app, keys


async def call(app: Starlette, key: str | None = "protocol-1") -> object:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        world = World(http, tokens={"secretary": "t"})
        return await world.call("secretary", "POST", "/protocols/p1/publish", key, json={})


@pytest.mark.parametrize(
    "first",
    [(504, "service-timeout"), (503, "service-unavailable"), (409, "request-in-progress")],
)
async def test_a_keyed_request_is_asked_again_under_its_key(first: tuple[int, str]) -> None:
    app, keys = server(first)
    assert await call(app) == {"id": "p1", "published": True}
    assert keys == ["kelisim-demo-protocol-1"] * 2


async def test_a_retry_after_that_is_a_date_waits_a_second_not_fails() -> None:
    app, keys = server((504, "service-timeout"), retry_after="Wed, 21 Oct 2026 07:28:00 GMT")
    assert await call(app) == {"id": "p1", "published": True}
    assert len(keys) == 2


@pytest.mark.parametrize(
    "first, key",
    [
        ((409, "version-conflict"), "protocol-1"),  # a real conflict: asking again changes nothing
        ((422, "validation-error"), "protocol-1"),
        ((504, "service-timeout"), None),  # without a key a retry could do it twice
    ],
)
async def test_other_refusals_and_unkeyed_requests_are_not_repeated(
    first: tuple[int, str], key: str | None
) -> None:
    app, keys = server(first)
    with pytest.raises(DemoStep, match=str(first[0])):
        await call(app, key)
    assert len(keys) == 1
