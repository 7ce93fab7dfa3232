"""What every process serves besides its API: health, readiness, metrics, request ids.

One structured access line per request (`http.access`: route template, method, status,
duration, user id; never the path's values, a query string, a token or a name), with the
trace id every log line carries (kelisim.tracing).

It is also the one error path of every process: an exception no handler answered becomes
a problem+json 500 carrying the request id, is counted, and is logged once with its
traceback (the exception stops here, so the server does not log it a second time).
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import Counter, Histogram
from starlette.convertors import FloatConvertor, IntegerConvertor, StringConvertor, UUIDConvertor
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.routing import BaseRoute, Host, Match, Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kelisim import observe, preconditions, tracing
from kelisim.problems import Problem, problem_response

REQUESTS = Counter(
    "kelisim_http_requests_total", "HTTP requests", ["app", "method", "route", "status"]
)
LATENCY = Histogram(
    "kelisim_http_request_seconds", "HTTP request latency", ["app", "method", "route"]
)
# A path no route matched is one label, so scanners cannot blow up the series count.
UNMATCHED = "unmatched"
UNHANDLED = Counter(
    "kelisim_http_unhandled_errors_total", "Requests failed by an unhandled exception", ["app"]
)

log = structlog.get_logger("kelisim.web")
access_log = structlog.get_logger("kelisim.access")

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]
StatusCheck = Callable[[], Awaitable[dict[str, Any]]]
Refresh = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


def include(parent: FastAPI | APIRouter, *routers: APIRouter) -> None:
    """Add each router's routes to `parent` as they are, in order (for every app and router).

    FastAPI's `include_router` keeps the router and builds each of its routes a second time
    in the parent's context (prefix, tags, dependencies given at inclusion) at the first
    request, then on every request walks the included routers to see whether they changed:
    about 0.2 s of every start and a share of every request, for a context Kelisim never
    gives. Kelisim's routers carry their prefix and dependencies themselves, so their routes
    are already what the parent would serve. What the parent would have lent them is not
    lent: `app.dependency_overrides`, a default response class or operation-id function of
    the app's own (Kelisim uses none; its tests run real parts, not overrides).
    """
    target = parent.router if isinstance(parent, FastAPI) else parent
    for router in routers:
        if router.on_startup or router.on_shutdown:
            raise ValueError("a router with event handlers needs FastAPI's include_router")
        target.routes.extend(router.routes)


def install(
    app: FastAPI,
    name: str,
    ready: ReadyCheck,
    status: StatusCheck | None = None,
    *,
    refresh: Refresh = _nothing,
    public_metrics: bool = True,
) -> None:
    """Add /healthz, /readyz, /status, /metrics, tracing and the request middleware to an app.

    /healthz: the process answers (liveness). /readyz: it can serve (kelisim/health.py).
    /status: readiness plus what is only reported (NATS, consumers, outbox, services).
    /metrics (gauges read by `refresh` first) only when `public_metrics`: the gateway's
    public door refuses it and serves it on its metrics port (kelisim.observe).
    """
    tracing.setup(name)  # the server spans: RequestContext (tracing.serving)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = await ready()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "service": name, "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/status", include_in_schema=False)
    async def status_page() -> dict[str, Any]:
        checks = await ready()
        extra = await status() if status else {}
        return {"service": name, "ready": all(checks.values()), "checks": checks, **extra}

    if public_metrics:
        scrape = observe.scrape(refresh)

        @app.get("/metrics", include_in_schema=False)
        async def metrics(request: Request) -> Response:
            return await scrape(request)

    app.add_middleware(Conditional)
    app.add_middleware(RequestContext, name=name)
    RouteIndex.install(app.router)


def note_user(request: Request, user_id: str) -> None:
    """Name the caller (an id, never a name) for the request's access line."""
    request.state.user_id = user_id


# What a 304 keeps of the 200 it stands for (RFC 9110 §15.4.5): no body and no body headers.
_NOT_MODIFIED_KEEPS = frozenset(
    {b"etag", b"cache-control", b"last-modified", b"vary", b"expires", b"content-location"}
)


class Conditional:
    """Conditional and HEAD requests, for every route of every app (RFC 9110 §9.3.2, §13.1.2).

    A GET with `If-None-Match` that names the answer's `ETag` (weak comparison, or `*`) gets
    304 without a body; the route ran (the tag is of what it read), only the answer is not
    sent again. A HEAD is answered as its GET is, without the body: FastAPI's routes answer
    HEAD with 405 (Starlette's own routes would run the GET).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        none_match = _header(scope, b"if-none-match")
        if not head and none_match is None:
            await self.app(scope, receive, send)
            return
        silent = head

        async def sending(message: Message) -> None:
            nonlocal silent
            if message["type"] == "http.response.start":
                tag = dict(message.get("headers", [])).get(b"etag")
                if (
                    message["status"] == 200
                    and none_match is not None
                    and tag is not None
                    and _names(none_match, tag.decode("latin-1"))
                ):
                    silent = True
                    kept = [(k, v) for k, v in message["headers"] if k in _NOT_MODIFIED_KEEPS]
                    message = {**message, "status": 304, "headers": kept}
                await send(message)
            elif message["type"] == "http.response.body" and silent:
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
            else:
                await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, sending)


def _names(if_none_match: str, tag: str) -> bool:
    """Whether `If-None-Match` names `tag`; a malformed header names nothing."""
    try:
        return preconditions.not_modified(if_none_match, tag)
    except Problem:
        return False


class RequestContext:
    """Binds the request id for logs, echoes it, counts and times the request in its span.

    Plain ASGI rather than `@app.middleware("http")`: that wrapper runs the route in a second
    task and streams the answer through a memory channel, a cost paid on every request.
    """

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or os.urandom(16).hex()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        with tracing.serving(scope) as span:
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if status:  # the answer is on its way: it can only be cut short
                    raise
                span.record_exception(exc)
                await _failed(self.name, scope, request_id)(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                method, route = scope["method"], _route(scope)
                tracing.served(span, method, route, status or 500)
                LATENCY.labels(self.name, method, route).observe(seconds)
                REQUESTS.labels(self.name, method, route, str(status or 500)).inc()
                if route not in _QUIET:
                    access_log.info(
                        "http.access",
                        method=method,
                        route=route,
                        status=status or 500,
                        duration_ms=round(seconds * 1000, 1),
                        user_id=scope.get("state", {}).get("user_id"),
                    )
                structlog.contextvars.unbind_contextvars("request_id")


class RouteIndex:
    """Matches a request only against the routes that can match it, in the app's order.

    A router tries its routes one by one; the gateway's proxied API paths came after a
    hundred others, and matching them all was a twelfth of a proxied read (py-spy, session
    22). Routes are indexed by the first segment of their path when it is literal
    (`/api/...`, `/cases/...`); one that starts with a parameter, a root mount or a host
    route can match anything and is tried in its place for every path. A route of another
    segment cannot match, so the first full match among the candidates is the one the
    router would take. Within a segment, a route whose parameters cannot hold a slash
    matches only paths of as many segments, and only paths ending in its last segment when
    that is literal: the others are skipped without running their patterns (every route of
    a service starts with `/api`: an escalation tried three dozen). Anything else (no route,
    a wrong method, a slash to redirect, a `root_path`, a websocket) goes to the router's
    own loop, which answers as it always did. Routes added later are indexed again at their
    first request.
    """

    def __init__(self, router: Router) -> None:
        self.router = router
        self.loop = router.app
        self._seen: tuple[int, int] = (0, -1)
        self._index: dict[str, tuple[_Entry, ...]] = {}
        self._anywhere: tuple[_Entry, ...] = ()

    @classmethod
    def install(cls, router: Router) -> None:
        """Put the index in front of a router's loop (not of a router with middleware)."""
        if router.middleware_stack == router.app:
            router.middleware_stack = cls(router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            path: str = scope["path"]
            segments, last = path.count("/") + 1, path.rsplit("/", 1)[-1]
            for route, count, literal in self._candidates(path):
                if (count is not None and count != segments) or (
                    literal is not None and literal != last
                ):
                    continue  # its pattern cannot match a path of this shape
                match, child_scope = route.matches(scope)
                if match == Match.FULL:
                    scope.setdefault("router", self.router)
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await self.loop(scope, receive, send)

    def _candidates(self, path: str) -> tuple[_Entry, ...]:
        routes = self.router.routes
        if self._seen != (id(routes), len(routes)):
            self._build(routes)
        return self._index.get(path.split("/", 2)[1] if "/" in path else "", self._anywhere)

    def _build(self, routes: list[BaseRoute]) -> None:
        firsts = [_first_segment(route) for route in routes]
        entries = [(r, *_shape(r)) for r in routes]
        self._anywhere = tuple(e for e, first in zip(entries, firsts, strict=True) if first is None)
        self._index = {
            key: tuple(e for e, first in zip(entries, firsts, strict=True) if first in (key, None))
            for key in {first for first in firsts if first is not None}
        }
        self._seen = (id(routes), len(routes))


# A route, the number of segments of the paths it can match and its last segment when that
# is literal (None: any).
_Entry = tuple[BaseRoute, int | None, str | None]
# Convertors whose values never hold a slash (`path` does; one registered by an app may).
_ONE_SEGMENT = (StringConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)


def _shape(route: BaseRoute) -> tuple[int | None, str | None]:
    """The number of segments of the paths a route can match and its literal last segment."""
    if not isinstance(route, Route) or type(route) not in (Route, APIRoute):
        return None, None  # a mount, a host, a route class of its own: any path
    if not all(type(c) in _ONE_SEGMENT for c in route.param_convertors.values()):
        return None, None  # a path parameter: any number of segments
    segments = route.path.split("/")
    return len(segments), None if "{" in segments[-1] else segments[-1]


def _first_segment(route: BaseRoute) -> str | None:
    """The literal first segment of a route's path; None if the route may match any path."""
    path = getattr(route, "path", None)
    if isinstance(route, Host) or not isinstance(path, str) or not path.startswith("/"):
        return None
    first = path.split("/", 2)[1]
    if "{" in first or (isinstance(route, Mount) and not first):
        return None
    return first


# Probes every few seconds would bury the lines that matter; they are counted all the same.
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


def _route(scope: Scope) -> str:
    """The matched route's template (`/api/v1/cases/{case_id}`), never the path's values."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _failed(name: str, scope: Scope, request_id: str) -> Response:
    """Log (once, with the traceback), count and answer an exception nobody handled."""
    log.exception("request.failed", method=scope["method"], path=scope["path"])
    UNHANDLED.labels(name).inc()
    problem = Problem(
        500,
        "internal-error",
        "An unexpected error occurred; quote the request id when you report it.",
        request_id=request_id,
    )
    return problem_response(problem, scope["path"])
