"""The minutes' own pages: a protocol in the reader's language, the secretary's notes editor
for drafts and correction drafts (saved with the version read, so two secretaries lose no
notes), and the confirmation of publishing."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.labels import N_
from gateway.web.view import FormErrors, FormView, PageView, View, form_errors, redirect
from kelisim.recommendations import SETTLED_MINUTES

router = APIRouter(include_in_schema=False)
API = "/api/v1/councils"


# Steps the protocol page confirms once done (`?done=`).
PROTOCOL_DONE = frozenset({"notes"})
NOTES_LANGS = ("kk", "ru", "en")
NOTES_CHANGED = N_(
    "Someone else changed the notes while you were editing them. Their notes are shown below "
    "and yours are kept in the form: take what you need from theirs and save again."
)


async def _protocol_page(
    view: View,
    protocol_id: str,
    errors: dict[str, FormErrors] | None = None,
    status: int = 200,
    done: str = "",
    conflict: bool = False,
) -> Response:
    protocol = await view.services.get(f"{API}/protocols/{protocol_id}", lang=view.lang)
    minutes = await view.services.items(f"{API}/{protocol['council_id']}/protocols", lang=view.lang)
    corrected = any(p["corrects_id"] == protocol_id for p in minutes)
    is_secretary = view.has("council_secretary")
    return view.render(
        "councils/protocol.html",
        status=status,
        protocol=protocol,
        errors=errors or {},
        may_correct=is_secretary and protocol["status"] == "published" and not corrected,
        # The service lets the secretary edit the notes until the minutes are approved: while
        # drafted, and circulated (to take in the members' remarks).
        may_edit_notes=is_secretary and protocol["status"] not in SETTLED_MINUTES,
        notes_langs=NOTES_LANGS,
        done=done if done in PROTOCOL_DONE else "",
        # Saved by someone else since this secretary's page was read: their notes are shown,
        # this secretary's text stays in the form, and the form now carries the new version.
        notes_conflict=conflict,
    )


@router.get("/councils/protocols/{protocol_id}")
async def protocol_page(protocol_id: str, view: PageView, done: str = "") -> Response:
    """The text of a protocol (minutes) in the user's language."""
    return await _protocol_page(view, protocol_id, done=done)


@router.post("/councils/protocols/{protocol_id}/notes")
async def edit_notes(protocol_id: str, view: FormView) -> Response:
    """The secretary edits the notes of unapproved minutes, in each language given; the save
    names the version the page was read at, so another secretary's save since is not lost."""
    texts = {lang: view.field(f"notes_{lang}").strip() for lang in NOTES_LANGS}
    body = {"notes": {lang: text for lang, text in texts.items() if text}}
    read_at = view.field("etag").strip()
    headers = {"If-Match": read_at} if read_at else None
    try:
        await view.services.call(
            "PATCH", f"{API}/protocols/{protocol_id}", json=body, headers=headers
        )
    except ServiceError as error:
        aliases = {f"notes.{lang}": f"notes_{lang}" for lang in NOTES_LANGS}
        found = form_errors(view, error, aliases)
        conflict = error.kind == "precondition-failed"
        if conflict:
            found.general = view.translate(NOTES_CHANGED)
        errors = {f"notes:{protocol_id}": found}
        return await _protocol_page(view, protocol_id, errors, error.status, conflict=conflict)
    return redirect(f"/councils/protocols/{protocol_id}?done=notes")


@router.get("/councils/protocols/{protocol_id}/publish")
async def confirm_publish(protocol_id: str, view: PageView) -> Response:
    """The confirmation of publishing minutes: which ones, and that it cannot be undone."""
    protocol = await view.services.get(f"{API}/protocols/{protocol_id}", lang=view.lang)
    council = await view.services.get(f"{API}/{protocol['council_id']}")
    return view.render("councils/confirm_publish.html", protocol=protocol, council=council)
