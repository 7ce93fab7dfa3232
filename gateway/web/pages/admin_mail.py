"""The outgoing mail in the web UI: an admin reads the e-mails the system wrote, as sent."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.view import PageView

router = APIRouter(include_in_schema=False)


@router.get("/admin/mail")
async def outgoing_mail(view: PageView, cursor: str = "") -> Response:
    """The latest e-mails, newest first, with their state."""
    page = await view.services.get("/api/v1/notifications/emails", cursor=cursor, limit=25)
    return view.render("admin/mail.html", page=page)
