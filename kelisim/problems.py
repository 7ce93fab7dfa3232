"""RFC 9457 problem details: one stable `type` per kind of error."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:kelisim:problem:"


class Problem(Exception):
    """An error answered as problem details; `kind` becomes the stable `type`."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str | None = None,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or kind)
        self.status = status
        self.kind = kind
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.headers = headers
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.kind,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=problem.headers,
    )


_HTTP_KINDS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "too-many-requests",
}


def install(app: FastAPI) -> None:
    """Answer every error of the app as problem details."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(http_problem(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(invalid_request(exc), request.url.path)


def http_problem(exc: StarletteHTTPException) -> Problem:
    """The problem of an HTTP error the framework raised (no route, a method not allowed...)."""
    kind = _HTTP_KINDS.get(exc.status_code, "http-error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return Problem(exc.status_code, kind, detail, headers=getattr(exc, "headers", None))


def invalid_request(exc: RequestValidationError, status: int = 422, **extra: Any) -> Problem:
    """The problem of a request that failed validation, listing its `errors`."""
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    unknown = [".".join(map(str, e["loc"][1:])) for e in errors if e["type"] == "extra_forbidden"]
    detail = "The request is not valid."
    if unknown:
        detail += f" Fields this API does not know: {', '.join(unknown)}."
    return Problem(status, "validation-error", detail, errors=errors, **extra)
