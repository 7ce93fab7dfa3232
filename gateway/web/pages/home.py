"""Login, the dashboard of each role, and the language switch."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from gateway.auth import safe_next, set_lang_pick_cookie, set_login_csrf_cookie
from gateway.identity import users
from gateway.identity.api.auth import web_login
from gateway.schemas import UserUpdate
from gateway.web.i18n import LANG_COOKIE, LANGS
from gateway.web.refusals import PROBLEMS
from gateway.web.view import AnyView, PageView, View, any_view, form_view
from kelisim import localtime
from kelisim.pagination import MAX_LIMIT
from kelisim.problems import Problem

router = APIRouter(include_in_schema=False)


def _remember_lang(view: View, response: Response) -> Response:
    if view.request.query_params.get("lang") in LANGS and view.caller is None:
        _remember_pick(view.request, response, view.lang)
    return response


def _remember_pick(request: Request, response: Response, lang: str) -> None:
    """A visitor's pick: the pages speak it from now on, and the next login saves it."""
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    set_lang_pick_cookie(response, request.app.state.ctx.settings, lang)


def _login_page(
    view: View, next_path: str, error: str | None = None, status: int = 200
) -> Response:
    cookie_carrier = Response()
    token = set_login_csrf_cookie(cookie_carrier, view.request.app.state.ctx.settings)
    response = view.render(
        "login.html", status=status, next_path=next_path, error=error, login_csrf=token
    )
    for value in cookie_carrier.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    return _remember_lang(view, response)


@router.get("/login")
async def login_form(view: AnyView, next: str = "/") -> Response:
    """The login form (a logged-in user goes straight on)."""
    if view.caller is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(view, safe_next(next))


@router.post("/login")
async def login_submit(
    request: Request,
    view: AnyView,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    """Log in; a refusal shows the login form again with the reason in the user's language.

    Only a browser (Accept: text/html) gets pages; other clients get the gateway's problem details.
    """
    ctx = request.app.state.ctx
    keys = request.app.state.keys
    login = (web_login, request, ctx, keys, username, password, csrf_token, safe_next(next))
    if "text/html" not in request.headers.get("accept", ""):
        return await run_in_threadpool(*login)
    if not username.strip() or not password:
        return _login_page(
            view, safe_next(next), view.translate(PROBLEMS["invalid-credentials"]), 422
        )
    try:
        return await run_in_threadpool(*login)
    except Problem as problem:
        message = view.translate(PROBLEMS.get(problem.kind, PROBLEMS["invalid-credentials"]))
        response = _login_page(view, safe_next(next), message, problem.status)
        if problem.headers and "Retry-After" in problem.headers:
            response.headers["Retry-After"] = problem.headers["Retry-After"]
        return response


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers that ask for /favicon.ico before reading the page's icon link."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@router.post("/ui/lang")
async def switch_language(
    request: Request, lang: str = Form(...), next: str = Form("/")
) -> Response:
    """Switch the language: saved on the user's account, or in cookies until the next login."""
    if lang not in LANGS:
        raise Problem(422, "validation-error", "Unknown language.")
    view = await any_view(request)
    if view.caller is not None:
        view = await form_view(request)
        assert view.caller is not None
        ctx = request.app.state.ctx
        user_id = view.caller.user.id

        def save() -> None:
            with ctx.uow(view.caller.actor(request)) as uow:  # type: ignore[union-attr]
                users.update_user(user_id, UserUpdate(lang=lang), uow, acting_user_id=user_id)
                uow.commit()

        await run_in_threadpool(save)
    response = RedirectResponse(safe_next(next), status_code=303)
    if view.caller is None:
        _remember_pick(request, response, lang)
    else:  # the login page after signing out speaks it too
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


async def _dashboard_data(view: View) -> dict[str, Any]:
    services = view.services
    me = view.user.username
    calls: dict[str, Any] = {}
    own_cases = view.has("mediator") and not view.has("coordinator")  # else every case read
    if own_cases:
        # A mediator's own open cases, every one of them, to show the most urgent first.
        calls["cases"] = services.maybe(
            "/api/v1/cases", {"items": []}, limit=MAX_LIMIT, active="true", mediator=me
        )
    elif view.has("mediator", "coordinator", "admin"):
        calls["cases"] = services.maybe("/api/v1/cases", {"items": []}, limit=SHOWN)
    if view.has("coordinator"):
        calls["caseload"] = services.items("/api/v1/cases/caseload")
    if view.has("liaison", "coordinator"):
        calls["feed"] = services.maybe(
            "/api/v1/notifications/feed", {"items": []}, unacknowledged="true", limit=100
        )
    if view.has("analyst", "coordinator"):
        calls["alerts"] = services.maybe("/api/v1/analytics/alerts", {"items": []}, limit=5)
    if view.has("council_secretary", "council_member", "analyst"):
        calls["councils"] = services.items("/api/v1/councils")
    if not view.has("liaison"):
        calls["inbox"] = services.maybe(
            "/api/v1/notifications/inbox", {"items": [], "unread": 0}, limit=5
        )
    results = await asyncio.gather(*calls.values())
    data = dict(zip(calls, results, strict=True))
    data["own_cases"] = own_cases
    if own_cases:
        found = data["cases"]["items"]
        data["cases"] = {**data["cases"], "items": most_urgent(found)[:SHOWN]}
        data["more_cases"] = len(found) > SHOWN or bool(data["cases"].get("next_cursor"))
    for alert in data.get("alerts", {}).get("items", []):
        alert["month"] = localtime.month(alert["period"], view.lang, heading=True)
    if view.has("council_secretary", "council_member") and data.get("councils"):
        data["sessions"] = await _upcoming_sessions(view, data["councils"][:5])
    return data


async def _upcoming_sessions(view: View, councils: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sessions of the user's councils that are not closed (nor cancelled) yet, soonest
    first."""
    lists = await asyncio.gather(
        *(view.services.items(f"/api/v1/councils/{c['id']}/sessions") for c in councils)
    )
    names = {c["id"]: c["name"] for c in councils}
    upcoming = [
        {**s, "council_name": names.get(s["council_id"], "")}
        for sessions in lists
        for s in sessions
        if s.get("status") not in ("closed", "cancelled")
    ]
    return sorted(upcoming, key=lambda s: s["starts_at"])[:10]


# The dashboard's list of cases shows this many.
SHOWN = 10
# A mediator's open cases, most urgent first: those in mediation by their term (an overdue one
# first), then the assigned ones still to start, the registered ones, the settled ones watched
# for compliance; the newest first within each.
URGENCY = {"in_mediation": 0, "assigned": 1, "registered": 2, "settled": 3}


def most_urgent(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`cases` in the order a mediator works them (`URGENCY`)."""
    newest_first = sorted(cases, key=lambda c: str(c.get("registered_at") or ""), reverse=True)
    return sorted(
        newest_first,
        key=lambda c: (
            URGENCY.get(c.get("status") or "", len(URGENCY)),
            str(c.get("deadline") or "9999") if c.get("status") == "in_mediation" else "",
        ),
    )


@router.get("/")
async def dashboard(view: PageView) -> Response:
    """The start page: what this user's roles have to do today."""
    data = await _dashboard_data(view)
    return view.render("dashboard.html", **data)
