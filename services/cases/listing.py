"""The case lists of the cases service: one keyset page of the cases a caller may read, and
the caseload per mediator. The list reads plain rows, never the parties."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from kelisim import pagination
from kelisim.auth import Principal
from kelisim.pagination import Page
from services.cases import permissions, search
from services.cases.caseload import caseload_rows
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


def list_query(
    principal: Principal,
    *,
    region: str | None = None,
    status: str | None = None,
    category: str | None = None,
    mediator: str | None = None,
    deadline_from: date | None = None,
    deadline_to: date | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = pagination.DEFAULT_LIMIT,
    dialect: str = "sqlite",
) -> Select:  # type: ignore[type-arg]
    """The list statement: newest first, keyset-paginated on (registered_at, id)."""
    table = Case.__table__  # type: ignore[attr-defined]
    stmt = select(*(table.c[name] for name in LIST_COLUMNS))
    scope = permissions.list_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    filters = {"region": region, "status": status, "category": category, "mediator": mediator}
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Case, column) == value)
    if deadline_from is not None:
        stmt = stmt.where(col(Case.deadline) >= deadline_from)
    if deadline_to is not None:
        stmt = stmt.where(col(Case.deadline) <= deadline_to)
    if q:
        stmt = stmt.where(search.matches(principal, q, dialect))
    if cursor:
        at, case_id = pagination.decode(cursor, datetime, str)
        stmt = stmt.where(
            pagination.after(
                [col(Case.registered_at), col(Case.id)], [at, case_id], descending=True
            )
        )
    order = (col(Case.registered_at).desc(), col(Case.id).desc())
    return stmt.order_by(*order).limit(limit + 1)


def list_cases(
    session: Session,
    principal: Principal,
    *,
    limit: int = pagination.DEFAULT_LIMIT,
    **filters: Any,
) -> Page[CasePublic]:
    """One page of the cases the caller may read; parties are never listed."""
    dialect = session.get_bind().dialect.name
    stmt = list_query(principal, dialect=dialect, limit=limit, **filters)
    rows = session.connection().execute(stmt).all()
    shown, next_cursor = pagination.page(rows, limit, lambda c: (c.registered_at, c.id))
    items = [_listed(principal, row) for row in shown]
    return Page[CasePublic](items=items, next_cursor=next_cursor)


def _listed(principal: Principal, row: Any) -> CasePublic:
    """A list item from a row: no parties, the description only for readers of personal data."""
    personal = permissions.sees_personal_data(principal, row)
    fields = row._asdict()
    reasons = fields.pop("refusal_reasons")
    description = fields.pop("description")
    return CasePublic(
        **fields,
        refusal_reasons=reasons.split(",") if reasons else [],
        personal_data=personal,
        description=description if personal else None,
        parties=None,
        party_count=0,
    )


def caseload(
    session: Session, principal: Principal, region: str | None, today: date
) -> list[CaseloadRow]:
    """The caseload per mediator, for a coordinator of the region(s)."""
    permissions.require_caseload(principal, region)
    regions = [region] if region else sorted(principal.regions)
    return caseload_rows(session, regions, today)
