"""The session page (GET /sessions/{id}) read by the driver, not the ORM.

What `queries.session_with_council`, `permissions.require_member` and
`answers.session_detail` give together, read by `kelisim.db.DriverStatement` from statements
built once: a profile of this read found 40% of its time in the ORM's entity loading and
identity map (issue 13). Commands still answer with `answers.session_detail`;
tests/councils/test_session_page.py holds the two pages equal.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Column, Connection, Table, bindparam, select
from sqlmodel import Session as DbSession

from kelisim.auth import Principal
from kelisim.db import DriverStatement, table_of
from services.councils import permissions, queries, rules
from services.councils.models import (
    AgendaItem,
    Attendance,
    Council,
    Document,
    Member,
    Recusal,
    Session,
    Vote,
)
from services.councils.schemas import (
    DocumentPublic,
    ItemPublic,
    RecusalPublic,
    SessionDetail,
    SessionPublic,
    VotePublic,
)

_SESSION, _COUNCIL, _MEMBER = table_of(Session), table_of(Council), table_of(Member)
_ITEM, _ATTENDANCE = table_of(AgendaItem), table_of(Attendance)
_RECUSAL, _DOCUMENT, _VOTE = table_of(Recusal), table_of(Document), table_of(Vote)


def _shown(table: Table, shape: type[BaseModel], *more: str) -> list[Column[Any]]:
    """The table's columns the API shape shows (and `more`): a document's content never."""
    return [table.c[name] for name in (*more, *shape.model_fields) if name in table.c]


# The session with its council's quorum; a left join, so a missing council is told apart.
_SESSION_ROW = (
    select(
        *_shown(_SESSION, SessionPublic),
        _COUNCIL.c.id.label("council_found"),
        _COUNCIL.c.quorum_percent,
    )
    .select_from(_SESSION.outerjoin(_COUNCIL, _COUNCIL.c.id == _SESSION.c.council_id))
    .where(_SESSION.c.id == bindparam("session_id"))
)
# Every member's term: the caller's membership today and the sitting's members both come
# from it (the ORM reads the first by a query of its own).
_TERMS = select(_MEMBER.c.username, _MEMBER.c.term_start, _MEMBER.c.term_end).where(
    _MEMBER.c.council_id == bindparam("council_id")
)
_MARKED = select(_ATTENDANCE.c.username).where(
    _ATTENDANCE.c.session_id == bindparam("session_id"), _ATTENDANCE.c.present
)
_AGENDA = (
    select(*_shown(_ITEM, ItemPublic))
    .where(_ITEM.c.session_id == bindparam("session_id"))
    .order_by(_ITEM.c.position)
)


def _of_items(table: Table, shape: type[BaseModel]) -> Any:
    """A table's rows for several agenda items at once (as `queries.by_item`, unordered)."""
    return select(*_shown(table, shape, "item_id")).where(
        table.c.item_id.in_(bindparam("ids", expanding=True))
    )


_RECUSALS = _of_items(_RECUSAL, RecusalPublic)
_MATERIALS = _of_items(_DOCUMENT, DocumentPublic).order_by(_DOCUMENT.c.uploaded_at, _DOCUMENT.c.id)
_VOTES = _of_items(_VOTE, VotePublic)


def _typed(conn: Connection, stmt: Any, params: dict[str, Any]) -> list[Any]:
    return DriverStatement.of(stmt, conn.dialect).typed_rows(conn, params)


def _by_item(conn: Connection, stmt: Any, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for row in _typed(conn, stmt, {"ids": ids}):
            found[row.item_id].append(row._asdict())
    return found


def _by_username(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: row["username"])


def session_page(db: DbSession, session_id: str, principal: Principal) -> SessionDetail:
    """A session with its agenda, attendance and quorum for a current member of its council:
    404 for an unknown session, 403 for anyone else, as `permissions.require_member`."""
    conn = db.connection()
    found = _typed(conn, _SESSION_ROW, {"session_id": session_id})
    if not found:
        raise queries.not_found(Session, session_id)
    session = found[0]
    if session.council_found is None:
        raise queries.not_found(Council, session.council_id)
    if not permissions.acts_on(principal, session.council_id):
        raise permissions.not_a_member()
    terms = _typed(conn, _TERMS, {"council_id": session.council_id})
    today = queries.today()
    if not any(
        t.username == principal.sub and rules.term_covers(t.term_start, t.term_end, today)
        for t in terms
    ):
        raise permissions.not_a_member()
    day = queries.sitting_day(session.held_at)
    members = {t.username for t in terms if rules.term_covers(t.term_start, t.term_end, day)}
    marked = DriverStatement.of(_MARKED, conn.dialect).rows(conn, {"session_id": session.id})
    present = sorted(row.username for row in marked if row.username in members)
    items = _typed(conn, _AGENDA, {"session_id": session.id})
    ids = [item.id for item in items]
    recusals = _by_item(conn, _RECUSALS, ids)
    materials = _by_item(conn, _MATERIALS, ids)
    votes = _by_item(conn, _VOTES, ids)
    shown = []
    for item in items:
        declared = _by_username(recusals[item.id])
        shown.append(
            ItemPublic.model_validate(
                {
                    **item._asdict(),
                    "recused": [r["username"] for r in declared],
                    "recusals": declared,
                    "materials": materials[item.id],
                    "votes": _by_username(votes[item.id]),
                }
            )
        )
    return SessionDetail.model_validate(
        {
            **session._asdict(),
            "items": shown,
            "present": present,
            "absent": sorted(members.difference(present)),
            "quorum": rules.quorum(session.quorum_percent, len(members), len(present)),
            "changes": queries.changes_of(db, session.id, session.sequence),
        }
    )
