"""The library of practice: home, search, a note ("useful", "like this"), the review queue.

Who opens which page is gateway/web/access.py's: every staff role but a liaison, and the
review pages for coordinators.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.view import FormView, PageView, View, form_errors, redirect

router = APIRouter(include_in_schema=False)
API = "/api/v1/analytics/library"
FILTERS = ("q", "category", "region", "outcome", "language")


def text_of(note: dict[str, Any], lang: str) -> tuple[str, dict[str, str]]:
    """The note's text in `lang` when it has one, else in the language it was written in."""
    chosen = lang if lang in note["texts"] else note["language"]
    return chosen, note["texts"][chosen]


def _shaped(view: View, notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**n, "shown": text_of(n, view.lang)[1]} for n in notes]


@router.get("/library")
async def home(view: PageView) -> Response:
    """The library's home: a search form, and per category the most useful and newest notes."""
    found = await view.services.get(API)
    shelves = [
        {**s, "most_useful": _shaped(view, s["most_useful"]), "newest": _shaped(view, s["newest"])}
        for s in found["shelves"]
    ]
    return view.render("library/home.html", shelves=shelves, filters={})


@router.get("/library/search")
async def search(
    view: PageView,
    q: str = "",
    category: str = "",
    region: str = "",
    outcome: str = "",
    language: str = "",
    cursor: str = "",
) -> Response:
    """Published notes holding every word asked for, with the filters chosen, newest first."""
    filters = {"q": q, "category": category, "region": region, "outcome": outcome}
    filters["language"] = language
    try:
        page = await view.services.get(f"{API}/notes", cursor=cursor, limit=20, **filters)
    except ServiceError as error:
        if error.status >= 500 or error.status in (401, 403):
            raise
        errors = form_errors(view, error)
        return view.render("library/search.html", filters=filters, items=[], errors=errors)
    after = page.get("next_cursor")
    return view.render(
        "library/search.html",
        filters=filters,
        items=_shaped(view, page["items"]),
        after=urlencode({**filters, "cursor": after}) if after else None,
        errors=None,
    )


@router.get("/library/notes/{note_id}")
async def note(note_id: str, view: PageView, text: str = "", marked: str = "") -> Response:
    """One published note in the reader's language (or another it has), and notes like it."""
    found = await view.services.get(f"{API}/notes/{note_id}")
    similar = await view.services.items(f"{API}/notes/{note_id}/similar")
    shown_lang, shown = text_of(found, text if text in found["texts"] else view.lang)
    return view.render(
        "library/note.html",
        note=found,
        shown=shown,
        shown_lang=shown_lang,
        similar=_shaped(view, similar),
        just_marked=bool(marked),
    )


@router.post("/library/notes/{note_id}/useful")
async def useful(note_id: str, view: FormView) -> Response:
    """Mark a note useful (once); back to the note."""
    try:
        await view.services.post(f"{API}/notes/{note_id}/useful")
    except ServiceError as error:
        if error.kind != "already-marked":
            raise
    return redirect(f"/library/notes/{note_id}?marked=1")


@router.get("/library/review")
async def queue(view: PageView, cursor: str = "", decided: str = "") -> Response:
    """Notes of other regions waiting for a review, oldest first."""
    page = await view.services.get(f"{API}/review", cursor=cursor, limit=30)
    return view.render(
        "library/queue.html",
        items=_shaped(view, page["items"]),
        after=page.get("next_cursor"),
        decided=decided if decided in ("approved", "returned") else "",
    )


async def _review_page(view: View, note_id: str, errors: Any = None, status: int = 200) -> Response:
    found = await view.services.get(f"{API}/review/{note_id}")
    return view.render("library/review.html", note=found, errors=errors, status=status)


@router.get("/library/review/{note_id}")
async def review(note_id: str, view: PageView) -> Response:
    """A note under review, in every language it has, with the approve and return forms."""
    return await _review_page(view, note_id)


@router.post("/library/review/{note_id}")
async def decide(note_id: str, view: FormView) -> Response:
    """Approve, or return with a remark; a stale page (a resubmission since) is refused."""
    decision = view.field("decision")
    body = {"decision": decision, "remark": view.field("remark")}
    try:
        await view.services.call(
            "POST", f"{API}/review/{note_id}", json=body, headers={"If-Match": view.field("etag")}
        )
    except ServiceError as error:
        if error.status >= 500 or error.status in (401, 403, 404):
            raise
        return await _review_page(view, note_id, form_errors(view, error), status=error.status)
    done = "approved" if decision == "approve" else "returned"
    return redirect(f"/library/review?decided={done}")
