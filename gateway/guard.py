"""The first check at the door: every request's path and query are sane before anything runs.

A control character (NUL, CR, LF, TAB, DEL, C1...) anywhere in the percent-decoded path or
query is 400 `control-character`; bytes that are not UTF-8 are 400 `bad-encoding`; a path
beyond 2 KiB or a query beyond 8 KiB is 414 `uri-too-long`. Nothing reaches the web pages,
the identity routes or the proxy (which would otherwise hand the service a URL it cannot
send: a 502) with such a request line.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from kelisim.inputs import control_character
from kelisim.problems import Problem, problem_response

MAX_PATH = 2048
MAX_QUERY = 8192
NOTHING_ALLOWED: frozenset[str] = frozenset()


def _decoded(raw: bytes, what: str) -> str:
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, "bad-encoding", f"The {what} is not UTF-8 once decoded.") from exc


def check_request_target(scope: Scope) -> None:
    """Raise the problem with this request's path or query, if any."""
    path: str = scope.get("path", "")
    raw_path: bytes = scope.get("raw_path") or path.encode("utf-8", "surrogateescape")
    raw_path = raw_path.split(b"?", 1)[0]
    query: bytes = scope.get("query_string", b"")
    if len(raw_path) > MAX_PATH or len(query) > MAX_QUERY:
        raise Problem(414, "uri-too-long", "The path or the query is too long.")
    texts = (
        ("path", path),
        ("path", _decoded(raw_path, "path")),
        ("query", _decoded(query.replace(b"+", b" "), "query")),
    )
    for what, text in texts:
        if (char := control_character(text, allowed=NOTHING_ALLOWED)) is not None:
            raise Problem(
                400,
                "control-character",
                f"The {what} contains a control character (U+{ord(char):04X}).",
            )


class RequestTargetGuard:
    """ASGI middleware: refuse a request whose path or query fails `check_request_target`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                check_request_target(scope)
            except Problem as problem:
                await problem_response(problem)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Guard every request line of the gateway."""
    app.add_middleware(RequestTargetGuard)
