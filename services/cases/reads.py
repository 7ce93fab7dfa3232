"""Thin routes of the cases service's read side: lists, caseload, a case and its parts, timeline."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlmodel import Session, select

from kelisim.auth import Principal
from kelisim.db import new_session
from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal
from services.cases import permissions, queries
from services.cases.handlers.common import etag
from services.cases.handlers.compliance import current_settlement
from services.cases.models import (
    Case,
    Escalation,
    MediationSession,
    Obligation,
    Settlement,
    Signature,
    utc,
)
from services.cases.schemas import (
    CaseloadRow,
    CasePage,
    CasePublic,
    EscalationPublic,
    ObligationPublic,
    SessionPublic,
    SettlementPublic,
    SignatureCmd,
    TimelineEntry,
)
from services.cases.terms import TermPolicy

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


def _read(session: Session, principal: Principal, case_id: str) -> Case:
    permissions.require_reader(principal)
    return permissions.readable(principal, session.get(Case, case_id))


def _personal(session: Session, principal: Principal, case_id: str) -> Case:
    case = _read(session, principal, case_id)
    if not permissions.sees_personal_data(principal, case):
        raise Problem(403, "personal-data", "You may not see this case's personal data.")
    return case


@router.get("", response_model=CasePage)
def list_cases(
    principal: CurrentPrincipal,
    ctx: ContextDep,
    region: str | None = None,
    status: str | None = None,
    category: str | None = None,
    mediator: str | None = None,
    deadline_from: date | None = None,
    deadline_to: date | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 50,
):
    """The cases the caller may read, newest first, filtered, keyset-paginated."""
    permissions.require_reader(principal)
    with new_session(ctx.engine) as session:
        return queries.list_cases(
            session,
            principal,
            region=region,
            status=status,
            category=category,
            mediator=mediator,
            deadline_from=deadline_from,
            deadline_to=deadline_to,
            q=q,
            cursor=cursor,
            limit=limit,
        )


@router.get("/caseload", response_model=list[CaseloadRow])
def caseload(principal: CurrentPrincipal, ctx: ContextDep, region: str | None = None):
    """Active cases per mediator of the coordinator's region(s)."""
    today = TermPolicy.from_settings(ctx.settings).today()
    with new_session(ctx.engine) as session:
        return queries.caseload(session, principal, region, today)


@router.get("/{case_id}", response_model=CasePublic)
def get_case(case_id: str, response: Response, principal: CurrentPrincipal, ctx: ContextDep):
    """One case; parties and description only for those who may see personal data."""
    with new_session(ctx.engine) as session:
        case = _read(session, principal, case_id)
        response.headers["ETag"] = etag(case)
        return queries.case_public(session, principal, case)


@router.get("/{case_id}/sessions", response_model=list[SessionPublic])
def list_sessions(case_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """The case's sessions; notes only for the assigned mediator."""
    with new_session(ctx.engine) as session:
        case = _read(session, principal, case_id)
        notes = permissions.sees_notes(principal, case)
        rows = session.exec(
            select(MediationSession)
            .where(MediationSession.case_id == case.id)
            .order_by(MediationSession.scheduled_at)  # type: ignore[arg-type]
        )
        return [queries.session_public(s, notes=notes) for s in rows]


@router.get("/{case_id}/obligations", response_model=list[ObligationPublic])
def list_obligations(case_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """The settlement's obligations and their follow-up."""
    with new_session(ctx.engine) as session:
        case = _read(session, principal, case_id)
        personal = permissions.sees_personal_data(principal, case)
        rows = session.exec(
            select(Obligation).where(Obligation.case_id == case.id).order_by(Obligation.due_on)  # type: ignore[arg-type]
        )
        return [
            ObligationPublic(
                id=o.id,
                description=o.description if personal else None,
                due_on=o.due_on,
                status=o.status,
                resolved_at=utc(o.resolved_at),
            )
            for o in rows
        ]


def _settlement(session: Session, case: Case) -> Settlement:
    found = current_settlement(session, case.id)
    if found is None:
        raise Problem(404, "not-found", "The case has no settlement agreement.")
    return found


@router.get("/{case_id}/settlement", response_model=SettlementPublic)
def get_settlement(case_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """The settlement agreement: terms and signatures for those who see personal data."""
    with new_session(ctx.engine) as session:
        case = _read(session, principal, case_id)
        personal = permissions.sees_personal_data(principal, case)
        found = _settlement(session, case)
        signatures = [
            SignatureCmd(party_id=s.party_id, signed_on=s.signed_on)
            for s in session.exec(select(Signature).where(Signature.settlement_id == found.id))
        ]
        return SettlementPublic(
            terms=found.terms if personal else None,
            signed_on=found.signed_on,
            document_name=found.document_name,
            media_type=found.media_type,
            document_sha256=found.document_sha256,
            signatures=signatures if personal else None,
        )


@router.get("/{case_id}/settlement/document")
def get_settlement_document(case_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """The stored signed document, with its SHA-256 in `Digest`-style headers."""
    with new_session(ctx.engine) as session:
        found = _settlement(session, _personal(session, principal, case_id))
        return Response(
            content=found.document,
            media_type=found.media_type,
            headers={"X-Content-SHA256": found.document_sha256},
        )


@router.get("/{case_id}/escalations", response_model=list[EscalationPublic])
def list_escalations(case_id: str, principal: CurrentPrincipal, ctx: ContextDep):
    """The case's escalations and whether law enforcement accepted them."""
    with new_session(ctx.engine) as session:
        case = _read(session, principal, case_id)
        personal = permissions.sees_personal_data(principal, case)
        rows = session.exec(
            select(Escalation)
            .where(Escalation.case_id == case.id)
            .order_by(Escalation.escalated_at)  # type: ignore[arg-type]
        )
        return [queries.escalation_public(e, reason=personal) for e in rows]


@router.get("/{case_id}/timeline", response_model=list[TimelineEntry])
def get_timeline(
    case_id: str,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    format: Literal["json", "csv"] = "json",  # noqa: A002
):
    """Every step of the case in order, with who and when; `?format=csv` exports it."""
    with new_session(ctx.engine) as session:
        case = _read(session, principal, case_id)
        details = permissions.sees_personal_data(principal, case)
        entries = queries.timeline(session, ctx.tables, case, details)
    if format == "json":
        return entries
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "kind", "actor", "action", "details"])
    for e in entries:
        writer.writerow(
            [
                e.at.isoformat(),
                e.kind,
                e.actor or "",
                e.action,
                json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else "",
            ]
        )
    return Response(
        content=out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{case.number}-timeline.csv"'},
    )
