"""Recommendations a decision addresses to a state body, and the addressee's responses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session as DbSession
from sqlmodel import select

from kelisim.auth import Principal
from kelisim.events.councils import (
    RecommendationImplemented,
    RecommendationIssued,
    RecommendationResponded,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.councils import lifecycle, permissions
from services.councils.handlers.loading import item_with_context, recommendation_with_council
from services.councils.models import Recommendation, RecommendationResponse
from services.councils.schemas import RecommendationCreate, ResponseCreate


def is_overdue(recommendation: Recommendation, today: date) -> bool:
    """Past its due date and not yet carried out (a final status ends the control)."""
    return (
        recommendation.status not in lifecycle.FINAL_RECOMMENDATION
        and recommendation.due_date < today
    )


@dataclass(frozen=True)
class IssueRecommendation:
    item_id: str
    recommendation: RecommendationCreate
    principal: Principal


def issue(cmd: IssueRecommendation, uow: UnitOfWork) -> Recommendation:
    """The secretary records an adopted decision's recommendation, sent to its addressee."""
    db = uow.session
    item, _, council = item_with_context(db, cmd.item_id)
    member = permissions.membership(db, council, cmd.principal)
    lifecycle.check("item", "recommend", item.vote_status, member.role if member else None)
    if not item.adopted:
        raise Problem(409, "decision-not-adopted", "Only an adopted decision recommends.")
    recommendation = Recommendation(
        council_id=council.id,
        region=council.region,
        item_id=item.id,
        **cmd.recommendation.model_dump(),
    )
    db.add(recommendation)
    uow.audit(
        "recommendation.issued",
        "recommendation",
        recommendation.id,
        after=cmd.recommendation.model_dump(mode="json"),
    )
    uow.emit(
        RecommendationIssued(
            council_id=council.id,
            recommendation_id=recommendation.id,
            region=council.region,
            addressee=recommendation.addressee,
            due_date=recommendation.due_date,
        ),
        aggregate=f"recommendation:{recommendation.id}",
    )
    return recommendation


@dataclass(frozen=True)
class RecordResponse:
    recommendation_id: str
    response: ResponseCreate
    principal: Principal


def respond(cmd: RecordResponse, uow: UnitOfWork) -> Recommendation:
    """The secretary records the addressee's response and the status it brings."""
    db = uow.session
    recommendation, council = recommendation_with_council(db, cmd.recommendation_id, lock=True)
    member = permissions.membership(db, council, cmd.principal)
    before = recommendation.status
    recommendation.status = lifecycle.check(
        "recommendation", cmd.response.status, before, member.role if member else None
    )
    db.add(recommendation)
    db.add(
        RecommendationResponse(
            recommendation_id=recommendation.id,
            status=cmd.response.status,
            text=cmd.response.text,
            recorded_by=cmd.principal.sub,
        )
    )
    uow.audit(
        "recommendation.responded",
        "recommendation",
        recommendation.id,
        before={"status": before},
        after={"status": recommendation.status, "text": cmd.response.text},
    )
    common = {
        "council_id": council.id,
        "recommendation_id": recommendation.id,
        "region": council.region,
        "status": recommendation.status,
    }
    aggregate = f"recommendation:{recommendation.id}"
    uow.emit(RecommendationResponded(**common), aggregate=aggregate)
    if recommendation.status in ("implemented", "partially_implemented"):
        uow.emit(RecommendationImplemented(**common), aggregate=aggregate)
    return recommendation


def responses_of(db: DbSession, recommendation: Recommendation) -> list[RecommendationResponse]:
    return list(
        db.exec(
            select(RecommendationResponse)
            .where(RecommendationResponse.recommendation_id == recommendation.id)
            .order_by(RecommendationResponse.recorded_at)
        ).all()
    )
