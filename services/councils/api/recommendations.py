"""Routes for recommendations and their control lists."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy import and_, or_
from sqlmodel import select

from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.councils import permissions, views
from services.councils.api.common import PREFIX, body_of, create, execute, reading
from services.councils.handlers import recommendations as handlers
from services.councils.handlers.loading import get, recommendation_with_council
from services.councils.lifecycle import FINAL_RECOMMENDATION
from services.councils.models import Council, Recommendation
from services.councils.schemas import (
    RecommendationCreate,
    RecommendationPage,
    RecommendationPublic,
    ResponseCreate,
)

router = APIRouter(prefix=PREFIX, tags=["councils"])
Only = Literal["open", "overdue"]


def _control_page(
    ctx: ContextDep,
    principal: Principal,
    where: Any,
    only: Only | None,
    cursor: str | None,
    limit: int,
) -> RecommendationPage:
    """One page of a control list, ordered by due date (keyset: pass `next_cursor` back).

    An analyst sees the list without the responsible persons' names.
    """
    today = permissions.today()
    query = select(Recommendation).where(where)
    if only in ("open", "overdue"):
        query = query.where(Recommendation.status.not_in(sorted(FINAL_RECOMMENDATION)))
    if only == "overdue":
        query = query.where(Recommendation.due_date < today)
    if cursor:
        due, rec_id = _decode(cursor)
        query = query.where(
            or_(
                Recommendation.due_date > due,
                and_(Recommendation.due_date == due, Recommendation.id > rec_id),
            )
        )
    query = query.order_by(Recommendation.due_date, Recommendation.id).limit(limit + 1)
    with reading(ctx) as db:
        rows = list(db.exec(query).all())
        more = len(rows) > limit
        rows = rows[:limit]
        items = [views.recommendation_public(db, r, today, responses=False) for r in rows]
    if not permissions.sees_persons(principal):
        items = [item.model_copy(update={"responsible": ""}) for item in items]
    next_cursor = _encode(rows[-1]) if more else None
    return RecommendationPage(items=items, next_cursor=next_cursor)


def _encode(rec: Recommendation) -> str:
    raw = f"{rec.due_date.isoformat()}|{rec.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[date, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, rec_id = raw.split("|", 1)
        return date.fromisoformat(due), rec_id
    except ValueError as exc:
        raise Problem(400, "bad-cursor", "The cursor is not valid.") from exc


@router.get("/control", response_model=RecommendationPage)
def region_control_list(
    region: str,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    only: Only | None = None,
    cursor: str | None = None,
    limit: int = Query(default=50, ge=1, le=500),
):
    """The control list of a region's recommendations (`only=open|overdue` to narrow it)."""
    if not permissions.can_watch_region(principal, region):
        raise Problem(403, "forbidden", "This region is outside your scope.")
    return _control_page(ctx, principal, Recommendation.region == region, only, cursor, limit)


@router.post(
    "/items/{item_id}/recommendations", status_code=201, response_model=RecommendationPublic
)
def issue_recommendation(
    item_id: str,
    body: RecommendationCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary records a recommendation of an adopted decision."""
    cmd = handlers.IssueRecommendation(item_id, body, principal)
    return create(
        ctx,
        request,
        principal,
        handlers.issue,
        cmd,
        shape=lambda rec, db: views.recommendation_public(db, rec, permissions.today()),
        payload=body_of(body),
    )


@router.get("/recommendations/{recommendation_id}", response_model=RecommendationPublic)
def read_recommendation(recommendation_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """A recommendation with the addressee's responses."""
    with reading(ctx) as db:
        rec, council = recommendation_with_council(db, recommendation_id)
        if not permissions.can_watch_region(principal, council.region):
            permissions.require_member(db, council, principal)
        return views.recommendation_public(db, rec, permissions.today())


@router.post("/recommendations/{recommendation_id}/responses", response_model=RecommendationPublic)
def record_response(
    recommendation_id: str,
    body: ResponseCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary records the addressee's response and its status."""
    cmd = handlers.RecordResponse(recommendation_id, body, principal)
    execute(ctx, request, principal, handlers.respond, cmd)
    with reading(ctx) as db:
        return views.recommendation_public(
            db, get(db, Recommendation, recommendation_id), permissions.today()
        )


@router.get("/{council_id}/recommendations", response_model=RecommendationPage)
def council_control_list(
    council_id: str,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    only: Only | None = None,
    cursor: str | None = None,
    limit: int = Query(default=50, ge=1, le=500),
):
    """The control list of a council's recommendations, for its members and region watchers."""
    with reading(ctx) as db:
        council = get(db, Council, council_id)
        if not permissions.can_watch_region(principal, council.region):
            permissions.require_member(db, council, principal)
    return _control_page(
        ctx, principal, Recommendation.council_id == council.id, only, cursor, limit
    )
