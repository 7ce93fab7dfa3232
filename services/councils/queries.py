"""The read side: loading rows (or 404), the record of sessions and votes, the API's answers.

Routes and handlers both read through here; this module never imports them. Authorisation is
the callers' job.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any, Literal, TypeVar

from sqlalchemy import bindparam
from sqlalchemy.orm import defer
from sqlmodel import Session as DbSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from kelisim import pagination, spreadsheets
from kelisim.clock import now
from kelisim.db import table_of
from kelisim.localtime import local_date
from kelisim.pagination import Page
from kelisim.problems import Problem
from services.councils import rendering, rules
from services.councils.lifecycle import FINAL_RECOMMENDATION
from services.councils.models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilsModel,
    Document,
    Member,
    Protocol,
    ProtocolRemark,
    Recommendation,
    RecommendationResponse,
    Recusal,
    Session,
    Vote,
)
from services.councils.schemas import (
    DocumentPublic,
    ItemPublic,
    ProtocolPublic,
    Quorum,
    RecommendationPublic,
    RecusalPublic,
    RemarkPublic,
    ResponsePublic,
    SessionDetail,
    VotePublic,
)

T = TypeVar("T", bound=CouncilsModel)
Only = Literal["open", "overdue"]


def today() -> date:
    """Today in Kazakhstan: membership terms and due dates are the country's calendar days,
    so a recommendation due on the 5th is overdue from midnight there, not from 05:00."""
    return local_date(now())


# --- rows, or 404 -------------------------------------------------------------------------------


@functools.cache
def _by_id(model: type[T], lock: bool) -> SelectOfScalar[T]:
    """A model's row by id, built once per model (see services/cases/queries.py)."""
    query = select(model).where(table_of(model).c.id == bindparam("id"))
    return query.with_for_update() if lock else query


def get(db: DbSession, model: type[T], entity_id: str, *, lock: bool = False) -> T:
    """The row, or a 404 problem naming what was not found."""
    row = db.exec(_by_id(model, lock), params={"id": entity_id}).one_or_none()
    if row is None:
        raise Problem(404, "not-found", f"No {model.__tablename__} {entity_id}.")
    return row


def session_with_council(
    db: DbSession, session_id: str, *, lock: bool = False
) -> tuple[Session, Council]:
    """A session (locked for a change when asked) and its council."""
    session = get(db, Session, session_id, lock=lock)
    return session, get(db, Council, session.council_id)


def item_with_context(
    db: DbSession, item_id: str, *, lock: bool = False
) -> tuple[AgendaItem, Session, Council]:
    """An agenda item, its session and its council."""
    item = get(db, AgendaItem, item_id, lock=lock)
    session, council = session_with_council(db, item.session_id)
    return item, session, council


def protocol_with_council(
    db: DbSession, protocol_id: str, *, lock: bool = False
) -> tuple[Protocol, Council]:
    """A protocol and its council."""
    protocol = get(db, Protocol, protocol_id, lock=lock)
    return protocol, get(db, Council, protocol.council_id)


def recommendation_with_council(
    db: DbSession, recommendation_id: str, *, lock: bool = False
) -> tuple[Recommendation, Council]:
    """A recommendation and the council that issued it."""
    recommendation = get(db, Recommendation, recommendation_id, lock=lock)
    return recommendation, get(db, Council, recommendation.council_id)


# --- the record ---------------------------------------------------------------------------------


# The reads of every session page, built once (see services/cases/queries.py).
_MEMBERS = select(Member).where(Member.council_id == bindparam("council_id"))
_AGENDA = (
    select(AgendaItem)
    .where(AgendaItem.session_id == bindparam("session_id"))
    .order_by(col(AgendaItem.position))
)
_PRESENT = select(Attendance.username).where(
    Attendance.session_id == bindparam("session_id"), col(Attendance.present)
)


def current_members(db: DbSession, council_id: str, on: date | None = None) -> list[Member]:
    """The members whose term covers the date (today by default)."""
    on = on or today()
    members = db.exec(_MEMBERS, params={"council_id": council_id}).all()
    return [m for m in members if m.current(on)]


def sitting_day(session: Session) -> date:
    """The day whose members a session counts: the day it was opened, today until then.

    Attendance, the quorum at the opening and at every vote, the session's page and its
    minutes all count these members, so the minutes print what the sitting recorded.
    """
    return local_date(session.held_at) if session.held_at is not None else today()


def sitting_members(db: DbSession, session: Session) -> list[Member]:
    """The members a session counts: those whose term covers its `sitting_day`."""
    return current_members(db, session.council_id, sitting_day(session))


def agenda(db: DbSession, session: Session) -> list[AgendaItem]:
    """The session's agenda in order."""
    return list(db.exec(_AGENDA, params={"session_id": session.id}).all())


def materials(db: DbSession, item: AgendaItem) -> list[Document]:
    """The documents attached to an agenda item."""
    return list(db.exec(_documents().where(Document.item_id == item.id)).all())


def _documents() -> Any:
    """Documents without their content: a listing never needs the file itself."""
    return select(Document).options(defer(Document.content))  # type: ignore[arg-type]


def present_usernames(db: DbSession, session: Session, members: list[Member]) -> list[str]:
    """Current members marked present at the session, sorted."""
    current = {m.username for m in members}
    marked = db.exec(_PRESENT, params={"session_id": session.id}).all()
    return sorted(username for username in marked if username in current)


def recusals_of(db: DbSession, item: AgendaItem) -> list[Recusal]:
    """The item's declared conflicts of interest, with their reasons, by username."""
    query = select(Recusal).where(Recusal.item_id == item.id).order_by(col(Recusal.username))
    return list(db.exec(query).all())


def recused_usernames(db: DbSession, item: AgendaItem) -> list[str]:
    """The members who declared a conflict of interest on the item, sorted."""
    return [r.username for r in recusals_of(db, item)]


def entitled_voters(
    db: DbSession, item: AgendaItem, session: Session, members: list[Member]
) -> list[str]:
    """Present current members not recused on the item, sorted."""
    recused = set(recused_usernames(db, item))
    return [u for u in present_usernames(db, session, members) if u not in recused]


def took_part_in_votes(db: DbSession, session: Session) -> set[str]:
    """Members the session's votes show present: they voted or recused on an item, or a
    closed vote counted them among its entitled voters."""
    items = agenda(db, session)
    ids = [i.id for i in items]
    people = {
        row.username
        for model in (Vote, Recusal)
        for rows in _by_item(db, model, ids).values()
        for row in rows
    }
    for item in items:
        people.update(item.entitled or [])
    return people


def quorum(council: Council, members: list[Member], counted: list[str]) -> Quorum:
    """The council's quorum over the members counted."""
    return rules.quorum(council.quorum_percent, len(members), len(counted))


def votes_of(db: DbSession, item: AgendaItem) -> list[Vote]:
    """The votes cast on an item, by username."""
    query = select(Vote).where(Vote.item_id == item.id).order_by(col(Vote.username))
    return list(db.exec(query).all())


def remarks_of(db: DbSession, protocol: Protocol) -> list[ProtocolRemark]:
    """The remarks made on a protocol, oldest first."""
    query = select(ProtocolRemark).where(ProtocolRemark.protocol_id == protocol.id)
    return list(db.exec(query.order_by(col(ProtocolRemark.made_at))).all())


def responses_of(db: DbSession, recommendation: Recommendation) -> list[RecommendationResponse]:
    """The addressee's responses to a recommendation, oldest first."""
    query = select(RecommendationResponse).where(
        RecommendationResponse.recommendation_id == recommendation.id
    )
    return list(db.exec(query.order_by(col(RecommendationResponse.recorded_at))).all())


# --- answers ------------------------------------------------------------------------------------


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


@functools.cache
def _of_items(model: Any) -> Any:
    """Rows of `model` for a list of agenda items (`ids`), built once per model."""
    query = _documents() if model is Document else select(model)
    return query.where(col(model.item_id).in_(bindparam("ids", expanding=True)))


def _by_item(db: DbSession, model: Any, ids: list[str]) -> dict[str, list[Any]]:
    """Rows of `model` for several agenda items at once, by item id."""
    found: dict[str, list[Any]] = {i: [] for i in ids}
    if ids:
        for row in db.exec(_of_items(model), params={"ids": ids}):
            found[row.item_id].append(row)
    return found


def session_detail(db: DbSession, session: Session, council: Council) -> SessionDetail:
    """A session with its agenda, attendance and quorum."""
    members = sitting_members(db, session)
    present = present_usernames(db, session, members)
    items = agenda(db, session)
    # Recusals and materials of the whole agenda in one query each, not two per item.
    ids = [i.id for i in items]
    recusals, documents = _by_item(db, Recusal, ids), _by_item(db, Document, ids)
    votes = _by_item(db, Vote, ids)
    return SessionDetail.model_validate(
        {
            **session.model_dump(),
            "items": [
                item_public(db, i, recusals[i.id], documents[i.id], votes[i.id]) for i in items
            ],
            "present": present,
            "absent": sorted(m.username for m in members if m.username not in present),
            "quorum": quorum(council, members, present),
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
            "remarks": [
                RemarkPublic.model_validate(r, from_attributes=True)
                for r in remarks_of(db, protocol)
            ],
        }
    )


def answer(response: RecommendationResponse) -> tuple[str, date]:
    """A response's status and the day the addressee reported it (for a response recorded
    without that day: the day it was recorded, in Kazakhstan)."""
    return response.status, response.reported_on or local_date(response.recorded_at)


def responses_by(db: DbSession, ids: list[str]) -> dict[str, list[RecommendationResponse]]:
    """The responses to these recommendations, oldest first, by recommendation."""
    found: dict[str, list[RecommendationResponse]] = {}
    if ids:
        query = select(RecommendationResponse).where(
            col(RecommendationResponse.recommendation_id).in_(ids)
        )
        for response in db.exec(query.order_by(col(RecommendationResponse.recorded_at))).all():
            found.setdefault(response.recommendation_id, []).append(response)
    return found


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
