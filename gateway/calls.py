"""The one way from the gateway to a service, used by the JSON API's proxy and the web UI.

`ServiceCalls.call` applies the coarse rules of gateway/permissions.py (403
`role-not-permitted`), signs a fresh service token for the user (audience = the service,
<= 60 s), passes on the request id and a child of the trace context, and sends through one
`httpx.AsyncClient` per service, over one pool of connections (`gateway.transport`), or,
for a service served in the gateway's own process, straight to its app
(`kelisim.inprocess`). A
failure to get an answer is one problem for every caller: a service that cannot be reached
is 503 `service-unavailable` (Retry-After), one that does not answer in time 504
`service-timeout`, any other failure 502 `bad-gateway`.
The service's own answer, whatever its status, is returned as it is.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterable, Mapping
from typing import Any

import httpx
import structlog
from fastapi import Request

from gateway.auth import Keys, service_token
from gateway.permissions import PROXIED_SERVICES, allowed
from gateway.transport import AiohttpTransport
from kelisim import tracing
from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.settings import Settings

log = structlog.get_logger("kelisim.gateway.calls")


def service_of(path: str) -> str | None:
    """The service that serves a public path, if any."""
    for name in PROXIED_SERVICES:
        prefix = f"/api/v1/{name}"
        if path == prefix or path.startswith(prefix + "/"):
            return name
    return None


def request_id(request: Request) -> str:
    """The id of the request being served (bound by kelisim.web's middleware), else a new one."""
    return (
        structlog.contextvars.get_contextvars().get("request_id")
        or request.headers.get("x-request-id")
        or uuid.uuid4().hex
    )


def bad_gateway(service: str) -> Problem:
    """The problem for a service whose answer could not be had or read."""
    return Problem(502, "bad-gateway", f"The {service} service failed to answer.", service=service)


class ServiceCalls:
    """Pooled HTTP clients to the services and the one call made through them."""

    def __init__(
        self,
        settings: Settings,
        keys: Keys,
        transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.settings = settings
        self.keys = keys
        timeout = httpx.Timeout(settings.proxy_timeout_seconds, connect=3.0)
        transports = transports or {}
        self.wire = AiohttpTransport()  # every service's calls, one pool (gateway/transport.py)
        self.transports = {name: transports.get(name, self.wire) for name in PROXIED_SERVICES}
        self.clients = {
            name: httpx.AsyncClient(
                base_url=settings.service_url(name),
                transport=self.transports[name],
                timeout=timeout,
                trust_env=False,
            )
            for name in PROXIED_SERVICES
        }
        self._openapi: dict[str, tuple[float, dict[str, Any]]] = {}

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()  # the shared wire closes with the first; again is a no-op

    async def call(
        self,
        request: Request,
        principal: Principal,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """The service's answer to one call made for `principal` while serving `request`.

        `url` is a public API path, optionally with its raw query string. With `stream`, the
        answer's body is not read yet: the caller reads it and closes the answer.
        """
        path = url.split("?", 1)[0]
        service = service_of(path)
        if service is None:
            raise Problem(404, "not-found", "No such API path.")
        if not allowed(principal.roles, path, method):
            raise Problem(
                403, "role-not-permitted", "Your roles do not reach this part of the API."
            )
        sent = {
            **(headers or {}),
            "x-request-id": request_id(request),
            "authorization": "Bearer "
            + service_token(self.keys, self.settings, principal, service),
        }
        tracing.inject(sent)  # also when the transport is not instrumented (in-process)
        try:
            built = self.clients[service].build_request(
                method, url, params=params, json=json, content=content, headers=sent
            )
            return await self._send(service, built, stream=stream)
        except httpx.TimeoutException as exc:
            raise Problem(
                504,
                "service-timeout",
                f"The {service} service did not answer in time; it may still carry the request "
                "out. Retry with the same Idempotency-Key: it is then done once, and the retry "
                "gets its answer.",
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
            log.warning("service_call.failed", service=service, error=repr(exc))
            raise bad_gateway(service) from exc

    async def _send(self, service: str, request: httpx.Request, *, stream: bool) -> httpx.Response:
        """One request straight to the service's transport, the answer read unless `stream`.

        The client builds the request (base URL, headers, the call's timeouts); its `send`
        is left out: it adds authentication, redirects and a cookie jar, none of which a
        call to a service has, and the jar would keep a service's `Set-Cookie` for the next
        user's calls. It was a sixteenth of a proxied read (py-spy, session 22).
        """
        if self.clients[service].is_closed:  # as httpx's send: no new pool after shutdown
            raise RuntimeError("The gateway's service clients are closed.")
        answer = await self.transports[service].handle_async_request(request)
        answer.request = request
        if not stream:
            try:
                await answer.aread()
            finally:
                await answer.aclose()
        return answer

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
