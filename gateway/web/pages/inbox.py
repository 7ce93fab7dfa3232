"""Everyone's notifications inbox."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.pages.practice import SOURCES
from gateway.web.view import FormView, PageView, View, redirect

router = APIRouter(include_in_schema=False)
INBOX = "/api/v1/notifications/inbox"
# What a notice links to, by the ids it carries: the first page the reader may open.
LINKS = (
    ("case_ref", "/cases/{}"),
    ("escalation_id", "/escalations"),
    ("session_id", "/councils/sessions/{}"),
    ("protocol_id", "/councils/protocols/{}"),
    ("alert_id", "/analytics/alerts/{}"),
    ("council_id", "/councils/{}"),
    # a practice note's page is under the service it was drafted in: the notice's domain
    ("note_id", "/practice-notes/{domain}/{}"),
)


def link_of(view: View, refs: dict[str, str], topic: str = "") -> str | None:
    """The page a notice is about, if the reader's role may open it."""
    domain = topic.split(".", 1)[0]
    for key, pattern in LINKS:
        if "{domain}" in pattern:
            if domain not in SOURCES:
                continue
            pattern = pattern.replace("{domain}", domain)
        if isinstance(refs.get(key), str):
            path = pattern.format(quote(refs[key], safe=""))
            if view.may(path):
                return path
    return None


@router.get("/notifications")
async def inbox(view: PageView, cursor: str = "", unread: str = "") -> Response:
    """The user's notifications, newest first, in their language."""
    page = await view.services.get(
        INBOX, cursor=cursor, limit=30, unread_only="true" if unread else ""
    )
    for item in page["items"]:
        item["link"] = link_of(view, item.get("refs") or {}, item.get("topic", ""))
    return view.render("inbox.html", page=page, unread_only=bool(unread))


@router.post("/notifications/read-all")
async def read_all(view: FormView) -> Response:
    """Mark every notification read."""
    await view.services.post(f"{INBOX}/read-all")
    return redirect("/notifications")


@router.post("/notifications/{notification_id}/read")
async def read_one(notification_id: str, view: FormView) -> Response:
    """Mark one notification read."""
    await view.services.post(f"{INBOX}/{notification_id}/read")
    return redirect("/notifications")
