"""Recommendations a decision addresses to a state body, and the addressee's responses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from kelisim.commands import Command
from kelisim.events.councils import (
    RecommendationImplemented,
    RecommendationIssued,
    RecommendationResponded,
)
from kelisim.localtime import local_date
from kelisim.problems import Problem
from kelisim.recommendations import SETTLED_MINUTES
from kelisim.uow import UnitOfWork
from services.councils import lifecycle, permissions, queries, rules
from services.councils.models import Protocol, Recommendation, RecommendationResponse
from services.councils.queries import item_with_context, recommendation_with_council
from services.councils.schemas import RecommendationCreate, ResponseCreate


@dataclass(frozen=True, kw_only=True)
class IssueRecommendation(Command):
    item_id: str
    body: RecommendationCreate


def issue_recommendation(cmd: IssueRecommendation, uow: UnitOfWork) -> Recommendation:
    """The secretary records an adopted decision's recommendation, sent to its addressee."""
    db = uow.session
    item, session, council = item_with_context(db, cmd.item_id)
    member = permissions.membership(db, council, cmd.principal)
    lifecycle.check("item", "recommend", item.vote_status, member.role if member else None)
    if not item.adopted:
        raise Problem(409, "decision-not-adopted", "Only an adopted decision recommends.")
    minutes = db.exec(
        select(Protocol.status)
        .where(Protocol.session_id == session.id)
        .order_by(col(Protocol.drafted_at).desc())
        .limit(1)
    ).first()
    if minutes in SETTLED_MINUTES:
        raise Problem(
            409,
            "minutes-settled",
            "The session's minutes are approved: a recommendation is added with a correction "
            "of the published minutes, which prints it.",
            minutes_status=minutes,
        )
    # Nothing is due before the decision: not before the session's day in Kazakhstan (the
    # day it was planned for, or the day it was held if that came earlier).
    first_day = local_date(rules.sat_at(session.starts_at, session.held_at))
    if cmd.body.due_date < first_day:
        raise Problem(
            422,
            "due-before-session",
            f"The due date is before the session ({first_day.isoformat()}).",
            session_day=first_day.isoformat(),
        )
    recommendation = Recommendation(
        council_id=council.id,
        region=council.region,
        item_id=item.id,
        **cmd.body.model_dump(),
    )
    db.add(recommendation)
    uow.audit(
        "recommendation.issued",
        "recommendation",
        recommendation.id,
        after=cmd.body.model_dump(mode="json"),
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


@dataclass(frozen=True, kw_only=True)
class RecordResponse(Command):
    recommendation_id: str
    body: ResponseCreate


def record_response(cmd: RecordResponse, uow: UnitOfWork) -> Recommendation:
    """The secretary records the addressee's response and the status it brings."""
    db = uow.session
    recommendation, council = recommendation_with_council(db, cmd.recommendation_id, lock=True)
    member = permissions.membership(db, council, cmd.principal)
    before = recommendation.status
    recommendation.status = lifecycle.check(
        "recommendation", cmd.body.status, before, member.role if member else None
    )
    reported_on = _reported_on(cmd.body.reported_on, recommendation)
    db.add(recommendation)
    db.add(
        RecommendationResponse(
            recommendation_id=recommendation.id,
            status=cmd.body.status,
            text=cmd.body.text,
            reported_on=reported_on,
            recorded_by=cmd.principal.sub,
        )
    )
    uow.audit(
        "recommendation.responded",
        "recommendation",
        recommendation.id,
        before={"status": before},
        after={
            "status": recommendation.status,
            "text": cmd.body.text,
            "reported_on": reported_on.isoformat(),
        },
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


def _reported_on(day: date | None, recommendation: Recommendation) -> date:
    """The day the addressee reported: today when not given, never in the future nor before
    the recommendation was issued (days in Kazakhstan)."""
    today = queries.today()
    issued = local_date(recommendation.issued_at)
    if day is None:
        return today
    if day > today:
        raise Problem(
            422,
            "reported-in-future",
            f"The day the addressee reported is after today ({today.isoformat()}).",
            today=today.isoformat(),
        )
    if day < issued:
        raise Problem(
            422,
            "reported-before-issued",
            f"The day the addressee reported is before the recommendation was issued "
            f"({issued.isoformat()}).",
            issued_on=issued.isoformat(),
        )
    return day
