"""The public read API: what the gateway's /public pages and feeds show, published data only.

Every route is GET and answers from services/councils/public.py, which starts from published
protocols. A caller needs a gateway token (any principal: the gateway's public pages call
with a token of the role `public`, which reaches nothing else); nothing here names a user.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import col, select

from kelisim import pagination
from kelisim.pagination import Cursor, Limit, Page
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading
from services.councils import public
from services.councils.api.common import PREFIX
from services.councils.minutes.document import view
from services.councils.minutes.publication import facts_of
from services.councils.models import Council
from services.councils.queries import get

router = APIRouter(prefix=f"{PREFIX}/public", tags=["public"])
Region = Annotated[str | None, Query(pattern=r"^KZ(-\d{2})?$")]
Lang = Literal["kk", "ru", "en"]
Sha256 = Annotated[str, Query(pattern=r"^[0-9a-f]{64}$")]


@router.get("/councils", response_model=Page[public.PublicCouncil])
def councils(_: CurrentPrincipal, ctx: ContextDep, region: Region = None):
    """The councils (of a region), by region and name (one page: a few a region)."""
    with reading(ctx) as db:
        query = select(Council)
        if region:
            query = query.where(Council.region == region)
        rows = db.exec(query.order_by(col(Council.region), col(Council.name))).all()
        return Page[public.PublicCouncil](
            items=[public.PublicCouncil.model_validate(c, from_attributes=True) for c in rows]
        )


@router.get("/councils/{council_id}", response_model=public.PublicCouncil)
def council(council_id: str, _: CurrentPrincipal, ctx: ContextDep):
    """A council's card."""
    with reading(ctx) as db:
        return public.PublicCouncil.model_validate(
            get(db, Council, council_id), from_attributes=True
        )


@router.get("/protocols", response_model=Page[public.PublicProtocolSummary])
def protocols(
    _: CurrentPrincipal,
    ctx: ContextDep,
    region: Region = None,
    council_id: str | None = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
):
    """Published protocols, newest first."""
    with reading(ctx) as db:
        rows = public.published(db, region=region, council_id=council_id)
        found = pagination.cut(
            rows,
            limit,
            cursor,
            lambda r: (r[0].published_at, r[0].id),
            (datetime, str),
            descending=True,
        )
        return Page[public.PublicProtocolSummary](
            items=[public.summary(db, *row) for row in found.items],
            next_cursor=found.next_cursor,
        )


@router.get("/protocols/{protocol_id}", response_model=public.PublicProtocol)
def protocol(protocol_id: str, _: CurrentPrincipal, ctx: ContextDep, lang: Lang = "kk"):
    """A published protocol as a readable document in `lang` (404 for anything unpublished)."""
    with reading(ctx) as db:
        rows = public.published(db, protocol_id=protocol_id)
        if not rows:
            raise Problem(404, "not-found", f"No published protocol {protocol_id}.")
        found = rows[0][0]
        assert found.sha256 is not None
        return {
            **public.summary(db, *rows[0]),
            "lang": lang,
            "document": view(
                found.content, facts_of(db, found, found.sha256, found.published_at), lang
            ),
            "documents": [
                public.PublicDocument(lang=d.lang, sha256=d.sha256, size=d.size)
                for d in public.documents_of(db, protocol_id)
            ],
        }


@router.get(
    "/protocols/{protocol_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def protocol_pdf(protocol_id: str, _: CurrentPrincipal, ctx: ContextDep, lang: Lang = "kk"):
    """The signed PDF of a published protocol, as stored at publication."""
    with reading(ctx) as db:
        found = public.document(db, protocol_id, lang)
        if found is None:
            raise Problem(404, "not-found", f"No published protocol {protocol_id}.")
        return Response(
            found.content,
            media_type="application/pdf",
            headers={"ETag": f'"{found.sha256}"', "X-Content-SHA256": found.sha256},
        )


@router.get("/recommendations", response_model=Page[public.PublicRecommendation])
def recommendations(
    _: CurrentPrincipal,
    ctx: ContextDep,
    region: Region = None,
    council_id: str | None = None,
    addressee: str | None = None,
    status: public.PublicStatus | None = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
):
    """Recommendations of published decisions with their status and responses, by due date."""
    with reading(ctx) as db:
        found = public.recommendations(
            db, region=region, council_id=council_id, addressee=addressee, status=status
        )
    # The status is computed per recommendation (responses, today), so the page is cut after.
    return pagination.cut(found, limit, cursor, lambda r: (r.due_date, r.id), (date, str))


@router.get("/rates", response_model=Page[public.PublicRate])
def rates(
    _: CurrentPrincipal,
    ctx: ContextDep,
    start: date,
    end: date,
    by: Literal["addressee", "region"] = "addressee",
    region: Region = None,
):
    """The on-time rate per state body or per region, of recommendations due in the period.

    One page: a row per region or state body.
    """
    if end < start:
        raise Problem(400, "bad-period", "The period ends before it starts.")
    with reading(ctx) as db:
        found = public.rates(public.recommendations(db, region=region), by, start, end)
    return Page[public.PublicRate](items=found)


@router.get("/sessions", response_model=Page[public.PublicSession])
def sessions(
    _: CurrentPrincipal,
    ctx: ContextDep,
    region: Region = None,
    council_id: str | None = None,
    cancelled: bool = Query(
        default=False, description="Also the upcoming sessions called off (for calendars)."
    ),
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
):
    """Upcoming sessions by start: title, time, place, council and calendar sequence."""
    with reading(ctx) as db:
        found = public.upcoming_sessions(
            db, cancelled=cancelled, region=region, council_id=council_id
        )
    return pagination.cut(found, limit, cursor, lambda s: (s.starts_at, s.id), (datetime, str))


@router.get("/verify", response_model=public.Verification)
def verify(sha256: Sha256, _: CurrentPrincipal, ctx: ContextDep):
    """Whether a SHA-256 is a published protocol's or one of its signed PDF files'."""
    with reading(ctx) as db:
        return public.verify(db, sha256)
