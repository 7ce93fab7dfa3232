"""The read side: a case as the caller may see it, lists, caseload, timeline."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, or_
from sqlalchemy import case as sql_case
from sqlmodel import Session, select

from kelisim.auth import Principal
from kelisim.bus.headers import ACTOR
from kelisim.problems import Problem
from kelisim.tables import Backbone
from services.cases import permissions
from services.cases.lifecycle import ACTIVE, IN_MEDIATION, SETTLED
from services.cases.models import Case, Consent, Escalation, MediationSession, Party, utc
from services.cases.schemas import (
    CaseloadRow,
    CasePage,
    CasePublic,
    EscalationPublic,
    PartyPublic,
    SessionPublic,
    TimelineEntry,
)

MAX_LIMIT = 200


def case_public(
    session: Session, principal: Principal, case: Case, *, personal: bool | None = None
) -> CasePublic:
    """The case as this caller may see it: parties and description only with the right to."""
    if personal is None:
        personal = permissions.sees_personal_data(principal, case)
    parties = list(
        session.exec(select(Party).where(Party.case_id == case.id).order_by(Party.position))
    )
    shown = None
    if personal:
        consented = {
            c.party_id
            for c in session.exec(
                select(Consent).where(
                    Consent.case_id == case.id,
                    Consent.purpose == "mediation",
                    Consent.withdrawn_at == None,  # noqa: E711
                )
            )
        }
        shown = [
            PartyPublic.model_validate(p, from_attributes=True).model_copy(
                update={"consented": p.id in consented}
            )
            for p in parties
        ]
    return _public(case, personal, shown, len(parties))


def _public(
    case: Case, personal: bool, parties: list[PartyPublic] | None, count: int
) -> CasePublic:
    return CasePublic(
        id=case.id,
        number=case.number,
        region=case.region,
        category=case.category,
        channel=case.channel,
        status=case.status,
        registered_at=utc(case.registered_at),  # type: ignore[arg-type]
        registered_by=case.registered_by,
        mediator=case.mediator,
        declared=case.declared,
        refusal_reasons=case.refusal_reasons.split(",") if case.refusal_reasons else [],
        agreement_signed_on=case.agreement_signed_on,
        deadline=case.deadline,
        extended=case.extended,
        outcome=case.outcome,
        escalated=case.escalated,
        version=case.version,
        personal_data=personal,
        description=case.description if personal else None,
        parties=parties,
        party_count=count,
    )


def _encode(case: Case) -> str:
    raw = json.dumps([utc(case.registered_at).isoformat(), case.id])  # type: ignore[union-attr]
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, case_id = json.loads(raw)
        return datetime.fromisoformat(stamp), str(case_id)
    except (ValueError, TypeError) as exc:
        raise Problem(400, "bad-cursor", "The cursor is not valid.") from exc


def _matches(q: str, dialect: str) -> Any:
    """Full-text match on PostgreSQL (GIN index), a case-insensitive LIKE elsewhere."""
    if dialect == "postgresql":
        simple = literal_column("'simple'")
        vector = func.to_tsvector(simple, Case.description)
        return vector.op("@@")(func.plainto_tsquery(simple, q))
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(Case.description).like(f"%{escaped}%", escape="\\")


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
    limit: int = 50,
    dialect: str = "sqlite",
) -> Select:  # type: ignore[type-arg]
    """The list statement: newest first, keyset-paginated on (registered_at, id)."""
    stmt = select(Case)
    scope = permissions.list_scope(principal)
    if scope is not None:
        stmt = stmt.where(scope)
    filters = {"region": region, "status": status, "category": category, "mediator": mediator}
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Case, column) == value)
    if deadline_from is not None:
        stmt = stmt.where(Case.deadline >= deadline_from)  # type: ignore[operator]
    if deadline_to is not None:
        stmt = stmt.where(Case.deadline <= deadline_to)  # type: ignore[operator]
    if q:
        stmt = stmt.where(permissions.search_scope(principal), _matches(q, dialect))
    if cursor:
        at, case_id = _decode(cursor)
        stmt = stmt.where(
            or_(Case.registered_at < at, and_(Case.registered_at == at, Case.id < case_id))  # type: ignore[operator, arg-type]
        )
    order = (Case.registered_at.desc(), Case.id.desc())  # type: ignore[attr-defined]
    return stmt.order_by(*order).limit(max(1, min(limit, MAX_LIMIT)) + 1)


def list_cases(session: Session, principal: Principal, **filters: Any) -> CasePage:
    """One page of the cases the caller may read; parties are never listed."""
    limit = max(1, min(int(filters.get("limit") or 50), MAX_LIMIT))
    dialect = session.get_bind().dialect.name
    rows = list(session.exec(list_query(principal, dialect=dialect, **filters)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_public(c, False, None, 0) for c in rows]
    for item, case in zip(items, rows, strict=True):
        if permissions.sees_personal_data(principal, case):
            item.description = case.description
            item.personal_data = True
    return CasePage(items=items, next_cursor=_encode(rows[-1]) if more else None)


def caseload_query(regions: list[str], today: date) -> Select:  # type: ignore[type-arg]
    """Active cases per mediator of the regions: assigned, in mediation, settled, overdue."""
    active = Case.status.in_(sorted(ACTIVE))  # type: ignore[attr-defined]
    return (
        select(
            Case.mediator,
            func.count(),
            func.sum(sql_case((Case.status == IN_MEDIATION, 1), else_=0)),
            func.sum(sql_case((Case.status == SETTLED, 1), else_=0)),
            func.sum(
                sql_case(
                    (and_(Case.status == IN_MEDIATION, Case.deadline < today), 1),  # type: ignore[operator]
                    else_=0,
                )
            ),
        )
        .where(Case.region.in_(regions), Case.mediator != None, active)  # type: ignore[attr-defined]  # noqa: E711
        .group_by(Case.mediator)
        .order_by(Case.mediator)
    )


def caseload(
    session: Session, principal: Principal, region: str | None, today: date
) -> list[CaseloadRow]:
    """The caseload per mediator, for a coordinator of the region(s)."""
    if not principal.has(*permissions.CASELOAD_ROLES):
        raise Problem(403, "forbidden", "Only coordinators see caseloads.")
    if region is not None and not principal.in_region(region):
        raise Problem(403, "out-of-scope", "The region is outside your scope.")
    regions = [region] if region else sorted(principal.regions)
    rows = session.exec(caseload_query(regions, today)).all()
    return [
        CaseloadRow(mediator=m, assigned=n, in_mediation=i or 0, settled=s or 0, overdue=o or 0)
        for m, n, i, s, o in rows
    ]


def timeline(session: Session, tables: Backbone, case: Case, details: bool) -> list[TimelineEntry]:
    """Every step of the case in order (audit entries and events), with who and when."""
    log, outbox = tables.audit_log, tables.outbox
    entries = [
        TimelineEntry(
            at=utc(row.at),  # type: ignore[arg-type]
            kind="audit",
            actor=row.actor,
            action=row.action,
            details=json.loads(row.after) if details and row.after else None,
        )
        for row in session.connection().execute(
            log.select()
            .where(log.c.entity == "case", log.c.entity_id == case.id)
            .order_by(log.c.seq)
        )
    ]
    for row in session.connection().execute(
        outbox.select().where(outbox.c.aggregate == f"case:{case.id}").order_by(outbox.c.seq)
    ):
        envelope = json.loads(row.envelope)
        entries.append(
            TimelineEntry(
                at=utc(row.created_at),  # type: ignore[arg-type]
                kind="event",
                actor=json.loads(row.headers).get(ACTOR),
                action=envelope["type"],
                details={"event_id": row.event_id, "sent": row.sent_at is not None}
                if details
                else None,
            )
        )
    entries.sort(key=lambda e: (e.at, 0 if e.kind == "audit" else 1))
    return entries


def session_public(session: MediationSession, *, notes: bool) -> SessionPublic:
    """A session; its notes only for the assigned mediator."""
    return SessionPublic(
        id=session.id,
        scheduled_at=utc(session.scheduled_at),  # type: ignore[arg-type]
        place=session.place,
        status=session.status,
        attendance=[a for a in session.attendance.split(",") if a],
        reason=session.reason,
        notes=session.notes if notes else None,
    )


def escalation_public(escalation: Escalation, *, reason: bool) -> EscalationPublic:
    """An escalation; its internal reasoning only for those who see personal data."""
    return EscalationPublic(
        id=escalation.id,
        risk_of=escalation.risk_of,
        risk_level=escalation.risk_level,
        summary=escalation.summary,
        reason=escalation.reason if reason else None,
        escalated_by=escalation.escalated_by,
        escalated_at=utc(escalation.escalated_at),  # type: ignore[arg-type]
        acknowledged_by=escalation.acknowledged_by,
        acknowledged_at=utc(escalation.acknowledged_at),
    )
