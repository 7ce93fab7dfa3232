"""The proxy: public API paths go unchanged to their service, with a fresh service token.

The call itself is `gateway.calls.ServiceCalls.call` (the same one the web UI makes): the
coarse rules, the service token and one mapping of failures (503 unreachable, 504 too
slow, 502 otherwise). Here only what is the JSON API's own: the user's credentials
(Authorization, cookies, CSRF header) and hop-by-hop headers never travel on; request id,
trace context, Idempotency-Key, If-Match/ETag, query string and body do. Small bodies are
read whole; large ones (uploads, documents, exports) stream through in both directions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request, Response
from starlette.responses import StreamingResponse

from gateway.calls import ServiceCalls, bad_gateway, service_of
from gateway.deps import Caller, CurrentCaller
from gateway.permissions import PROXIED_SERVICES
from kelisim.problems import Problem

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
NOT_FORWARDED = HOP_BY_HOP | {
    "host",
    "content-length",
    "authorization",
    "cookie",
    "x-csrf-token",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
}
# Bodies up to this size are read whole (one write each way); larger ones are streamed.
IN_MEMORY = 256 * 1024
NOT_RETURNED = HOP_BY_HOP | {"content-length", "content-encoding", "set-cookie", "server", "date"}


def _is_feed(path: str) -> bool:
    feed = "/api/v1/notifications/feed"
    return path == feed or path.startswith(feed + "/")


async def forward(calls: ServiceCalls, request: Request, caller: Caller) -> Response:
    """Pass one public API call on to its service and its answer back."""
    path = request.url.path
    if service_of(path) is None:
        raise Problem(404, "not-found", "No such API path.")
    if any(seg in (".", "..") for seg in path.split("/")):
        raise Problem(400, "bad-path", "Dot segments are not allowed in API paths.")
    if caller.via == "api_key" and "liaison" in caller.user.roles and not _is_feed(path):
        raise Problem(403, "role-not-permitted", "A liaison's API key reaches only the feed.")

    headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
    for name in request.headers.get("connection", "").split(","):
        headers.pop(name.strip().lower(), None)
    url = path + (f"?{request.url.query}" if request.url.query else "")
    body = await _body(request, headers)
    answer = await calls.call(
        request, caller.principal(), request.method, url, content=body, headers=headers, stream=True
    )
    out = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_RETURNED}
    length = answer.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > IN_MEMORY:
        # A large or unsized answer (a document, an export) goes on as it comes.
        return StreamingResponse(_relay(answer), status_code=answer.status_code, headers=out)
    try:
        content = await answer.aread()
    except httpx.HTTPError as exc:
        raise bad_gateway(service_of(path) or "") from exc
    finally:
        await answer.aclose()
    return Response(content, status_code=answer.status_code, headers=out)


async def _relay(answer: httpx.Response) -> AsyncIterator[bytes]:
    """The answer's body as it arrives; its connection goes back to the pool in every case."""
    try:
        async for chunk in answer.aiter_bytes():
            yield chunk
    finally:
        await answer.aclose()


async def _body(request: Request, headers: dict[str, str]) -> bytes | AsyncIterator[bytes]:
    """The request body: read when small, else streamed on with its length (an upload)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > IN_MEMORY:
        headers["content-length"] = length
        return request.stream()
    return await request.body()


def proxy_router() -> APIRouter:
    """Routes that hand every method under each service's prefix to the proxy."""
    router = APIRouter()
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    async def proxied(request: Request, caller: CurrentCaller) -> Response:
        return await forward(request.app.state.calls, request, caller)

    for name in PROXIED_SERVICES:
        for path in (f"/api/v1/{name}", f"/api/v1/{name}/{{rest:path}}"):
            router.add_api_route(
                path, proxied, methods=methods, include_in_schema=False, name=f"proxy-{name}"
            )
    return router
