"""Calls from the web UI to the services: the gateway's own pooled clients and service tokens.

The web layer reaches the services exactly as the JSON API does: the same coarse rules,
a short-lived service token for the logged-in user, the same pooled `httpx` clients.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from gateway.auth import service_token
from gateway.deps import Caller
from gateway.permissions import allowed
from gateway.proxy import ServiceProxy, service_of
from kelisim.bus.headers import TRACEPARENT, child_traceparent

log = structlog.get_logger("kelisim.gateway.web")


@dataclass
class ServiceError(Exception):
    """A refusal or failure of a service, as RFC 9457 problem details."""

    status: int
    kind: str
    detail: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_answer(cls, answer: httpx.Response) -> ServiceError:
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        kind = str(body.get("type", "")).rsplit(":", 1)[-1] or "http-error"
        errors = body.get("errors") if isinstance(body.get("errors"), list) else []
        return cls(answer.status_code, kind, body.get("detail"), errors)


class Services:
    """The logged-in user's way to the services."""

    def __init__(self, proxy: ServiceProxy, caller: Caller, traceparent: str | None) -> None:
        self.proxy = proxy
        self.caller = caller
        self.traceparent = traceparent

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """The JSON answer of a service; a ServiceError when it refuses or fails."""
        service = service_of(path)
        principal = self.caller.principal()
        if service is None or not allowed(principal.roles, path, method):
            raise ServiceError(403, "role-not-permitted")
        sent = {
            "authorization": "Bearer "
            + service_token(self.proxy.keys, self.proxy.settings, principal, service),
            "x-request-id": uuid.uuid4().hex,
            TRACEPARENT: child_traceparent(self.traceparent),
            **(headers or {}),
        }
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            answer = await self.proxy.clients[service].request(
                method, path, params=query, json=json, content=content, headers=sent
            )
        except httpx.TimeoutException as exc:
            raise ServiceError(504, "service-timeout") from exc
        except httpx.HTTPError as exc:
            log.warning("web.service_failed", service=service, error=repr(exc))
            raise ServiceError(503, "service-unavailable") from exc
        if answer.status_code >= 400:
            raise ServiceError.from_answer(answer)
        if not answer.content:
            return None
        return answer.json()

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params)

    async def maybe(self, path: str, default: Any = None, **params: Any) -> Any:
        """GET, or `default` when the service refuses or is down (a page shows what it can)."""
        try:
            return await self.get(path, **params)
        except ServiceError:
            return default

    async def items(self, path: str, **params: Any) -> list[Any]:
        """The records of a list answer (a bare list or a page with `items`); [] when refused."""
        answer = await self.maybe(path, [], **params)
        if isinstance(answer, dict):
            answer = answer.get("items", [])
        return answer if isinstance(answer, list) else []

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, json=body)
