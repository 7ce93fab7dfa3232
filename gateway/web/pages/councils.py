"""Public Accord councils: members, sessions with agenda, attendance, quorum and voting,
minutes (protocols) and recommendations under control."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.i18n import local_to_utc
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect, required
from kelisim.localtime import KAZAKHSTAN
from kelisim.recommendations import SETTLED_MINUTES

router = APIRouter(include_in_schema=False)
API = "/api/v1/councils"


async def _list(view: View, errors: FormErrors | None = None, status: int = 200) -> Response:
    councils = await view.services.items(API)
    may_create = view.has("admin", "council_secretary")
    return view.render(
        "councils/list.html", status=status, councils=councils, errors=errors, may_create=may_create
    )


@router.get("/councils")
async def council_list(view: PageView) -> Response:
    """The councils the user may see (and, for an admin or a secretary, a form for a new one)."""
    return await _list(view)


@router.post("/councils/new")
async def create_council(view: FormView) -> Response:
    """Create a council; the service checks who may create one where."""
    errors = required(view, "name", "level")
    if errors:
        return await _list(view, errors, 422)
    quorum = view.field("quorum_percent").strip()
    body = {
        "name": view.field("name").strip(),
        "level": view.field("level"),
        "region": view.field("region") or None,
        "attached_to": view.field("attached_to").strip(),
        "attached_kind": view.field("attached_kind", "akimat"),
        "quorum_percent": int(quorum) if quorum.isdigit() else (quorum or None),
        "decision_rule": view.field("decision_rule", "simple"),
    }
    try:
        created = await view.services.post(API, body)
    except ServiceError as error:
        return await _list(view, form_errors(view, error), error.status)
    return redirect(f"/councils/{created['id']}")


async def _council_page(
    view: View, council_id: str, errors: dict[str, FormErrors] | None = None, status: int = 200
) -> Response:
    base = f"{API}/{council_id}"
    council = await view.services.get(base)
    try:
        members = await view.services.every(f"{base}/members")
    except ServiceError as error:
        if error.status != 403:
            raise
        # Not of this council (a secretary or member of another): its name and what it has
        # published, no forms, and the page says why, instead of "No members yet".
        members, outsider = [], True
    else:
        outsider = False
    sessions, recommendations, protocols = await asyncio.gather(
        view.services.items(f"{base}/sessions"),
        view.services.items(f"{base}/recommendations"),
        view.services.items(f"{base}/protocols", lang=view.lang),
    )
    return view.render(
        "councils/council.html",
        status=status,
        council=council,
        members=members,
        sessions=sorted(sessions, key=lambda s: s["starts_at"], reverse=True),
        recommendations=recommendations,
        protocols=protocols,
        errors=errors or {},
        is_secretary=view.has("council_secretary") and not outsider,
        outsider=outsider,
        # Membership terms are days in Kazakhstan, as the councils service reads them.
        council_today=datetime.now(KAZAKHSTAN).date(),
    )


@router.get("/councils/{council_id}")
async def council_page(council_id: str, view: PageView) -> Response:
    """A council: its members, sessions, protocols and recommendations under control."""
    return await _council_page(view, council_id)


# Steps the session page confirms once done (`?done=`), as the admin pages do.
SESSION_DONE = frozenset({"sign", "recommend"})


async def _session_page(
    view: View,
    session_id: str,
    errors: dict[str, FormErrors] | None = None,
    status: int = 200,
    done: str = "",
) -> Response:
    session = await view.services.get(f"{API}/sessions/{session_id}")
    council_id = session["council_id"]
    members, protocols, recommendations = await asyncio.gather(
        view.services.items(f"{API}/{council_id}/members"),
        view.services.items(f"{API}/{council_id}/protocols", lang=view.lang),
        view.services.items(f"{API}/{council_id}/recommendations"),
    )
    issued: dict[str, list[dict[str, Any]]] = {}
    for recommendation in recommendations:
        issued.setdefault(recommendation["item_id"], []).append(recommendation)
    council = await view.services.maybe(f"{API}/{council_id}", {"id": council_id, "name": ""})
    me = next((m for m in members if m["username"] == view.user.username), None)
    minutes = [p for p in protocols if p["session_id"] == session_id]
    corrected = {p["corrects_id"] for p in minutes}
    # The service refuses a recommendation once the newest minutes are settled (409
    # minutes-settled): a correction of the published minutes adds it, so no form till then.
    newest = next((p for p in minutes if p["id"] not in corrected), None)
    return view.render(
        "councils/session.html",
        status=status,
        session=session,
        council=council,
        members=members,
        me=me,
        protocols=minutes,
        issued=issued,
        may_recommend=newest is None or newest["status"] not in SETTLED_MINUTES,
        # Published minutes with no correction started yet: the secretary may start one.
        correctable={p["id"] for p in minutes if p["status"] == "published"} - corrected,
        errors=errors or {},
        is_secretary=view.has("council_secretary"),
        done=done if done in SESSION_DONE else "",
    )


@router.get("/councils/sessions/{session_id}")
async def session_page(session_id: str, view: PageView, done: str = "") -> Response:
    """A session: agenda, materials, attendance and quorum, voting and the minutes."""
    return await _session_page(view, session_id, done=done)


def _texts(view: View, name: str) -> dict[str, str]:
    return {view.lang: view.field(name)}


def _session_create(view: View) -> dict[str, Any]:
    return {
        "title": view.field("title"),
        "starts_at": local_to_utc(view.field("date"), view.field("time")),
        "place": view.field("place"),
        "online_link": view.field("online_link").strip() or None,
    }


def _attendance(view: View) -> dict[str, Any]:
    assert view.form is not None
    present = set(view.form.getlist("present"))
    everyone = [str(u) for u in view.form.getlist("member")]
    return {"marks": [{"username": u, "present": u in present} for u in everyone]}


Builder = Callable[[View], Any]
# action -> (required fields, API path with {id}, body builder, page kind to show again)
ACTIONS: dict[str, tuple[tuple[str, ...], str, Builder, str]] = {
    "add_member": (
        ("username", "full_name", "term_start"),
        "/{id}/members",
        lambda v: {
            "username": v.field("username").strip(),
            "full_name": v.field("full_name"),
            "role": v.field("role", "member"),
            "represents": v.field("represents"),
            "term_start": v.field("term_start"),
            "term_end": v.field("term_end") or None,
        },
        "council",
    ),
    "plan_session": (("date",), "/{id}/sessions", _session_create, "council"),
    "add_item": (
        ("title", "rapporteur"),
        "/sessions/{id}/items",
        lambda v: {
            "titles": _texts(v, "title"),
            "proposal": _texts(v, "proposal") if v.field("proposal") else {},
            "rapporteur": v.field("rapporteur"),
        },
        "session",
    ),
    "convene": ((), "/sessions/{id}/convene", lambda v: None, "session"),
    "reschedule": (
        ("date", "reason"),
        "/sessions/{id}/reschedule",
        lambda v: {
            "starts_at": local_to_utc(v.field("date"), v.field("time")),
            "place": v.field("place"),
            "reason": v.field("reason"),
        },
        "session",
    ),
    "cancel": (
        ("reason",),
        "/sessions/{id}/cancel",
        lambda v: {"reason": v.field("reason")},
        "session",
    ),
    "hold": ((), "/sessions/{id}/hold", lambda v: None, "session"),
    "close": ((), "/sessions/{id}/close", lambda v: None, "session"),
    "draft_protocol": ((), "/sessions/{id}/protocol", lambda v: None, "session"),
    "open_vote": ((), "/items/{id}/vote/open", lambda v: None, "session"),
    "close_vote": ((), "/items/{id}/vote/close", lambda v: None, "session"),
    "vote": (("choice",), "/items/{id}/votes", lambda v: {"choice": v.field("choice")}, "session"),
    "recuse": ((), "/items/{id}/recusal", lambda v: {"reason": v.field("reason")}, "session"),
    "recommend": (
        ("addressee", "text", "responsible", "due_date"),
        "/items/{id}/recommendations",
        lambda v: {
            "addressee": v.field("addressee"),
            "text": v.field("text"),
            "responsible": v.field("responsible"),
            "due_date": v.field("due_date"),
        },
        "session",
    ),
    "circulate": ((), "/protocols/{id}/circulate", lambda v: None, "session"),
    "remark": (
        ("text",),
        "/protocols/{id}/remarks",
        lambda v: {"text": v.field("text")},
        "session",
    ),
    "approve": ((), "/protocols/{id}/approve", lambda v: None, "session"),
    "sign": ((), "/protocols/{id}/sign", lambda v: None, "session"),
    "publish": ((), "/protocols/{id}/publish", lambda v: None, "session"),
    "correct": (
        ("reason",),
        "/protocols/{id}/corrections",
        lambda v: {"reason": v.field("reason")},
        "session",
    ),
    "respond": (
        ("status",),
        "/recommendations/{id}/responses",
        lambda v: {
            "status": v.field("status"),
            "text": v.field("text"),
            "reported_on": v.field("reported_on") or None,
        },
        "council",
    ),
}


# Steps that cannot be undone: the button opens a confirmation page, whose form confirms.
CONFIRMED = {
    "close": "/councils/sessions/{id}/close",
    "cancel": "/councils/sessions/{id}/cancel",
    "publish": "/councils/protocols/{id}/publish",
}


@router.get("/councils/sessions/{session_id}/close")
async def confirm_close(session_id: str, view: PageView) -> Response:
    """The confirmation of closing a session: which one, and that it cannot be undone."""
    session = await view.services.get(f"{API}/sessions/{session_id}")
    council = await view.services.get(f"{API}/{session['council_id']}")
    return view.render("councils/confirm_close.html", session=session, council=council)


async def _confirm_cancel_page(
    view: View,
    session_id: str,
    errors: dict[str, FormErrors] | None = None,
    status: int = 200,
) -> Response:
    session = await view.services.get(f"{API}/sessions/{session_id}")
    council = await view.services.get(f"{API}/{session['council_id']}")
    return view.render(
        "councils/confirm_cancel.html",
        status=status,
        session=session,
        council=council,
        errors=errors or {},
    )


@router.get("/councils/sessions/{session_id}/cancel")
async def confirm_cancel(session_id: str, view: PageView) -> Response:
    """The confirmation of cancelling a session, with the reason: it cannot be undone."""
    return await _confirm_cancel_page(view, session_id)


@router.post("/councils/attendance/{session_id}")
async def attendance(session_id: str, view: FormView) -> Response:
    """Register who is present; the service computes the quorum."""
    try:
        await view.services.call(
            "PUT", f"{API}/sessions/{session_id}/attendance", json=_attendance(view)
        )
    except ServiceError as error:
        return await _session_page(
            view, session_id, {"attendance": form_errors(view, error)}, error.status
        )
    return redirect(f"/councils/sessions/{session_id}")


@router.post("/councils/materials/{item_id}")
async def add_material(item_id: str, view: FormView) -> Response:
    """The secretary attaches a document to an agenda item (the file goes as it is)."""
    assert view.form is not None
    session_id = view.field("page_id")
    upload = view.form.get("document")
    key = f"material:{item_id}"
    if upload is None or isinstance(upload, str) or not upload.filename:
        errors = required(view, "document")
        return await _session_page(view, session_id, {key: errors}, 422)
    content = await upload.read()
    try:
        await view.services.call(
            "POST",
            f"{API}/items/{item_id}/materials",
            params={"filename": upload.filename},
            content=content,
            headers={"content-type": upload.content_type or "application/octet-stream"},
        )
    except ServiceError as error:
        return await _session_page(view, session_id, {key: form_errors(view, error)}, error.status)
    return redirect(f"/councils/sessions/{session_id}")


@router.post("/councils/do/{action}/{object_id}")
async def council_action(action: str, object_id: str, view: FormView) -> Response:
    """One step of a council's work; a refusal shows the page again with the reasons."""
    page_kind, page_id = view.field("page_kind"), view.field("page_id")
    # A refusal shows the page the form was on: a session's, its cancelling's, a council's.
    show = {"session": _session_page, "cancel_session": _confirm_cancel_page}.get(
        page_kind, _council_page
    )
    if action not in ACTIONS:
        return await show(view, page_id, status=404)
    if action in CONFIRMED and view.field("confirm") != "yes":
        return redirect(CONFIRMED[action].format(id=object_id))
    fields, path, build, _ = ACTIONS[action]
    key = f"{action}:{object_id}"
    errors = required(view, *fields)
    if errors:
        return await show(view, page_id, {key: errors}, 422)
    try:
        await view.services.post(API + path.format(id=object_id), build(view))
    except ServiceError as error:
        aliases = {
            "starts_at": "date",
            "titles": "title",
            "titles.kk": "title",
            "titles.ru": "title",
            "titles.en": "title",
        }
        return await show(view, page_id, {key: form_errors(view, error, aliases)}, error.status)
    if page_kind in ("session", "cancel_session"):
        done = f"?done={action}" if action in SESSION_DONE else ""
        return redirect(f"/councils/sessions/{page_id}{done}")
    return redirect(f"/councils/{page_id}")
