"""The API's answers: a council's records in the shapes its routes return (an agenda item, a
session with its agenda and quorum, minutes in a language, a recommendation and its follow-up,
a page of a control list, the results of a session's votes as CSV).

Read through `queries`; routes use this module, handlers never need it. Authorisation is the
callers' job.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlmodel import Session as DbSession
from sqlmodel import col, select

from kelisim import pagination, spreadsheets
from kelisim.pagination import Page
from services.councils import rendering, rules
from services.councils.lifecycle import FINAL_RECOMMENDATION
from services.councils.models import (
    AgendaItem,
    Council,
    Document,
    Member,
    Protocol,
    Recommendation,
    RecommendationResponse,
    Recusal,
    Session,
    Vote,
)
from services.councils.queries import (
    agenda,
    answer,
    by_item,
    materials,
    present_usernames,
    protocol_etag,
    quorum,
    recusals_of,
    remarks_of,
    responses_by,
    responses_of,
    session_changes,
    sitting_members,
    today,
    votes_of,
)
from services.councils.schemas import (
    DocumentPublic,
    ItemPublic,
    ProtocolPublic,
    RecommendationPublic,
    RecusalPublic,
    RemarkPublic,
    ResponsePublic,
    SessionDetail,
    VotePublic,
)

Only = Literal["open", "overdue"]


def item_public(
    db: DbSession,
    item: AgendaItem,
    recusals: list[Recusal] | None = None,
    documents: list[Document] | None = None,
    votes: list[Vote] | None = None,
) -> ItemPublic:
    """An agenda item with its recusals, materials and votes (read here unless given)."""
    cast = votes if votes is not None else votes_of(db, item)
    declared = sorted(
        recusals if recusals is not None else recusals_of(db, item), key=lambda r: r.username
    )
    return ItemPublic.model_validate(
        {
            **item.model_dump(),
            "recused": [r.username for r in declared],
            "recusals": [RecusalPublic.model_validate(r, from_attributes=True) for r in declared],
            "materials": [
                DocumentPublic.model_validate(d, from_attributes=True)
                for d in (documents if documents is not None else materials(db, item))
            ],
            "votes": [
                VotePublic.model_validate(v, from_attributes=True)
                for v in sorted(cast, key=lambda v: v.username)
            ],
        }
    )


def session_detail(db: DbSession, session: Session, council: Council) -> SessionDetail:
    """A session with its agenda, attendance and quorum."""
    members = sitting_members(db, session)
    present = present_usernames(db, session, members)
    items = agenda(db, session)
    # Recusals and materials of the whole agenda in one query each, not two per item.
    ids = [i.id for i in items]
    recusals, documents = by_item(db, Recusal, ids), by_item(db, Document, ids)
    votes = by_item(db, Vote, ids)
    return SessionDetail.model_validate(
        {
            **session.model_dump(),
            "items": [
                item_public(db, i, recusals[i.id], documents[i.id], votes[i.id]) for i in items
            ],
            "present": present,
            "absent": sorted(m.username for m in members if m.username not in present),
            "quorum": quorum(council, members, present),
            "changes": session_changes(db, session),
        }
    )


def protocol_public(db: DbSession, protocol: Protocol, lang: str) -> ProtocolPublic:
    """Minutes rendered in `lang` (as text and as a readable document), with the remarks."""
    from services.councils.minutes.document import view
    from services.councils.minutes.publication import facts_of

    sha256 = protocol.sha256 or rendering.content_sha256(protocol.content)
    facts = facts_of(db, protocol, sha256, protocol.published_at)
    return ProtocolPublic.model_validate(
        {
            **protocol.model_dump(),
            "lang": lang,
            "text": rendering.render(protocol.content, lang),
            "document": view(protocol.content, facts, lang),
            "etag": protocol_etag(protocol),
            "remarks": [
                RemarkPublic.model_validate(r, from_attributes=True)
                for r in remarks_of(db, protocol)
            ],
        }
    )


def recommendation_public(
    db: DbSession,
    recommendation: Recommendation,
    on: date,
    *,
    responses: bool = True,
    answered: list[RecommendationResponse] | None = None,
) -> RecommendationPublic:
    """A recommendation, whether it is overdue on `on`, what came of it (the public status:
    on time or late) and (unless asked not to) its responses; `answered`: its responses,
    when the caller has loaded them."""
    found = responses_of(db, recommendation) if answered is None else answered
    public_status, implemented_on = rules.follow_up(
        recommendation.due_date, [answer(r) for r in found], on
    )
    return RecommendationPublic.model_validate(
        {
            **recommendation.model_dump(),
            "overdue": rules.is_overdue(recommendation.status, recommendation.due_date, on),
            "public_status": public_status,
            "implemented_on": implemented_on,
            "responses": [
                ResponsePublic.model_validate(r, from_attributes=True)
                for r in (found if responses else [])
            ],
        }
    )


def _due_and_id(recommendation: Recommendation) -> tuple[date, str]:
    return recommendation.due_date, recommendation.id


def control_page(
    db: DbSession,
    where: Any,
    *,
    only: Only | None,
    cursor: str | None,
    limit: int,
    persons: bool,
) -> Page[RecommendationPublic]:
    """One page of a control list, ordered by due date; without names unless `persons`."""
    on = today()
    query = select(Recommendation).where(where)
    if only in ("open", "overdue"):
        query = query.where(col(Recommendation.status).not_in(sorted(FINAL_RECOMMENDATION)))
    if only == "overdue":
        query = query.where(Recommendation.due_date < on)
    if cursor:
        due, rec_id = pagination.decode(cursor, date, str)
        query = query.where(
            pagination.after([col(Recommendation.due_date), col(Recommendation.id)], [due, rec_id])
        )
    query = query.order_by(col(Recommendation.due_date), col(Recommendation.id))
    rows, next_cursor = pagination.page(db.exec(query.limit(limit + 1)).all(), limit, _due_and_id)
    answers = responses_by(db, [r.id for r in rows])
    items = [
        recommendation_public(db, r, on, responses=False, answered=answers.get(r.id, []))
        for r in rows
    ]
    if not persons:
        items = [item.model_copy(update={"responsible": ""}) for item in items]
    return Page[RecommendationPublic](items=items, next_cursor=next_cursor)


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
    rows: list[list[Any]] = [CSV_HEADER]
    for item in agenda(db, session):
        if item.vote_status != "closed":
            continue
        head = [
            item.position,
            rendering.pick(item.titles, lang),
            rules.rule_of(item.decision_rule, council.decision_rule),
            len(item.entitled or []),
            item.votes_for,
            item.votes_against,
            item.votes_abstained,
            "yes" if item.adopted else "no",
        ]
        votes = [v for v in votes_of(db, item) if v.username in (item.entitled or [])]
        for vote in votes:
            rows.append([*head, vote.username, names.get(vote.username, ""), vote.choice])
        if not votes:
            rows.append([*head, "", "", ""])
    return spreadsheets.csv_text(rows)
