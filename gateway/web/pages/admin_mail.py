"""The outgoing mail in the web UI: an admin reads the e-mails the system wrote, as sent.

In development (`Settings.mail_sink`) e-mail goes to the mail sink of `kelisim up`, never to
its recipients: the page says so, and each e-mail shows whether and when it arrived there,
with its text as delivered (kelisim/mailsink.py reads the sink's Maildir). With e-mail off (no
SMTP server, no sink: `Settings.smtp_server()` None) the page says so; each e-mail reads "not sent".
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.view import PageView
from kelisim.mailsink import delivered

router = APIRouter(include_in_schema=False)


@router.get("/admin/mail")
async def outgoing_mail(view: PageView, cursor: str = "") -> Response:
    """The latest e-mails, newest first, with their state (and their delivery to the sink)."""
    page = await view.services.get("/api/v1/notifications/emails", cursor=cursor, limit=25)
    settings = view.request.app.state.ctx.settings
    sink = await asyncio.to_thread(delivered, settings.mail_dir) if settings.mail_sink else None
    return view.render(
        "admin/mail.html",
        page=page,
        sink=sink,
        sink_folder=settings.mail_dir,
        mail_off=settings.smtp_server() is None,
    )
