"""Routes for recommendations and their control lists."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kelisim import pagination
from kelisim.pagination import Cursor, Limit, Page
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, reading
from kelisim.uow import UnitOfWork
from services.councils import answers, permissions, queries
from services.councils.answers import Only
from services.councils.api.common import PREFIX
from services.councils.handlers import recommendations as handlers
from services.councils.models import Council, Recommendation
from services.councils.schemas import RecommendationCreate, RecommendationPublic, ResponseCreate

router = APIRouter(prefix=PREFIX, tags=["councils"])


def recommendation_public(recommendation: Recommendation, uow: UnitOfWork) -> RecommendationPublic:
    return answers.recommendation_public(uow.session, recommendation, queries.today())


@router.get("/control", response_model=Page[RecommendationPublic])
def region_control_list(
    region: str,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    only: Only | None = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
):
    """The control list of a region's recommendations (`only=open|overdue` to narrow it).

    Ordered by due date (pass `next_cursor` back for the next page); an analyst sees it
    without the responsible persons' names.
    """
    if not permissions.can_watch_region(principal, region):
        raise Problem(403, "forbidden", "This region is outside your scope.")
    with reading(ctx) as db:
        return answers.control_page(
            db,
            Recommendation.region == region,
            only=only,
            cursor=cursor,
            limit=limit,
            persons=permissions.sees_persons(principal),
        )


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
    """The secretary records a recommendation of an adopted decision.

    It falls due on or after the session's day (422 `due-before-session` otherwise).
    """
    cmd = handlers.IssueRecommendation(principal=principal, item_id=item_id, body=body)
    return ctx.create(request, handlers.issue_recommendation, cmd, shape=recommendation_public)


@router.get("/recommendations/{recommendation_id}", response_model=RecommendationPublic)
def read_recommendation(recommendation_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """A recommendation with the addressee's responses."""
    with reading(ctx) as db:
        rec, council = queries.recommendation_with_council(db, recommendation_id)
        if not permissions.can_watch_region(principal, council.region):
            permissions.require_member(db, council, principal)
        return answers.recommendation_public(db, rec, queries.today())


@router.post("/recommendations/{recommendation_id}/responses", response_model=RecommendationPublic)
def record_response(
    recommendation_id: str,
    body: ResponseCreate,
    request: Request,
    principal: CurrentPrincipal,
    ctx: ContextDep,
):
    """The secretary records the addressee's response and its status."""
    cmd = handlers.RecordResponse(
        principal=principal, recommendation_id=recommendation_id, body=body
    )
    ctx.run(request, handlers.record_response, cmd)
    with reading(ctx) as db:
        rec = queries.get(db, Recommendation, recommendation_id)
        return answers.recommendation_public(db, rec, queries.today())


@router.get("/{council_id}/recommendations", response_model=Page[RecommendationPublic])
def council_control_list(
    council_id: str,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    only: Only | None = None,
    cursor: Cursor = None,
    limit: Limit = pagination.DEFAULT_LIMIT,
):
    """The control list of a council's recommendations, for its members and region watchers."""
    with reading(ctx) as db:
        council = queries.get(db, Council, council_id)
        if not permissions.can_watch_region(principal, council.region):
            permissions.require_member(db, council, principal)
        return answers.control_page(
            db,
            Recommendation.council_id == council.id,
            only=only,
            cursor=cursor,
            limit=limit,
            persons=permissions.sees_persons(principal),
        )
