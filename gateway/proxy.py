"""The proxy: public API paths go unchanged to their service, with a fresh service token.

One pooled `httpx.AsyncClient` per service. The user's own credentials (Authorization,
cookies, CSRF header) and hop-by-hop headers never travel on; request id, trace context,
Idempotency-Key, If-Match/ETag, query string and body do. A service that cannot be
reached answers 503, one that does not answer in time 504, any other failure 502.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import structlog
from fastapi import APIRouter, Request, Response

from gateway.auth import Keys, service_token
from gateway.deps import Caller, CurrentCaller
from gateway.permissions import PROXIED_SERVICES, allowed
from kelisim.bus.headers import TRACEPARENT, child_traceparent
from kelisim.problems import Problem
from kelisim.settings import Settings

log = structlog.get_logger("kelisim.gateway.proxy")

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


def service_of(path: str) -> str | None:
    """The service that serves a public path, if any."""
    for name in PROXIED_SERVICES:
        prefix = f"/api/v1/{name}"
        if path == prefix or path.startswith(prefix + "/"):
            return name
    return None


class ServiceProxy:
    """Pooled HTTP clients to the services, and the forwarding of one call."""

    def __init__(
        self,
        settings: Settings,
        keys: Keys,
        transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        timeout = httpx.Timeout(settings.proxy_timeout_seconds, connect=3.0)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        transports = transports or {}
        self.clients = {
            name: httpx.AsyncClient(
                base_url=settings.service_url(name),
                transport=transports.get(name),
                timeout=timeout,
                limits=limits,
            )
            for name in PROXIED_SERVICES
        }
        self._openapi: dict[str, tuple[float, dict[str, Any]]] = {}

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def forward(self, request: Request, caller: Caller, request_id: str) -> Response:
        """Authorise coarsely, sign a service token, pass the call on and its answer back."""
        path = request.url.path
        service = service_of(path)
        if service is None:
            raise Problem(404, "not-found", "No such API path.")
        if any(seg in (".", "..") for seg in path.split("/")):
            raise Problem(400, "bad-path", "Dot segments are not allowed in API paths.")
        principal = caller.principal()
        if not allowed(principal.roles, path, request.method):
            raise Problem(
                403, "role-not-permitted", "Your roles do not reach this part of the API."
            )
        if (
            caller.via == "api_key"
            and "liaison" in principal.roles
            and not (
                path == "/api/v1/notifications/feed"
                or path.startswith("/api/v1/notifications/feed/")
            )
        ):
            raise Problem(403, "role-not-permitted", "A liaison's API key reaches only the feed.")

        headers = {k: v for k, v in request.headers.items() if k.lower() not in NOT_FORWARDED}
        for name in request.headers.get("connection", "").split(","):
            headers.pop(name.strip().lower(), None)
        headers["x-request-id"] = request_id
        headers[TRACEPARENT] = child_traceparent(request.headers.get(TRACEPARENT))
        headers["authorization"] = "Bearer " + service_token(
            self.keys, self.settings, principal, service
        )
        url = path + (f"?{request.url.query}" if request.url.query else "")
        body = await request.body()
        try:
            answer = await self.clients[service].request(
                request.method, url, content=body, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise Problem(
                504,
                "service-timeout",
                f"The {service} service did not answer in time.",
                service=service,
            ) from exc
        except httpx.ConnectError as exc:
            raise Problem(
                503,
                "service-unavailable",
                f"The {service} service is unavailable.",
                service=service,
                headers={"Retry-After": "5"},
            ) from exc
        except Exception as exc:  # noqa: BLE001 - any other transport failure is a bad gateway
            log.warning("proxy.failed", service=service, error=repr(exc))
            raise Problem(
                502, "bad-gateway", f"The {service} service failed to answer.", service=service
            ) from exc
        out = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_RETURNED}
        return Response(answer.content, status_code=answer.status_code, headers=out)

    async def ready(self, service: str) -> bool:
        """Whether the service's /readyz says ready."""
        try:
            answer = await self.clients[service].get("/readyz", timeout=3.0)
        except Exception:  # noqa: BLE001
            return False
        return answer.status_code == 200

    async def openapi(self, service: str) -> dict[str, Any] | None:
        """The service's OpenAPI document, cached for `openapi_cache_seconds`."""
        now = time.monotonic()
        cached = self._openapi.get(service)
        if cached and now - cached[0] < self.settings.openapi_cache_seconds:
            return cached[1]
        try:
            answer = await self.clients[service].get("/openapi.json", timeout=5.0)
            answer.raise_for_status()
            doc = answer.json()
        except Exception as exc:  # noqa: BLE001
            log.warning("openapi.unavailable", service=service, error=repr(exc))
            return cached[1] if cached else None
        self._openapi[service] = (now, doc)
        return doc


def proxy_router() -> APIRouter:
    """Routes that hand every method under each service's prefix to the proxy."""
    router = APIRouter()
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    async def forward(request: Request, caller: CurrentCaller) -> Response:
        request_id = (
            structlog.contextvars.get_contextvars().get("request_id")
            or request.headers.get("x-request-id")
            or uuid.uuid4().hex
        )
        return await request.app.state.proxy.forward(request, caller, request_id)

    for name in PROXIED_SERVICES:
        for path in (f"/api/v1/{name}", f"/api/v1/{name}/{{rest:path}}"):
            router.add_api_route(
                path, forward, methods=methods, include_in_schema=False, name=f"proxy-{name}"
            )
    return router
