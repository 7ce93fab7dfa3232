"""The gateway's wire to the services (gateway/transport.py), against a real uvicorn server.

What httpx's own transport did must still hold: keep-alive, bodies both ways streamed,
answers decoded by httpx, paths sent as encoded, and the httpx errors that ServiceCalls maps
to 503 (unreachable) and 504 (too slow).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.transport import AiohttpTransport
from tests.support.nats import free_port

pytestmark = pytest.mark.db_independent

CHUNK = b"k" * 65536


async def echo(request: Request) -> JSONResponse:
    client = request.scope["client"]
    return JSONResponse(
        {
            "method": request.method,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "headers": dict(request.headers),
            "client_port": client[1] if client else None,
        }
    )


async def upload(request: Request) -> JSONResponse:
    digest, size = hashlib.sha256(), 0
    async for chunk in request.stream():
        digest.update(chunk)
        size += len(chunk)
    return JSONResponse({"size": size, "sha256": digest.hexdigest(), **dict(request.headers)})


async def large(_request: Request) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield CHUNK

    return StreamingResponse(body(), media_type="application/octet-stream")


async def zipped(_request: Request) -> Response:
    body = gzip.compress(json.dumps({"word": "келісім"}).encode())
    return Response(body, media_type="application/json", headers={"content-encoding": "gzip"})


async def slow(_request: Request) -> Response:
    await asyncio.sleep(3)
    return Response("late")


APP = Starlette(
    routes=[
        Route("/echo/{rest:path}", echo, methods=["GET", "DELETE"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/large", large),
        Route("/zipped", zipped),
        Route("/slow", slow),
    ]
)


@pytest.fixture
async def server() -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(APP, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    served = uvicorn.Server(config)
    task = asyncio.create_task(served.serve())
    while not served.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    await task


@pytest.fixture
async def client(server: str) -> AsyncIterator[httpx.AsyncClient]:
    wire = AiohttpTransport()
    async with httpx.AsyncClient(base_url=server, transport=wire, trust_env=False) as http:
        yield http
    await wire.aclose()  # a second close changes nothing


async def test_a_call_goes_out_as_httpx_built_it_and_reuses_its_connection(client) -> None:
    first = await client.get(
        "/echo/a%2Fb c?x=1&y=%D2%9B", headers={"x-request-id": "r1", "if-match": '"v2"'}
    )
    second = await client.request("DELETE", "/echo/again")
    assert first.status_code == 200 and second.status_code == 200
    seen = first.json()
    assert seen["raw_path"] == "/echo/a%2Fb%20c"  # encoded once, not again
    assert seen["query"] == "x=1&y=%D2%9B"
    assert seen["headers"]["x-request-id"] == "r1" and seen["headers"]["if-match"] == '"v2"'
    assert seen["headers"]["host"] == client.base_url.netloc.decode()
    assert second.json()["method"] == "DELETE"
    # One keep-alive connection for both calls: the server saw the same client port.
    assert second.json()["client_port"] == seen["client_port"]


async def test_bodies_stream_both_ways_and_answers_are_decoded_by_httpx(client) -> None:
    sent = CHUNK * 20

    async def upload_body() -> AsyncIterator[bytes]:
        for start in range(0, len(sent), 100_000):
            yield sent[start : start + 100_000]

    headers = {"content-length": str(len(sent))}
    answer = await client.post("/upload", content=upload_body(), headers=headers)
    assert answer.json()["size"] == len(sent)
    assert answer.json()["sha256"] == hashlib.sha256(sent).hexdigest()
    assert "transfer-encoding" not in answer.json()  # sent with its length, not chunked

    async with client.stream("GET", "/large") as streamed:
        chunks = [chunk async for chunk in streamed.aiter_bytes()]
    assert b"".join(chunks) == CHUNK * 32

    zipped_answer = await client.get("/zipped")
    assert zipped_answer.headers["content-encoding"] == "gzip"
    assert zipped_answer.json() == {"word": "келісім"}


async def test_unreachable_and_too_slow_are_the_httpx_errors_servicecalls_maps(client) -> None:
    closed = f"http://127.0.0.1:{free_port()}/echo/x"
    with pytest.raises(httpx.ConnectError):  # ServiceCalls: 503 service-unavailable
        await client.get(closed)
    with pytest.raises(httpx.ReadTimeout):  # ServiceCalls: 504 service-timeout
        await client.get("/slow", timeout=httpx.Timeout(5, read=0.3))
    # The pool is still good after both.
    assert (await client.get("/echo/ok")).status_code == 200
