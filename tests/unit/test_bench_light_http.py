"""The escalation benchmark's load client: answers read whole, connections kept while fresh."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bench import light_http
from bench.light_http import LightClient

pytestmark = pytest.mark.db_independent


class Server:
    """A raw HTTP/1.1 server: answers each request with what it got, counts its connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.close_after: int | None = None  # answers on a connection before "Connection: close"
        self.hang_up = False  # close the connection instead of answering
        self.server: asyncio.Server | None = None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                body = await reader.readexactly(int(headers.get("Content-Length", "0")))
                if self.hang_up:
                    break
                answered += 1
                closing = self.close_after is not None and answered >= self.close_after
                out = json.dumps(
                    {"request": lines[0], "body": body.decode(), "x": headers.get("X-Test")}
                ).encode()
                writer.write(
                    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                    + (b"Connection: close\r\n" if closing else b"")
                    + f"Content-Length: {len(out)}\r\n\r\n".encode()
                    + out
                )
                await writer.drain()
                if closing:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    it = Server()
    it.server = await asyncio.start_server(it.serve, "127.0.0.1", 0)
    yield it
    it.server.close()


async def test_an_answer_is_its_status_and_whole_body_and_the_connection_is_reused(server):
    client = LightClient(server.url)
    for n in range(20):
        status, body = await client.request(
            "POST", "/hooks/x", f"call {n}".encode(), {"X-Test": "y"}
        )
        assert status == 201
        assert json.loads(body) == {
            "request": "POST /hooks/x HTTP/1.1",
            "body": f"call {n}",
            "x": "y",
        }
    assert server.connections == 1
    await client.close()


async def test_calls_in_flight_get_a_connection_each_then_share_them(server):
    client = LightClient(server.url)
    answers = await asyncio.gather(*(client.request("GET", f"/{n}") for n in range(5)))
    assert [json.loads(b)["request"] for _, b in answers] == [
        f"GET /{n} HTTP/1.1" for n in range(5)
    ]
    assert server.connections == 5
    for n in range(10):
        await client.request("GET", f"/again/{n}")
    assert server.connections == 5
    await client.close()


async def test_a_connection_the_server_closes_or_that_idled_too_long_is_not_reused(
    server, monkeypatch
):
    client = LightClient(server.url)
    server.close_after = 2
    for _ in range(4):
        assert (await client.request("GET", "/"))[0] == 201
    assert server.connections == 2  # "Connection: close" after every second answer
    server.close_after = None
    monkeypatch.setattr(light_http, "IDLE_SECONDS", 0.05)
    await client.request("GET", "/")
    await asyncio.sleep(0.1)
    await client.request("GET", "/")
    assert server.connections == 4  # the idle one was let go, not written to
    await client.close()


async def test_a_connection_lost_before_the_answer_fails_the_call(server):
    client = LightClient(server.url)
    server.hang_up = True
    with pytest.raises(ConnectionError):
        await client.request("POST", "/", b"lost")
    server.hang_up = False
    assert (await client.request("POST", "/", b"next"))[0] == 201  # on a new connection
    await client.close()
