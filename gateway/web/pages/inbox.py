"""Everyone's notifications inbox."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.view import FormView, PageView, View, redirect
from kelisim import links

router = APIRouter(include_in_schema=False)
INBOX = "/api/v1/notifications/inbox"


def link_of(view: View, refs: dict[str, str], topic: str = "") -> str | None:
    """The page a notice is about, if the reader's role may open it."""
    return links.page_of(refs, topic, view.may)


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
