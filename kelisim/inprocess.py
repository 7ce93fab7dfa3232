"""A call to an app served in this same process, without its loopback HTTP (`serve all`).

In the one-process shape (`kelisim serve all`, what `kelisim up` runs by default) the gateway
called each service over HTTP on 127.0.0.1: its request was written by one HTTP stack and
parsed by another in the same process, on the same event loop, under the same GIL. Through
`InProcess` the gateway's httpx client hands the request to the service's ASGI app directly,
as the service's own uvicorn server would have, and reads the answer as it comes.

What the loopback HTTP gave, kept:
- *The service's own context*: each call runs in a task of its own, started in a copy of the
  context of the service's server (its log lines name the service, as before), so nothing the
  gateway bound leaks into the service and nothing the service binds comes back.
- *Its server's life*: a service that has not started yet, or is stopping, is not reached
  (`httpx.ConnectError`, which the gateway answers 503, as a closed port was); a call under
  way is one of the server's tasks, so the server's graceful stop waits for it before the
  app's lifespan ends (and cancels it after the same grace).
- *The timeouts*: the call's read timeout bounds the wait for the answer's start and for each
  part of its body (`httpx.ReadTimeout`: the gateway's 504). The service goes on with the
  request, as it did when the gateway hung up: its next read of the request hears a
  disconnect, and what it still sends is dropped.
- *Bodies streamed both ways*, with back-pressure: an upload reaches the app as it arrives;
  the answer's body is handed over a part at a time, and the app waits while the reader has
  not taken the previous part. A `StreamingResponse` hears `http.disconnect` only when the
  reader has gone or the answer is complete, as over a socket.
- *A failure*: an app that fails after its answer is complete is logged as uvicorn logged it;
  one that fails before is a 500, or, after the answer's start, a broken answer
  (`httpx.RemoteProtocolError`, the gateway's 502).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator
from typing import Any, Protocol
from urllib.parse import unquote

import httpx
import structlog

log = structlog.get_logger("kelisim.inprocess")

CLIENT = ("127.0.0.1", 0)  # what the service saw of the gateway over loopback (its port aside)
PARTS_AHEAD = 2  # parts of an answer's body the app may send before the reader takes them


class Serving(Protocol):
    """What `InProcess` needs of a uvicorn server (`kelisim.serving.Neighbour`)."""

    started: bool
    should_exit: bool
    config: Any
    server_state: Any
    lifespan: Any
    context: contextvars.Context | None


class InProcess(httpx.AsyncBaseTransport):
    """An httpx transport that serves each request with the app of `server`, in this process."""

    def __init__(self, server: Serving, name: str) -> None:
        self.server = server
        self.name = name

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        server = self.server
        if not server.started or server.should_exit or server.context is None:
            raise httpx.ConnectError(f"The {self.name} app is not serving.", request=request)
        wait = request.extensions.get("timeout", {}).get("read")
        call = _Call(request, wait)
        task = asyncio.create_task(
            call.run(server.config.loaded_app, _scope(request, server)),
            name=f"in-process-{self.name}",
            context=server.context.copy(),
        )
        tasks = server.server_state.tasks  # the server's graceful stop waits for these
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        try:
            status, headers = await call.start()
        except BaseException:
            call.leave()
            raise
        return httpx.Response(
            status,
            headers=headers,
            stream=_Body(call),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )


def _scope(request: httpx.Request, server: Serving) -> dict[str, Any]:
    """The ASGI scope uvicorn would have made of `request` (no root path, no proxy headers)."""
    url = request.url
    raw_path = url.raw_path.split(b"?", 1)[0]
    return {
        "type": "http",
        # 2.3 as uvicorn says: a streaming answer hears a hang-up by `receive`, not by `send`.
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": (server.config.host, server.config.port),
        "client": CLIENT,
        "scheme": url.scheme,
        "method": request.method,
        "root_path": "",
        "path": unquote(raw_path.decode("ascii")),
        "raw_path": raw_path,
        "query_string": url.query,
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "state": dict(server.lifespan.state),  # as uvicorn hands each request a copy
    }


class _Call:
    """One request's exchange between the app's task and the reader of its answer."""

    def __init__(self, request: httpx.Request, wait: float | None) -> None:
        self.request = request
        self.wait = wait
        self.parts: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(PARTS_AHEAD)
        self.over = asyncio.Event()  # the answer is complete, or its reader has gone
        self.gone = False
        self.started = False
        self.complete = False
        self._body: AsyncIterator[bytes] | None = None
        self._read = False  # the request's body has been handed over to its end

    # The app's side.
    async def run(self, app: Any, scope: dict[str, Any]) -> None:
        try:
            await app(scope, self.receive, self.send)
        except BaseException as exc:
            if self.complete or self.gone:
                if not isinstance(exc, asyncio.CancelledError):
                    log.exception("in_process.app_failed", path=scope["path"])
            elif not self.started:
                await self.send(_FAILED_START)
                await self.send(_FAILED_BODY)
            else:
                await self._put("failed", exc)
            if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
                raise
        else:
            if not self.complete:
                await self._put("failed", RuntimeError("the app returned without its answer"))
        finally:
            self.over.set()

    async def receive(self) -> dict[str, Any]:
        if self._body is None:
            self._body = upload_chunks(self.request.stream)
        if not self.gone and not self.over.is_set():
            chunk = await anext(self._body, None)
            if chunk is not None:
                return {"type": "http.request", "body": chunk, "more_body": True}
            if not self._read:
                self._read = True
                return {"type": "http.request", "body": b"", "more_body": False}
        await self.over.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if self.gone:
            return  # the reader hung up: what is still sent is dropped, as on a closed socket
        kind = message["type"]
        if kind == "http.response.start":
            self.started = True
            await self._put("start", (message["status"], list(message.get("headers", []))))
        elif kind == "http.response.body":
            body = message.get("body", b"")
            if body:
                await self._put("body", body)
            if not message.get("more_body", False):
                self.complete = True
                await self._put("end", None)
                self.over.set()

    async def _put(self, kind: str, value: Any) -> None:
        if not self.gone:
            await self.parts.put((kind, value))

    # The reader's side.
    async def next(self) -> tuple[str, Any]:
        try:
            return await asyncio.wait_for(self.parts.get(), self.wait)
        except TimeoutError:
            self.leave()
            raise httpx.ReadTimeout(
                "The app did not answer in time.", request=self.request
            ) from None

    async def start(self) -> tuple[int, list[tuple[bytes, bytes]]]:
        kind, value = await self.next()
        if kind != "start":
            self.leave()
            raise _broken(value, self.request)
        return value  # type: ignore[no-any-return]

    def leave(self) -> None:
        """The reader is done with this call: the app's further sends are dropped."""
        self.gone = True
        self.over.set()
        while not self.parts.empty():  # a send waiting for room goes on, and finds us gone
            self.parts.get_nowait()


class _Body(httpx.AsyncByteStream):
    """The answer's body as the app sends it; closing it early hangs up on the app."""

    def __init__(self, call: _Call) -> None:
        self.call = call

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            kind, value = await self.call.next()
            if kind == "end":
                return
            if kind != "body":
                self.call.leave()
                raise _broken(value, self.call.request)
            yield value

    async def aclose(self) -> None:
        self.call.leave()


def _broken(error: Any, request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(f"The app's answer broke off: {error!r}", request=request)


async def upload_chunks(
    stream: httpx.SyncByteStream | httpx.AsyncByteStream,
) -> AsyncIterator[bytes]:
    """An async httpx request's body, a part at a time (also `gateway.transport`'s uploads)."""
    assert isinstance(stream, httpx.AsyncByteStream)
    async for chunk in stream:
        yield chunk


_FAILED_START = {
    "type": "http.response.start",
    "status": 500,
    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21")],
}
_FAILED_BODY = {"type": "http.response.body", "body": b"Internal Server Error"}
