"""The proxy: public API paths go unchanged to their service, with a fresh service token.

The call itself is `gateway.calls.ServiceCalls.call` (the same one the web UI makes): the
coarse rules, the service token and one mapping of failures (503 unreachable, 504 too
slow, 502 otherwise). Here only what is the JSON API's own: the user's credentials
(Authorization, cookies, CSRF header) and hop-by-hop headers never travel on; request id,
trace context, Idempotency-Key, If-Match/ETag, query string and body do.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.calls import ServiceCalls, service_of
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
    answer = await calls.call(
        request,
        caller.principal(),
        request.method,
        url,
        content=await request.body(),
        headers=headers,
    )
    out = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_RETURNED}
    return Response(answer.content, status_code=answer.status_code, headers=out)


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
