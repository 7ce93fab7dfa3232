"""The case lists of the cases service: one keyset page of the cases a caller may read, and
the caseload per mediator. The list reads plain rows, never the parties."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Executable, Integer, bindparam, false, true, union_all
from sqlmodel import Session, select

from kelisim import pagination
from kelisim.auth import Principal
from kelisim.db import DriverStatement, table_of
from kelisim.pagination import Page
from services.cases import permissions, search
from services.cases.caseload import caseload_rows
from services.cases.lifecycle import ACTIVE
from services.cases.models import Case
from services.cases.schemas import CaseloadRow, CasePublic

# The list reads only what a list item shows (never the parties), as plain rows.
LIST_COLUMNS = (
    "id",
    "number",
    "region",
    "category",
    "channel",
    "status",
    "registered_at",
    "registered_by",
    "mediator",
    "declared",
    "refusal_reasons",
    "agreement_signed_on",
    "deadline",
    "extended",
    "outcome",
    "escalated",
    "version",
    "description",
)


# The list's filters compared for equality, each run as a bind parameter of its name.
EQUALS = ("region", "status", "category", "mediator")
# List statements by the caller's scope and the filters given, built once: building and
# keying a statement cost more than running it. A search (free text) is built each time.
_STATEMENTS: dict[tuple[Any, ...], Executable] = {}
_MAX_STATEMENTS = 1024


def _statement(
    principal: Principal, names: tuple[str, ...], keyset: bool, extra: Any, dialect: str
) -> Any:
    """The list statement, its filter values, key and limit left as bind parameters."""
    table = table_of(Case)
    columns = [table.c[name] for name in LIST_COLUMNS]
    where = [table.c[name] == bindparam(name) for name in names if name in EQUALS]
    if "deadline_from" in names:
        where.append(table.c.deadline >= bindparam("deadline_from"))
    if "deadline_to" in names:
        where.append(table.c.deadline <= bindparam("deadline_to"))
    if "open" in names:  # `active=true`: a state work goes on in (lifecycle.ACTIVE)
        where.append(table.c.status.in_(sorted(ACTIVE)))
    if "ended" in names:  # `active=false`: a final state
        where.append(table.c.status.not_in(sorted(ACTIVE)))
    if extra is not None:
        where.append(extra)
    key = [table.c.registered_at, table.c.id]
    if keyset:
        at = bindparam("after_at", type_=table.c.registered_at.type)
        after_id = bindparam("after_id", type_=table.c.id.type)
        where.append(pagination.after(key, [at, after_id], descending=True))
    arms = permissions.list_scopes(principal)
    if arms is None:
        arms = [true()]
    elif not arms:
        arms = [false()]
    limit = bindparam("limit", type_=Integer())
    order = [c.desc() for c in key]
    if len(arms) == 1:
        return select(*columns).where(arms[0], *where).order_by(*order).limit(limit)
    # Disjoint scopes: each arm reads its own index range in order, the database merges them
    # (SQLite: MERGE (UNION ALL); PostgreSQL: Merge Append, which it plans only when each arm
    # is limited itself, and SQLite allows no ORDER BY or LIMIT in an arm).
    parts = [select(*columns).where(arm, *where) for arm in arms]
    if dialect == "postgresql":
        parts = [part.order_by(*order).limit(limit) for part in parts]
    union = union_all(*parts)
    ordered = [union.selected_columns[c.name].desc() for c in key]
    return union.order_by(*ordered).limit(limit)


def _prepared(
    principal: Principal,
    *,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = pagination.DEFAULT_LIMIT,
    dialect: str = "sqlite",
    **filters: Any,
) -> tuple[Any, dict[str, Any], tuple[Any, ...] | None]:
    """The list statement, the values of its parameters and its shape (None: a search)."""
    active = filters.pop("active", None)
    params = {name: value for name, value in filters.items() if value is not None}
    # Whether a case is still open is a shape of the statement, not a value bound to it.
    names = tuple(sorted([*params, *([] if active is None else ["open" if active else "ended"])]))
    params["limit"] = limit + 1
    if cursor:
        params["after_at"], params["after_id"] = pagination.decode(cursor, datetime, str)
    if q:
        extra = search.matches(principal, q, dialect)
        return _statement(principal, names, bool(cursor), extra, dialect), params, None
    shape = (dialect, permissions.list_scope_key(principal), names, bool(cursor))
    stmt = _STATEMENTS.get(shape)
    if stmt is None:
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        stmt = _STATEMENTS[shape] = _statement(principal, names, bool(cursor), None, dialect)
    return stmt, params, shape


def list_query(
    principal: Principal,
    *,
    region: str | None = None,
    status: str | None = None,
    category: str | None = None,
    mediator: str | None = None,
    deadline_from: date | None = None,
    deadline_to: date | None = None,
    active: bool | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = pagination.DEFAULT_LIMIT,
    dialect: str = "sqlite",
) -> Any:
    """The list statement with its values: newest first, keyset-paginated on (registered_at, id)."""
    stmt, params, _ = _prepared(
        principal,
        region=region,
        status=status,
        category=category,
        mediator=mediator,
        deadline_from=deadline_from,
        deadline_to=deadline_to,
        active=active,
        q=q,
        cursor=cursor,
        limit=limit,
        dialect=dialect,
    )
    return stmt.params(params)


def list_cases(
    session: Session,
    principal: Principal,
    *,
    limit: int = pagination.DEFAULT_LIMIT,
    **filters: Any,
) -> Page[CasePublic]:
    """One page of the cases the caller may read; parties are never listed."""
    conn = session.connection()
    stmt, params, shape = _prepared(principal, dialect=conn.dialect.name, limit=limit, **filters)
    if shape is None:  # a search: built for its words, run once
        rows = list(conn.execute(stmt, params))
    else:  # prebuilt: its rows as the driver gives them, made items by pydantic
        rows = DriverStatement.of(stmt, conn.dialect).rows(conn, params)
    personal = permissions.personal_data_rule(principal)
    items = [_listed(personal(row), row) for row in rows]
    # One validation of the whole page (in pydantic's core) rather than one call per item,
    # then the page and its cursor cut from the items as validated.
    page = Page[CasePublic].model_validate({"items": items, "next_cursor": None})
    page.items, page.next_cursor = pagination.page(
        page.items, limit, lambda c: (c.registered_at, c.id)
    )
    return page


def _listed(personal: bool, row: Any) -> dict[str, Any]:
    """A list item from a row: no parties and no count of them (both null: the list never reads
    the parties), the description only for readers of personal data. The time of registration
    is UTC: SQLite's driver gives it as text without an offset, PostgreSQL's in the session's
    time zone."""
    item = dict(zip(LIST_COLUMNS, row, strict=True))
    at = item["registered_at"]
    item["registered_at"] = f"{at}+00:00" if isinstance(at, str) else at.astimezone(UTC)
    reasons = item["refusal_reasons"]
    item["refusal_reasons"] = reasons.split(",") if reasons else []
    item["personal_data"] = personal
    if not personal:
        item["description"] = None
    return item


def caseload(
    session: Session,
    principal: Principal,
    region: str | None,
    today: date,
    mediator: str | None = None,
) -> list[CaseloadRow]:
    """The caseload per mediator (or of one mediator), for a coordinator of the region(s)."""
    permissions.require_caseload(principal, region)
    regions = [region] if region else sorted(principal.regions)
    return caseload_rows(session, regions, today, mediator)
