"""Routes for recommendations and their control lists."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from sqlmodel import select

from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.councils import permissions, views
from services.councils.api.common import PREFIX, body_of, create, execute, reading
from services.councils.handlers import recommendations as handlers
from services.councils.handlers.loading import get, recommendation_with_council
from services.councils.handlers.recommendations import is_overdue
from services.councils.lifecycle import FINAL_RECOMMENDATION
from services.councils.models import Council, Recommendation
from services.councils.schemas import (
    RecommendationCreate,
    RecommendationPublic,
    ResponseCreate,
)

router = APIRouter(prefix=PREFIX, tags=["councils"])


def _control_list(
    recs: list[Recommendation], today: date, only: str | None
) -> list[Recommendation]:
    if only == "open":
        return [r for r in recs if r.status not in FINAL_RECOMMENDATION]
    if only == "overdue":
        return [r for r in recs if is_overdue(r, today)]
    return recs


@router.get("/control", response_model=list[RecommendationPublic])
def region_control_list(
    region: str, principal: CurrentPrincipal, ctx: ContextDep, only: str | None = None
):
    """The control list of a region's recommendations (`only=open|overdue` to narrow it)."""
    if not permissions.can_watch_region(principal, region):
        raise Problem(403, "forbidden", "This region is outside your scope.")
    today = permissions.today()
    with reading(ctx) as db:
        recs = db.exec(
            select(Recommendation)
            .where(Recommendation.region == region)
            .order_by(Recommendation.due_date)
        ).all()
        return [
            views.recommendation_public(db, r, today, responses=False)
            for r in _control_list(list(recs), today, only)
        ]


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


@router.get("/{council_id}/recommendations", response_model=list[RecommendationPublic])
def council_control_list(
    council_id: str, principal: CurrentPrincipal, ctx: ContextDep, only: str | None = None
):
    """The control list of a council's recommendations, for its members and region watchers."""
    today = permissions.today()
    with reading(ctx) as db:
        council = get(db, Council, council_id)
        if not permissions.can_watch_region(principal, council.region):
            permissions.require_member(db, council, principal)
        recs = db.exec(
            select(Recommendation)
            .where(Recommendation.council_id == council.id)
            .order_by(Recommendation.due_date)
        ).all()
        return [
            views.recommendation_public(db, r, today, responses=False)
            for r in _control_list(list(recs), today, only)
        ]
