"""What every process serves besides its API: health, readiness, metrics, request ids.

It is also the one error path of every process: an exception no handler answered becomes
a problem+json 500 carrying the request id, is counted, and is logged once with its
traceback (the exception stops here, so the server does not log it a second time).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from kelisim.problems import Problem, problem_response

REQUESTS = Counter("kelisim_http_requests_total", "HTTP requests", ["app", "method", "status"])
LATENCY = Histogram("kelisim_http_request_seconds", "HTTP request latency", ["app", "method"])
UNHANDLED = Counter(
    "kelisim_http_unhandled_errors_total", "Requests failed by an unhandled exception", ["app"]
)

log = structlog.get_logger("kelisim.web")

ReadyCheck = Callable[[], Awaitable[dict[str, bool]]]


def install(app: FastAPI, name: str, ready: ReadyCheck) -> None:
    """Add /healthz, /readyz, /metrics and a request-id middleware to an app."""

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

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:
            response = _failed(name, request, request_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        LATENCY.labels(name, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(name, request.method, str(response.status_code)).inc()
        response.headers["X-Request-Id"] = request_id
        return response


def _failed(name: str, request: Request, request_id: str) -> Response:
    """Log (once, with the traceback), count and answer an exception nobody handled."""
    log.exception("request.failed", method=request.method, path=request.url.path)
    UNHANDLED.labels(name).inc()
    problem = Problem(
        500,
        "internal-error",
        "An unexpected error occurred; quote the request id when you report it.",
        request_id=request_id,
    )
    return problem_response(problem, request.url.path)
