"""The read side: loading rows (or 404), the record of sessions, votes and responses.

Routes and handlers both read through here; this module never imports them. The API's
answers built from these rows are in `answers`. Authorisation is the callers' job.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam
from sqlalchemy.orm import defer
from sqlmodel import Session as DbSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from kelisim import audit, preconditions
from kelisim.clock import now
from kelisim.db import table_of
from kelisim.localtime import local_date
from kelisim.problems import Problem
from services.councils import rules
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
    backbone,
)
from services.councils.schemas import Quorum, SessionChange

T = TypeVar("T", bound=CouncilsModel)


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
        raise not_found(model, entity_id)
    return row


def not_found(model: type[CouncilsModel], entity_id: str) -> Problem:
    """The 404 problem of a row that is not there."""
    return Problem(404, "not-found", f"No {model.__tablename__} {entity_id}.")


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


def sitting_day(held_at: datetime | None) -> date:
    """The day whose members a session counts: the day it was opened (`held_at`), today
    until then.

    Attendance, the quorum at the opening and at every vote, the session's page and its
    minutes all count these members, so the minutes print what the sitting recorded.
    """
    return local_date(held_at) if held_at is not None else today()


def sitting_members(db: DbSession, session: Session) -> list[Member]:
    """The members a session counts: those whose term covers its `sitting_day`."""
    return current_members(db, session.council_id, sitting_day(session.held_at))


def agenda(db: DbSession, session: Session) -> list[AgendaItem]:
    """The session's agenda in order."""
    return list(db.exec(_AGENDA, params={"session_id": session.id}).all())


def materials(db: DbSession, item: AgendaItem) -> list[Document]:
    """The documents attached to an agenda item."""
    return list(db.exec(_documents().where(Document.item_id == item.id).order_by(*_UPLOADED)))


# Materials as they were uploaded (a page, the minutes): the database's own order is no order.
_UPLOADED = (col(Document.uploaded_at), col(Document.id))


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
        for rows in by_item(db, model, ids).values()
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


def protocol_etag(protocol: Protocol) -> str:
    """The protocol's version, for If-Match on edits (its notes above all)."""
    return preconditions.etag_of(
        {
            "status": protocol.status,
            "content": protocol.content,
            "chair": protocol.signed_by_chair,
            "secretary": protocol.signed_by_secretary,
        }
    )


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


@functools.cache
def _of_items(model: Any) -> Any:
    """Rows of `model` for a list of agenda items (`ids`), built once per model."""
    query = _documents().order_by(*_UPLOADED) if model is Document else select(model)
    return query.where(col(model.item_id).in_(bindparam("ids", expanding=True)))


def by_item(db: DbSession, model: Any, ids: list[str]) -> dict[str, list[Any]]:
    """Rows of `model` for several agenda items at once, by item id."""
    found: dict[str, list[Any]] = {i: [] for i in ids}
    if ids:
        for row in db.exec(_of_items(model), params={"ids": ids}):
            found[row.item_id].append(row)
    return found


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


# The audit actions that move or call off a session, and what the session's page calls them.
SESSION_CHANGES = {"session.rescheduled": "rescheduled", "session.cancelled": "cancelled"}


def session_changes(db: DbSession, session: Session) -> list[SessionChange]:
    """The session's reschedulings and cancelling, oldest first, with the reasons given."""
    return changes_of(db, session.id, session.sequence)


def changes_of(db: DbSession, session_id: str, sequence: int) -> list[SessionChange]:
    """A session's reschedulings and cancelling: the reasons are kept in its audit trail,
    which is where they are read from (only for a session whose time or status changed after
    planning: `sequence` counts those changes, so the page of any other session reads no
    audit entry)."""
    if sequence == 0:
        return []
    entries = audit.history(db.connection(), backbone, "session", session_id)
    return [
        SessionChange(
            kind=SESSION_CHANGES[entry["action"]],  # type: ignore[arg-type]
            at=entry["at"],
            reason=(entry["after"] or {}).get("reason", ""),
            previous_starts_at=(entry["before"] or {}).get("starts_at"),
        )
        for entry in entries
        if entry["action"] in SESSION_CHANGES
    ]
