"""What every process serves besides its API: health, readiness, metrics, request ids.

It is also the one error path of every process: an exception no handler answered becomes
a problem+json 500 carrying the request id, is counted, and is logged once with its
traceback (the exception stops here, so the server does not log it a second time).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kelisim.problems import Problem, problem_response

REQUESTS = Counter("kelisim_http_requests_total", "HTTP requests", ["app", "method", "status"])
LATENCY = Histogram("kelisim_http_request_seconds", "HTTP request latency", ["app", "method"])
UNHANDLED = Counter(
    "kelisim_http_unhandled_errors_total", "Requests failed by an unhandled exception", ["app"]
)

log = structlog.get_logger("kelisim.web")

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]
StatusCheck = Callable[[], Awaitable[dict[str, Any]]]


def install(app: FastAPI, name: str, ready: ReadyCheck, status: StatusCheck | None = None) -> None:
    """Add /healthz, /readyz, /status, /metrics and a request-id middleware to an app.

    /healthz: the process answers (liveness). /readyz: it can serve (kelisim/health.py).
    /status: readiness plus what is only reported (NATS, consumers, outbox, services).
    """

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

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(RequestContext, name=name)


class RequestContext:
    """Binds the request id for logs, echoes it, counts and times the request.

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
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if status:  # the answer is on its way: it can only be cut short
                raise
            await _failed(self.name, scope, request_id)(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            method = scope["method"]
            LATENCY.labels(self.name, method).observe(time.perf_counter() - started)
            REQUESTS.labels(self.name, method, str(status or 500)).inc()


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
