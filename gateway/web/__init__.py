"""The server-rendered web UI of the gateway: pages per role, in Kazakh, Russian and English."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.web.client import ServiceError
from gateway.web.i18n import choose_language, load_catalogs
from gateway.web.view import LoginRequired, View, any_view, build_environments
from kelisim import problems, web
from kelisim.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static"


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the web UI's pages and static files (catalogs are compiled here, at build time)."""
    from gateway.web.pages import (
        account,
        admin,
        admin_keys,
        admin_mail,
        admin_rules,
        analytics,
        case_detail,
        case_exports,
        cases,
        council_minutes,
        councils,
        home,
        inbox,
        library,
        oversight,
        practice,
        public,
    )

    app.state.web_catalogs = load_catalogs()
    app.state.web_envs = build_environments(app.state.web_catalogs)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        home,
        account,
        practice,
        cases,
        case_detail,
        case_exports,
        oversight,
        inbox,
        councils,
        council_minutes,
        admin,
        admin_keys,
        admin_rules,
        admin_mail,
        analytics,
        library,
        public,
    ):
        web.include(app, module.router)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/login?next=" + quote(exc.next_path, safe="/"), status_code=303)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        view = await any_view(request)
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return error_page(request, view, exc.status, exc.kind)

    @app.exception_handler(StarletteHTTPException)
    async def _no_such_page(request: Request, exc: StarletteHTTPException) -> Response:
        """A mistyped or stale address opened in a browser gets a page in the visitor's
        language (the public layout under /public); the API and programs keep the problem."""
        path = request.url.path
        wants_page = "text/html" in request.headers.get("accept", "")
        if not wants_page or path.startswith(MACHINE_PATHS):
            return problems.problem_response(problems.http_problem(exc), path)
        kind = problems.http_problem(exc).kind
        return error_page(request, await any_view(request), exc.status_code, kind)


# Paths whose callers are programs: they always get RFC 9457 problem details.
MACHINE_PATHS = (
    "/api/",
    "/healthz",
    "/readyz",
    "/status",
    "/metrics",
    "/openapi",
    "/docs",
    "/.well-known/",
)


def is_public(path: str) -> bool:
    """Whether a path is one of the public pages (a citizen's, with the public layout)."""
    return path == "/public" or path.startswith("/public/")


def error_page(request: Request, view: View, status: int, kind: str) -> Response:
    """A refusal as a page in the visitor's language: the public layout for a citizen's page,
    the staff layout elsewhere."""
    from gateway.web.refusals import GENERIC_PROBLEM, PROBLEMS

    message = view.translate(PROBLEMS.get(kind, GENERIC_PROBLEM))
    if is_public(request.url.path):
        public = View(request, None, view.lang)
        return public.render("public/error.html", status=status, message=message, back=None)
    return view.render("error.html", status=status, message=message, status_code=status)


async def body_too_large_page(request: Request, limit: int) -> Response:
    """A web form's upload beyond the size limit: the error page in the visitor's language,
    naming the limit in megabytes, with a link back to the form (kelisim.limits answers the
    API with its problem). A citizen's page under /public gets the public layout."""
    from gateway.web.refusals import body_too_large

    path = request.url.path
    back = _same_site_referer(request)
    if is_public(path):
        view = View(request, None, choose_language(request, None))
        back = back or f"{path}?lang={view.lang}"  # the public forms' pages answer GET
        message = body_too_large(view, limit)
        return view.render("public/error.html", status=413, message=message, back=back)
    view = await any_view(request)
    message = body_too_large(view, limit)
    return view.render("error.html", status=413, message=message, status_code=413, back=back)


def _same_site_referer(request: Request) -> str | None:
    """The page the form was sent from, when it is one of ours (path and query only; never
    `//host` or `/\\host`, which a browser reads as another site)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not re.match(r"/(?![/\\])", referer.path):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")
