"""The public pages (no login): councils by region, published protocols, recommendations to
state bodies and their execution, on-time rates, and the verification of a protocol."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from gateway.web.client import ServiceError
from gateway.web.pages.public.common import (
    PublicView,
    cached,
    fetch,
    fetch_all,
    fetch_items,
    fetch_raw,
    newest,
    page,
)
from gateway.web.refusals import body_too_large
from gateway.web.view import View, parse_date
from kelisim.clock import now
from kelisim.localtime import KAZAKHSTAN
from kelisim.recommendations import PUBLIC_STATUSES
from kelisim.regions import REGIONS

router = APIRouter(prefix="/public", include_in_schema=False)
STATUSES = PUBLIC_STATUSES


@router.get("")
async def index(view: PublicView, region: str | None = None) -> Response:
    """The councils of each region, the newest published protocols and upcoming sessions."""
    chosen = region if region in REGIONS else None
    councils, protocols, sessions = await asyncio.gather(
        fetch_items(view, "/councils", region=chosen),
        fetch_all(view, "/protocols", most=20, region=chosen),
        fetch_all(view, "/sessions", cancelled="true", region=chosen),
    )
    by_region: dict[str, list[dict]] = {}
    for council in councils:
        by_region.setdefault(council["region"] or "KZ", []).append(council)
    return page(
        view,
        "public/index.html",
        region=chosen,
        by_region=sorted(by_region.items()),
        protocols=protocols,
        sessions=sessions,
        last_modified=newest(*(p["published_at"] for p in protocols)),
    )


@router.get("/councils/{council_id}")
async def council(council_id: str, view: PublicView) -> Response:
    """A council, its published protocols, its recommendations and its upcoming sessions."""
    card, protocols, recommendations, sessions = await asyncio.gather(
        fetch(view, f"/councils/{council_id}"),
        fetch_all(view, "/protocols", most=500, council_id=council_id),
        fetch_all(view, "/recommendations", council_id=council_id),
        fetch_all(view, "/sessions", cancelled="true", council_id=council_id),
    )
    return page(
        view,
        "public/council.html",
        council=card,
        protocols=protocols,
        recommendations=recommendations,
        sessions=sessions,
        last_modified=newest(*(p["published_at"] for p in protocols)),
    )


# Before /protocols/{protocol_id}, which would take "x.pdf" for an id.
@router.get("/protocols/{protocol_id}.pdf")
async def protocol_pdf(protocol_id: str, view: PublicView) -> Response:
    """The signed PDF, byte for byte as published."""
    answer = await fetch_raw(view, f"/protocols/{protocol_id}/pdf", lang=view.lang)
    name = f"protocol-{protocol_id}-{view.lang}.pdf"
    return cached(
        view,
        answer.content,
        "application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get("/protocols/{protocol_id}")
async def protocol(protocol_id: str, view: PublicView) -> Response:
    """A published protocol as a readable page, with its signed PDFs and corrections."""
    found = await fetch(view, f"/protocols/{protocol_id}", lang=view.lang)
    return page(
        view,
        "public/protocol.html",
        protocol=found,
        last_modified=newest(found["published_at"]),
    )


def _period(view: View) -> tuple[date, date]:
    """The period asked for (?start=&end=), by default the last twelve months."""
    today = now().astimezone(KAZAKHSTAN).date()
    end = parse_date(view.request.query_params.get("end", "")) or today
    start = parse_date(view.request.query_params.get("start", "")) or end - timedelta(days=365)
    return (start, end) if start <= end else (end, start)


@router.get("/recommendations")
async def recommendations(
    view: PublicView, region: str | None = None, status: str | None = None
) -> Response:
    """Recommendations to state bodies: due date, status and the response."""
    chosen_region = region if region in REGIONS else None
    chosen_status = status if status in STATUSES else None
    items = await fetch_all(view, "/recommendations", region=chosen_region, status=chosen_status)
    return page(
        view,
        "public/recommendations.html",
        items=items,
        region=chosen_region,
        chosen_status=chosen_status,
        statuses=STATUSES,
    )


@router.get("/rates")
async def rates(view: PublicView, region: str | None = None) -> Response:
    """The on-time rate per state body and per region over a chosen period."""
    start, end = _period(view)
    chosen = region if region in REGIONS else None
    period = {"start": start.isoformat(), "end": end.isoformat()}
    by_body, by_region = await asyncio.gather(
        fetch_items(view, "/rates", by="addressee", region=chosen, **period),
        fetch_items(view, "/rates", by="region", region=chosen, **period),
    )
    return page(
        view,
        "public/rates.html",
        start=start,
        end=end,
        region=chosen,
        by_body=by_body,
        by_region=by_region,
    )


async def _verification(view: View, sha256: str) -> dict | None:
    try:
        result: dict = await fetch(view, "/verify", sha256=sha256)
    except ServiceError as error:
        if error.status in (400, 422):
            return None
        raise
    return result


@router.get("/verify")
async def verify(view: PublicView, sha256: str | None = None) -> Response:
    """Enter a protocol's hash (or follow its QR code) to learn whether it is authentic."""
    wanted = (sha256 or "").strip().lower()
    result = await _verification(view, wanted) if wanted else None
    return page(
        view,
        "public/verify.html",
        sha256=wanted,
        result=result,
        invalid=bool(wanted) and result is None,
    )


@router.post("/verify")
async def verify_upload(request: Request, view: PublicView) -> Response:
    """Upload a PDF: its SHA-256 must be one of a published protocol's signed files."""
    declared = request.headers.get("content-length", "")
    most = request.app.state.ctx.settings.max_document_bytes
    if declared.isdigit() and int(declared) > most + 64 * 1024:
        # Refused before the body is read, on the form itself: no protocol is that large.
        too_large = body_too_large(view, most)
        return view.render(
            "public/verify.html", status=413, sha256="", result=None, too_large=too_large
        )
    form = await request.form(max_files=1, max_fields=2)
    upload = form.get("document")
    digest = hashlib.sha256()
    size = 0
    if isinstance(upload, UploadFile):
        while chunk := await upload.read(64 * 1024):
            size += len(chunk)
            if size > most:
                break
            digest.update(chunk)
    if not size or size > most:
        response = view.render(
            "public/verify.html", status=422, sha256="", result=None, invalid=True
        )
        return response
    result = await _verification(view, digest.hexdigest())
    return view.render(
        "public/verify.html", sha256=digest.hexdigest(), result=result, invalid=False, uploaded=True
    )
