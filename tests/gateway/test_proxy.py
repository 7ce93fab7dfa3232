"""The proxy: service tokens per call, what travels on and what not, and failing services."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import jwt
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

from kelisim.auth import Principal, issue_token, load_private_key, load_public_key, verify_token
from kelisim.bus.headers import trace_id
from kelisim.settings import Settings
from tests.support.gateway import ADMIN, Stack, running_gateway
from tests.support.nats import free_port
from tests.web.support import web_login


def echo_app() -> FastAPI:
    """A stand-in service that answers with what it received."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
    async def echo(request: Request, path: str) -> Response:
        body = await request.body()
        seen = {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": dict(request.headers),
            "body": body.decode(),
        }
        return Response(json.dumps(seen), media_type="application/json", headers={"ETag": '"v7"'})

    return app


async def _user(client: httpx.AsyncClient, **body: object) -> dict[str, str]:
    admin_token = (
        await client.post("/api/v1/auth/token", data={"username": ADMIN[0], "password": ADMIN[1]})
    ).json()["access_token"]
    admin = {"Authorization": f"Bearer {admin_token}"}
    payload = {"full_name": "Test", "password": "pass-word-1", **body}
    assert (await client.post("/api/v1/users", json=payload, headers=admin)).status_code == 201
    token = (
        await client.post(
            "/api/v1/auth/token", data={"username": body["username"], "password": "pass-word-1"}
        )
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _with_admin(settings: Settings, **extra: object) -> Settings:
    return settings.model_copy(
        update={"admin_username": ADMIN[0], "admin_password": ADMIN[1], **extra}
    )


async def test_every_proxied_call_carries_a_fresh_short_service_token_for_the_user(settings):
    settings = _with_admin(settings)
    echo = httpx.ASGITransport(app=echo_app())
    async with running_gateway(settings, {"cases": echo}) as gateway:
        user = await _user(
            gateway, username="saule", roles=["mediator"], regions=["KZ-75"], lang="en"
        )
        parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        answer = await gateway.post(
            "/api/v1/cases/abc/sessions?page=2&sort=asc",
            content=b'{"when": "tomorrow"}',
            headers={
                **user,
                "Content-Type": "application/json",
                "Cookie": "kelisim_session=secret",
                "X-Request-Id": "req-42",
                "traceparent": parent,
                "Idempotency-Key": "idem-1",
                "If-Match": '"v6"',
                "Connection": "keep-alive, X-Private-Hop",
                "X-Private-Hop": "drop me",
                "X-CSRF-Token": "never forwarded",
            },
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["ETag"] == '"v7"'
        seen = answer.json()
        headers = seen["headers"]
        assert (seen["method"], seen["path"]) == ("POST", "/api/v1/cases/abc/sessions")
        assert seen["query"] == "page=2&sort=asc"
        assert seen["body"] == '{"when": "tomorrow"}'
        assert headers["content-type"] == "application/json"
        assert headers["x-request-id"] == "req-42"
        assert headers["idempotency-key"] == "idem-1"
        assert headers["if-match"] == '"v6"'
        assert trace_id(headers["traceparent"]) == trace_id(parent)
        assert headers["traceparent"] != parent
        for gone in ("cookie", "x-private-hop", "x-csrf-token"):
            assert gone not in headers

        token = headers["authorization"].removeprefix("Bearer ")
        assert token != user["Authorization"].removeprefix("Bearer ")
        key = load_public_key(settings)
        principal = verify_token(key, token, audience="cases", issuer=settings.token_issuer)
        assert principal.sub == "saule"
        assert (principal.roles, principal.regions) == ({"mediator"}, {"KZ-75"})
        assert principal.lang == "en"
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] <= 60
        assert claims["aud"] == "cases"

        again = (await gateway.get("/api/v1/cases", headers=user)).json()["headers"]
        assert again["authorization"] != headers["authorization"]
        assert again["traceparent"].startswith("00-")
        assert len(again["x-request-id"]) >= 16


async def test_a_service_that_is_down_answers_503_problem_details(settings):
    settings = _with_admin(settings, councils_url=f"http://127.0.0.1:{free_port()}")
    async with running_gateway(settings) as gateway:
        user = await _user(gateway, username="timur", roles=["council_member"])
        answer = await gateway.get("/api/v1/councils", headers=user)
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:kelisim:problem:service-unavailable"
        assert answer.json()["service"] == "councils"


async def test_a_service_that_does_not_answer_in_time_answers_504(settings):
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(30)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = _with_admin(
        settings, notifications_url=f"http://127.0.0.1:{port}", proxy_timeout_seconds=0.5
    )
    try:
        async with running_gateway(settings) as gateway:
            user = await _user(gateway, username="zhanna", roles=["analyst"])
            answer = await gateway.get("/api/v1/notifications", headers=user)
            assert answer.status_code == 504
            assert answer.json()["type"] == "urn:kelisim:problem:service-timeout"
    finally:
        server.close()


class BrokenTransport(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("connection reset mid-answer", request=request)


async def test_a_service_that_breaks_the_connection_answers_502(settings):
    settings = _with_admin(settings)
    async with running_gateway(settings, {"cases": BrokenTransport()}) as gateway:
        user = await _user(gateway, username="yerlan", roles=["coordinator"], regions=["KZ-75"])
        answer = await gateway.get("/api/v1/cases", headers=user)
        assert answer.status_code == 502
        assert answer.json()["type"] == "urn:kelisim:problem:bad-gateway"


async def test_a_page_meets_a_failing_service_as_the_api_does(settings):
    """The web UI makes the proxy's call: down is 503, a broken or unreadable answer 502."""
    settings = _with_admin(settings, councils_url=f"http://127.0.0.1:{free_port()}")
    garbled = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>oops"))
    transports = {"cases": BrokenTransport(), "notifications": garbled}
    async with (
        running_gateway(settings, transports) as gateway,
        httpx.AsyncClient(
            transport=gateway._transport,  # type: ignore[attr-defined]
            base_url="https://gateway",
            headers={"Accept": "text/html"},
        ) as web,
    ):
        assert (await web_login(web, *ADMIN)).status_code == 303
        for page, status in (("/councils/c1", 503), ("/cases", 502), ("/notifications", 502)):
            answer = await web.get(page)
            assert answer.status_code == status, page
            assert answer.headers["content-type"].startswith("text/html"), page


async def test_dot_segments_cannot_sneak_past_the_role_check(stack: Stack) -> None:
    liaison = await stack.login_as("liaison-dots", roles=["liaison"], regions=["KZ-75"])
    for path in ("/api/v1/notifications/feed/../../cases", "/api/v1/notifications/feed/%2e%2e/x"):
        answer = await stack.client.get(path, headers=liaison)
        assert answer.status_code in (400, 403, 404), path
        assert "items" not in answer.text


async def test_a_service_called_directly_without_a_gateway_token_serves_nothing(
    stack: Stack,
) -> None:
    user_headers = await stack.login_as("direct", roles=["coordinator"], regions=["KZ-75"])
    wrong_audience = issue_token(
        load_private_key(stack.settings),
        Principal(
            sub="direct",
            user_id="x",
            roles=frozenset({"coordinator"}),
            regions=frozenset({"KZ-75"}),
        ),
        audience="councils",
        issuer=stack.settings.token_issuer,
    )
    for name, path in (
        ("cases", "/api/v1/cases"),
        ("councils", "/api/v1/councils"),
        ("notifications", "/api/v1/notifications"),
    ):
        service = stack.services[name]
        assert (await service.get(path)).status_code == 401
        # The user's own gateway access token is not a service token either.
        assert (await service.get(path, headers=user_headers)).status_code == 401
    refused = await stack.services["cases"].get(
        "/api/v1/cases", headers={"Authorization": f"Bearer {wrong_audience}"}
    )
    assert refused.status_code == 401


async def test_a_coordinator_reads_nothing_of_another_region(stack: Stack) -> None:
    almaty = await stack.login_as("coord-almaty", roles=["coordinator"], regions=["KZ-75"])
    astana = await stack.login_as("coord-astana", roles=["coordinator"], regions=["KZ-71"])
    created = await stack.client.post(
        "/api/v1/cases", json={"region": "KZ-75", "category": "neighbour"}, headers=almaty
    )
    assert created.status_code == 201, created.text
    case = created.json()

    mine = await stack.client.get("/api/v1/cases", headers=almaty)
    assert mine.status_code == 200, mine.text
    assert case["id"] in [c["id"] for c in mine.json()["items"]]

    theirs = await stack.client.get("/api/v1/cases", headers=astana)
    assert theirs.status_code == 200
    assert case["number"] not in theirs.text
    single = await stack.client.get(f"/api/v1/cases/{case['id']}", headers=astana)
    assert single.status_code in (403, 404)
    assert case["number"] not in single.text

    outside = await stack.client.post(
        "/api/v1/cases", json={"region": "KZ-75", "category": "land"}, headers=astana
    )
    assert outside.status_code == 403


def blob_app() -> FastAPI:
    """A stand-in service that streams back twice the body it received, in chunks."""
    app = FastAPI()

    @app.post("/api/v1/cases/blob")
    async def blob(request: Request) -> StreamingResponse:
        body = await request.body()

        async def twice() -> AsyncIterator[bytes]:
            for _ in range(2):
                for start in range(0, len(body), 65536):
                    yield body[start : start + 65536]

        seen = {"x-length-sent": request.headers.get("content-length", "")}
        return StreamingResponse(twice(), media_type="application/octet-stream", headers=seen)

    return app


async def test_large_bodies_go_through_whole_both_ways(settings):
    settings = _with_admin(settings)
    blob = httpx.ASGITransport(app=blob_app())
    async with running_gateway(settings, {"cases": blob}) as gateway:
        user = await _user(gateway, username="aigul", roles=["mediator"], regions=["KZ-75"])
        body = bytes(range(256)) * 4096  # 1 MiB: above what the proxy reads whole
        answer = await gateway.post("/api/v1/cases/blob", content=body, headers=user)
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-length-sent"] == str(len(body))
        assert answer.content == body + body
        small = await gateway.post("/api/v1/cases/blob", content=b"abc", headers=user)
        assert small.content == b"abcabc"
