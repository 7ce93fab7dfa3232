"""Compliance follow-up: the settlement's obligations, fulfilled or breached, and closure."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim.pagination import Page
from kelisim.preconditions import IfMatch
from kelisim.problems import Problem
from kelisim.service import ContextDep, reading
from services.cases import queries
from services.cases.api.common import PREFIX, CaseReader, answer
from services.cases.handlers import compliance
from services.cases.handlers.compliance import AddObligation, CloseCase, ResolveObligation
from services.cases.schemas import CasePublic, ObligationCreate, ObligationPublic, ObligationUpdate

router = APIRouter(prefix=PREFIX, tags=["cases"])


@router.get("/{case_id}/obligations", response_model=Page[ObligationPublic])
def list_obligations(
    case_id: str, principal: CaseReader, ctx: ContextDep
) -> Page[ObligationPublic]:
    """The settlement's obligations and their follow-up (one page: a case's own)."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        return Page[ObligationPublic](items=queries.obligations_shown(db, principal, case))


@router.post("/{case_id}/obligations", status_code=201, response_model=ObligationPublic)
def add_obligation(
    case_id: str,
    body: ObligationCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> ObligationPublic:
    """Add an obligation of the settlement to follow up."""
    cmd = AddObligation(principal=principal, if_match=if_match, case_id=case_id, body=body)
    case, obligation = ctx.run(request, compliance.add_obligation, cmd)
    response.headers["ETag"] = queries.etag(case)
    return queries.obligation_public(obligation, personal=True)


@router.post("/{case_id}/obligations/{obligation_id}/{verdict}", response_model=CasePublic)
def resolve_obligation(
    case_id: str,
    obligation_id: str,
    verdict: str,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    body: ObligationUpdate | None = None,
    if_match: IfMatch = None,
) -> CasePublic:
    """Mark an obligation `fulfilled` or `breached`."""
    if verdict not in ("fulfilled", "breached"):
        raise Problem(404, "not-found", "Say fulfilled or breached.")
    cmd = ResolveObligation(
        principal=principal,
        if_match=if_match,
        case_id=case_id,
        obligation_id=obligation_id,
        fulfilled=verdict == "fulfilled",
        body=body or ObligationUpdate(),
    )
    return answer(ctx, principal, ctx.run(request, compliance.resolve_obligation, cmd), response)


@router.post("/{case_id}/closure", response_model=CasePublic)
def close_case(
    case_id: str,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """Close follow-up of a settled case explicitly."""
    cmd = CloseCase(principal=principal, if_match=if_match, case_id=case_id)
    return answer(ctx, principal, ctx.run(request, compliance.close_case, cmd), response)
