"""The wire under the gateway's calls to the services: an httpx transport over aiohttp.

httpx stays the gateway's client (`gateway.calls`; tests put in-process transports in this
one's place); only the HTTP on the socket moves to aiohttp, whose parser is C. A proxied
read spent about a quarter of the gateway's CPU in httpcore's pure-Python HTTP/1.1, its
anyio streams and its per-call socket checks.

What httpx's own transport did, kept: a pool of keep-alive connections (let go before the
services' uvicorn drops them, 5 s idle, so a call never goes out on a connection the server
is closing), the connect and read timeouts of the call, bodies streamed both ways, the
answer's bytes passed on undecoded (httpx decodes them), no redirects, no cookies, no proxy
from the environment; and its exceptions, so `ServiceCalls` keeps one mapping of failures:
unreachable `ConnectError`, too slow `TimeoutException`, anything else an `HTTPError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx
from yarl import URL

from kelisim.inprocess import upload_chunks

IDLE_SECONDS = 3.0  # under uvicorn's keep-alive timeout (5 s)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One pooled aiohttp session behind any number of httpx clients (made at the first call)."""

    def __init__(self, *, connections: int = 100) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections, keepalive_timeout=IDLE_SECONDS
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes what the headers say
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("Accept-Encoding", "User-Agent"),  # httpx sets its own
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        limits = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=limits.get("pool"),  # waiting for a connection of the pool, as httpx did
            sock_connect=limits.get("connect"),
            sock_read=limits.get("read"),
        )
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        try:
            data: bytes | AsyncIterator[bytes] = request.content
        except httpx.RequestNotRead:
            data = upload_chunks(request.stream)  # an upload: on as it comes, with its length
        try:
            answer = await self._client().request(
                request.method,
                URL(str(request.url), encoded=True),  # as httpx encoded it, not again
                headers=headers,
                data=data,
                timeout=timeout,
                allow_redirects=False,
            )
        except Exception as exc:  # noqa: BLE001 - each becomes the httpx error it stands for
            raise _as_httpx(exc, request) from exc
        return httpx.Response(
            answer.status,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.raw_headers],
            stream=_Answer(answer, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Answer(httpx.AsyncByteStream):
    """An answer's body as aiohttp reads it; closing it hands the connection back."""

    def __init__(self, answer: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._answer = answer
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._answer.content.iter_any():
                yield chunk
        except Exception as exc:  # noqa: BLE001
            raise _as_httpx(exc, self._request) from exc

    async def aclose(self) -> None:
        self._answer.release()  # kept for the next call if read to the end, else closed


def _as_httpx(exc: Exception, request: httpx.Request) -> Exception:
    """The httpx error that `exc` stands for (ServiceCalls maps those to 503, 504 and 502)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(text, request=request)
    if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
        return httpx.ReadTimeout(text, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(text, request=request)
    if isinstance(exc, aiohttp.ClientError):
        return httpx.RemoteProtocolError(text, request=request)
    return exc
