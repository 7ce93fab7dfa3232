"""The coordinator's caseload and deadlines; escalations and their acknowledgement by liaisons."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.client import ServiceError
from gateway.web.view import FormView, PageView, View, form_errors, redirect
from kelisim.localtime import KAZAKHSTAN

router = APIRouter(include_in_schema=False)
FEED = "/api/v1/notifications/feed"


@router.get("/caseload")
async def caseload(view: PageView, region: str = "") -> Response:
    """The region's caseload by mediator and status, deadlines soon and overdue."""
    today = datetime.now(KAZAKHSTAN).date()
    services = view.services
    rows, soon, unassigned = await asyncio.gather(
        services.every("/api/v1/cases/caseload", region=region),
        services.maybe(
            "/api/v1/cases",
            {"items": []},
            status="in_mediation",
            region=region,
            deadline_to=(today + timedelta(days=7)).isoformat(),
            limit=100,
        ),
        services.maybe(
            "/api/v1/cases", {"items": []}, status="registered", region=region, limit=100
        ),
    )
    return view.render(
        "caseload.html",
        rows=rows,
        soon=soon["items"],
        unassigned=unassigned["items"],
        region=region,
    )


async def _feed_page(view: View, errors: dict | None = None, status: int = 200) -> Response:
    only_open = view.request.query_params.get("open") == "1"
    feed = await view.services.get(FEED, limit=200, unacknowledged="true" if only_open else "")
    items = sorted(feed["items"], key=lambda i: i["escalated_at"], reverse=True)
    return view.render(
        "escalations.html", status=status, items=items, only_open=only_open, errors=errors or {}
    )


@router.get("/escalations")
async def escalations(view: PageView) -> Response:
    """The escalations of the user's regions and whether law enforcement accepted them."""
    return await _feed_page(view)


@router.post("/escalations/{escalation_id}/ack")
async def acknowledge(escalation_id: str, view: FormView) -> Response:
    """The liaison accepts an escalation (receipt, beyond delivery)."""
    try:
        await view.services.post(f"{FEED}/{escalation_id}/ack")
    except ServiceError as error:
        return await _feed_page(view, {escalation_id: form_errors(view, error)}, error.status)
    return redirect("/escalations")
