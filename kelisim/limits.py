"""Request body limits at every door (gateway and services): 413 `body-too-large` beyond them.

JSON bodies and forms are small (`KELISIM_MAX_JSON_BYTES`, 1 MiB by default); the routes that
take documents (`DOCUMENT_ROUTES`: council materials, the signed settlement, history imports,
the web forms that upload a material or a signed settlement) get `KELISIM_MAX_DOCUMENT_BYTES`.
A declared `Content-Length` beyond the limit is refused before a byte is read; a body without
one is counted as it arrives and refused when it passes the limit. The table lists public API
paths, the same at the gateway and at the service behind it. A web page that answers an
oversized upload itself, in its visitor's language (`OWN_ANSWER_ROUTES`), gets the declared
length through to it; its body is still counted and cut at the limit. At the gateway, every
other web page (a path outside /api/) is refused by `web_refusal`, a page in the visitor's
language; the API keeps the problem details.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kelisim.problems import Problem, problem_response
from kelisim.settings import Settings

DOCUMENT_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(pattern))
    for method, pattern in (
        ("POST", r"^/api/v1/councils/items/[^/]+/materials$"),
        ("POST", r"^/api/v1/cases/[^/]+/settlement$"),
        ("POST", r"^/api/v1/analytics/history$"),
        ("POST", r"^/councils/materials/[^/]+$"),
        ("POST", r"^/cases/[^/]+/do/settle$"),
        ("POST", r"^/public/verify$"),
    )
)

OWN_ANSWER_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (method, re.compile(pattern)) for method, pattern in (("POST", r"^/public/verify$"),)
)


# The page a web request beyond its limit gets instead of the problem (the request, the limit).
WebRefusal = Callable[[Request, int], Awaitable[Response]]


class BodyTooLarge(Problem):
    """The request body is beyond its route's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "body-too-large",
            f"The request body is larger than this route accepts ({limit} bytes).",
            limit=limit,
        )


class BodyLimit:
    """ASGI middleware: each request's body within its route's limit, else a 413 problem."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        documents: int,
        routes: Sequence[tuple[str, re.Pattern[str]]] = DOCUMENT_ROUTES,
        own_answer: Sequence[tuple[str, re.Pattern[str]]] = OWN_ANSWER_ROUTES,
        web_refusal: WebRefusal | None = None,
    ) -> None:
        self.app = app
        self.default = default
        self.documents = documents
        self.routes = routes
        self.own_answer = own_answer
        self.web_refusal = web_refusal

    def limit_for(self, method: str, path: str) -> int:
        """The largest body `method path` may carry."""
        return self.documents if _matches(self.routes, method, path) else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"").strip()
        if declared:
            if not declared.isdigit():
                await _answer(send, Problem(400, "bad-request", "Content-Length is not a number."))
                return
            if int(declared) > limit and not _matches(
                self.own_answer, scope["method"], scope["path"]
            ):
                await self._refuse(scope, receive, send, limit)
                return
        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a body it could not read is replaced below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """The 413: a web page's own refusal outside /api/ when there is one, else the problem."""
        if self.web_refusal is None or scope["path"].startswith("/api/"):
            await _answer(send, BodyTooLarge(limit))
            return
        response = await self.web_refusal(Request(scope), limit)
        await response(scope, receive, send)


def _matches(routes: Sequence[tuple[str, re.Pattern[str]]], method: str, path: str) -> bool:
    return any(method == m and pattern.match(path) for m, pattern in routes)


async def _answer(send: Send, problem: Problem) -> None:
    response = problem_response(problem)
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})


def install(app: FastAPI, settings: Settings, web_refusal: WebRefusal | None = None) -> None:
    """Bound the request bodies of an app by the settings' limits (`web_refusal`: the page
    a web request beyond them gets, at the gateway)."""
    app.add_middleware(
        BodyLimit,
        default=settings.max_json_bytes,
        documents=settings.max_document_bytes,
        web_refusal=web_refusal,
    )
