"""The token endpoint's refusals as OAuth2 clients read them (RFC 6749 §5.2), in problem details.

An OAuth2 client reads `error` (and `error_description`) from a 400; every other client of
Kelisim reads an RFC 9457 problem. One body serves both: the problem, whose `type` stays the
kind Kelisim gives everywhere, carries `error` and `error_description` as extension members.
A wrong password and an unknown user are one answer (400 `invalid_grant`), as before; a
throttled attempt stays 429 with Retry-After (RFC 6749 has no status for it; its code is
`invalid_grant`, the grant not being accepted, so a client that knows only §5.2's codes still
understands it). The web login is not OAuth2 and keeps its own answers (gateway/web).

Every answer of the token endpoint, a token or a refusal, says `Cache-Control: no-store` and
`Pragma: no-cache` (RFC 6749 §5.1): a token must never sit in a shared or browser cache.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from kelisim.problems import Problem, invalid_request

# RFC 6749 §5.1: no cache may keep what the token endpoint answers.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# A refused login's problem kind -> its status and RFC 6749 error code at the token endpoint.
GRANT_ERRORS = {
    "invalid-credentials": (400, "invalid_grant"),
    "account-inactive": (400, "invalid_grant"),
    "too-many-login-attempts": (429, "invalid_grant"),
}


def refusal(problem: Problem) -> Problem:
    """A refused login's problem, as the token endpoint answers it."""
    status, code = GRANT_ERRORS.get(problem.kind, (problem.status, "invalid_grant"))
    headers = {k: v for k, v in (problem.headers or {}).items() if k != "WWW-Authenticate"}
    return Problem(
        status,
        problem.kind,
        problem.detail,
        headers={**headers, **NO_STORE},
        **problem.extra,
        error=code,
        error_description=problem.detail,
    )


def malformed(exc: RequestValidationError) -> Problem:
    """A token request that is not a valid password grant: 400, never 422."""
    problem = invalid_request(exc, status=400)
    if any(e["loc"][-1:] == ["grant_type"] for e in problem.extra["errors"]):
        detail = "Only the password grant is offered: grant_type=password."
        return Problem(
            400,
            "unsupported-grant-type",
            detail,
            headers=NO_STORE,
            error="unsupported_grant_type",
            error_description=detail,
        )
    fields = sorted({str(e["loc"][-1]) for e in problem.extra["errors"] if e["loc"]})
    detail = f"Not a valid password grant: {', '.join(fields) or 'the body'} missing or malformed."
    problem.detail = detail
    problem.extra.update(error="invalid_request", error_description=detail)
    problem.headers = {**(problem.headers or {}), **NO_STORE}
    return problem


class TokenRoute(APIRoute):
    """The token endpoint's route: a request that fails validation is `invalid_request`, and
    no answer may be kept by a cache."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        answer = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await answer(request)
            except RequestValidationError as exc:
                raise malformed(exc) from None
            response.headers.update(NO_STORE)
            return response

        return handler
