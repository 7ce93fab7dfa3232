"""The read side: shaping rows into the API's answers (authorisation is the routes' job)."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlmodel import Session as DbSession
from sqlmodel import select

from services.councils import permissions, rendering
from services.councils.handlers.protocols import remarks_of
from services.councils.handlers.recommendations import is_overdue, responses_of
from services.councils.handlers.sessions import (
    agenda,
    materials,
    present_usernames,
    quorum,
    recused_usernames,
)
from services.councils.handlers.voting import votes_of
from services.councils.models import (
    AgendaItem,
    Council,
    Member,
    Protocol,
    Recommendation,
    Session,
)
from services.councils.schemas import (
    DocumentPublic,
    ItemPublic,
    ProtocolPublic,
    RecommendationPublic,
    RemarkPublic,
    ResponsePublic,
    SessionDetail,
)


def item_public(db: DbSession, item: AgendaItem) -> ItemPublic:
    return ItemPublic.model_validate(
        {
            **item.model_dump(),
            "recused": recused_usernames(db, item),
            "materials": [
                DocumentPublic.model_validate(d, from_attributes=True) for d in materials(db, item)
            ],
        }
    )


def session_detail(db: DbSession, session: Session, council: Council) -> SessionDetail:
    members = permissions.current_members(db, council.id)
    present = present_usernames(db, session, members)
    return SessionDetail.model_validate(
        {
            **session.model_dump(),
            "items": [item_public(db, i) for i in agenda(db, session)],
            "present": present,
            "absent": sorted(m.username for m in members if m.username not in present),
            "quorum": quorum(council, members, present),
        }
    )


def protocol_public(db: DbSession, protocol: Protocol, lang: str) -> ProtocolPublic:
    return ProtocolPublic.model_validate(
        {
            **protocol.model_dump(),
            "lang": lang,
            "text": rendering.render(protocol.content, lang),
            "remarks": [
                RemarkPublic.model_validate(r, from_attributes=True)
                for r in remarks_of(db, protocol)
            ],
        }
    )


def recommendation_public(
    db: DbSession, recommendation: Recommendation, today: date, *, responses: bool = True
) -> RecommendationPublic:
    return RecommendationPublic.model_validate(
        {
            **recommendation.model_dump(),
            "overdue": is_overdue(recommendation, today),
            "responses": [
                ResponsePublic.model_validate(r, from_attributes=True)
                for r in (responses_of(db, recommendation) if responses else [])
            ],
        }
    )


CSV_HEADER = [
    "item",
    "title",
    "rule",
    "entitled",
    "for",
    "against",
    "abstain",
    "adopted",
    "username",
    "full_name",
    "choice",
]


def results_csv(db: DbSession, session: Session, council: Council, lang: str) -> str:
    """The session's closed votes, one row per named vote, with each item's result."""
    names = {
        m.username: m.full_name
        for m in db.exec(select(Member).where(Member.council_id == council.id))
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for item in agenda(db, session):
        if item.vote_status != "closed":
            continue
        head = [
            item.position,
            rendering.pick(item.titles, lang),
            item.decision_rule or council.decision_rule,
            len(item.entitled or []),
            item.votes_for,
            item.votes_against,
            item.votes_abstained,
            "yes" if item.adopted else "no",
        ]
        votes = [v for v in votes_of(db, item) if v.username in (item.entitled or [])]
        for vote in votes:
            writer.writerow([*head, vote.username, names.get(vote.username, ""), vote.choice])
        if not votes:
            writer.writerow([*head, "", "", ""])
    return out.getvalue()
