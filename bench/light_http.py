"""A light HTTP/1.1 client for open-loop load: keep-alive connections, C response parsing.

The escalation benchmark posts at a fixed rate, each call a task of its own, so a slow answer
delays no other (wrk keeps a fixed number of calls in flight instead, which hides a backlog).
httpx did that at a cost the system under test paid for: about 2 ms of CPU per call on this
machine, and its pool's bookkeeping grows with the calls waiting, so under load the client
itself fell behind. Here a call is one prepared write and the answer is parsed by httptools
(uvicorn's C parser): a connection per call in flight, reused while it is fresh.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import httptools

IDLE_SECONDS = 3.0  # under uvicorn's keep-alive timeout (5 s): never reuse one it is closing


class _Wire(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its answer parsed as it arrives."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.chunks: list[bytes] = []
        self.idle_since = 0.0
        self.closed = False
        self.keep_alive = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionError("the server closed the connection"))

    # httptools' callbacks
    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        answer, self.answer = self.answer, None
        body, self.chunks = b"".join(self.chunks), []
        if answer is not None and not answer.done():
            answer.set_result((self.parser.get_status_code(), body))

    def _fail(self, exc: BaseException) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)
        self.answer = None


class LightClient:
    """POSTs and GETs to one server; `request` returns the status and the body's bytes."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self._host_header = f"{self.host}:{self.port}".encode()
        self._idle: list[_Wire] = []

    async def _wire(self) -> _Wire:
        now = time.monotonic()
        while self._idle:
            wire = self._idle.pop()
            if not wire.closed and now - wire.idle_since < IDLE_SECONDS:
                return wire
            if wire.transport is not None:
                wire.transport.close()
        _, wire = await asyncio.get_running_loop().create_connection(_Wire, self.host, self.port)
        return wire

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        head = [
            f"{method} {path} HTTP/1.1".encode(),
            b"Host: " + self._host_header,
            b"Content-Length: " + str(len(body)).encode(),
            *(f"{k}: {v}".encode() for k, v in (headers or {}).items()),
        ]
        wire = await self._wire()
        wire.answer = asyncio.get_running_loop().create_future()
        assert wire.transport is not None
        wire.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        status, answer = await wire.answer
        if not wire.closed and wire.keep_alive:
            wire.idle_since = time.monotonic()
            self._idle.append(wire)
        elif wire.transport is not None:
            wire.transport.close()
        return status, answer

    async def close(self) -> None:
        for wire in self._idle:
            if wire.transport is not None:
                wire.transport.close()
        self._idle.clear()
