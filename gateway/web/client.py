"""Calls from the web UI to the services, through the gateway's one service call.

The web layer reaches the services exactly as the JSON API does (`gateway.calls`): the
same coarse rules, a short-lived service token for the logged-in user, the same pooled
clients and the same failures (503 unreachable, 504 too slow, 502 broken). Here a refusal
or failure becomes a `ServiceError`, which a page shows in the user's language.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request

from gateway.calls import ServiceCalls, bad_gateway, service_of
from gateway.deps import Caller
from kelisim.problems import Problem

# A page of the web UI lists at most this many records of one list (a council's sessions).
MOST_ITEMS = 2000
# A form sent twice at once: the second waits for the first's answer (then replayed to it).
TWIN = "request-in-progress"
TWIN_WAITS = 100
TWIN_WAIT_SECONDS = 0.1


@dataclass
class ServiceError(Exception):
    """A refusal or failure of a service, as RFC 9457 problem details."""

    status: int
    kind: str
    detail: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)  # the whole problem, extensions included

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
        return cls(answer.status_code, kind, body.get("detail"), errors, body)

    @classmethod
    def from_problem(cls, problem: Problem) -> ServiceError:
        return cls(problem.status, problem.kind, problem.detail)


class Services:
    """The logged-in user's way to the services."""

    def __init__(self, calls: ServiceCalls, caller: Caller, request: Request) -> None:
        self.calls = calls
        self.caller = caller
        self.request = request

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
        """The JSON answer of a service; a ServiceError when it refuses or fails.

        A call that changes something, made for a submitted form, carries an Idempotency-Key
        derived from the form's nonce, the call and how many such calls the submission made
        before it: the same form sent again (a double click, Back and send) gets the first
        answer and changes nothing. A twin still being answered is waited for.
        """
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        if method != "GET" and (key := self._form_key(method, path)) is not None:
            headers = {"Idempotency-Key": key, **(headers or {})}
        for _ in range(TWIN_WAITS):
            try:
                answer = await self.calls.call(
                    self.request,
                    self.caller.principal(),
                    method,
                    path,
                    params=query,
                    json=json,
                    content=content,
                    headers=headers,
                )
            except Problem as problem:
                raise ServiceError.from_problem(problem) from problem
            twin = answer.status_code == 409 and ServiceError.from_answer(answer).kind == TWIN
            if not twin:
                break
            await asyncio.sleep(TWIN_WAIT_SECONDS)
        if answer.status_code >= 400:
            raise ServiceError.from_answer(answer)
        if not answer.content:
            return None
        try:
            return answer.json()
        except ValueError as exc:
            problem = bad_gateway(service_of(path) or "")
            raise ServiceError.from_problem(problem) from exc

    def _form_key(self, method: str, path: str) -> str | None:
        state = self.request.state
        nonce = getattr(state, "form_nonce", None)
        if nonce is None:
            return None
        if not hasattr(state, "form_calls"):
            state.form_calls = Counter()  # the submission's calls so far, by method and path
        made: Counter[tuple[str, str]] = state.form_calls
        nth = made[method, path]
        made[method, path] += 1
        return hashlib.sha256(f"{nonce}:{method}:{path}:{nth}".encode()).hexdigest()

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=params)

    async def maybe(self, path: str, default: Any = None, **params: Any) -> Any:
        """GET, or `default` when the service refuses or is down (a page shows what it can)."""
        try:
            return await self.get(path, **params)
        except ServiceError:
            return default

    async def every(self, path: str, **params: Any) -> list[Any]:
        """The records of a list (the one envelope), page after page unless `limit` is given.

        Up to MOST_ITEMS records; a ServiceError when the service refuses or fails.
        """
        found: list[Any] = []
        while len(found) < MOST_ITEMS:
            answer = await self.get(path, **params)
            if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
                raise ServiceError.from_problem(bad_gateway(service_of(path) or ""))
            found += answer["items"]
            cursor = answer.get("next_cursor")
            if not cursor or "limit" in params:
                break
            params = {**params, "cursor": cursor}
        return found[:MOST_ITEMS]

    async def items(self, path: str, **params: Any) -> list[Any]:
        """`every` record of a list; [] when the service refuses or is down."""
        try:
            return await self.every(path, **params)
        except ServiceError:
            return []

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, json=body)
