"""The server-rendered web UI of the gateway: pages per role, in Kazakh, Russian and English."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gateway.web.client import ServiceError
from gateway.web.i18n import load_catalogs
from gateway.web.view import LoginRequired, any_view, build_environments
from kelisim import web
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
        from gateway.web.refusals import GENERIC_PROBLEM, PROBLEMS

        message = view.translate(PROBLEMS.get(exc.kind, GENERIC_PROBLEM))
        return view.render("error.html", status=exc.status, message=message, status_code=exc.status)


async def body_too_large_page(request: Request, limit: int) -> Response:
    """A web form's upload beyond the size limit: the error page in the visitor's language,
    naming the limit in megabytes (kelisim.limits answers the API with its problem)."""
    from gateway.web.refusals import BODY_TOO_LARGE

    view = await any_view(request)
    size = view.fmt.number(round(limit / 2**20, 1))
    message = view.translate(BODY_TOO_LARGE) % {"size": size}
    return view.render("error.html", status=413, message=message, status_code=413)
