"""Outcomes: the settlement agreement (and its document), not settled, terminated, reopened."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim import files
from kelisim.preconditions import IfMatch
from kelisim.problems import Problem
from kelisim.service import ContextDep, reading
from services.cases import permissions, queries
from services.cases.api.common import PREFIX, CaseReader, Terms, answer
from services.cases.handlers import outcome
from services.cases.handlers.outcome import (
    EndWithoutSettlement,
    ReopenCase,
    SettleCase,
    TerminateMediation,
)
from services.cases.schemas import (
    CasePublic,
    OutcomeCreate,
    ReopeningCreate,
    SettlementCreate,
    SettlementPublic,
)

router = APIRouter(prefix=PREFIX, tags=["cases"])


@router.post("/{case_id}/settlement", response_model=CasePublic)
def settle(
    case_id: str,
    body: SettlementCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    terms: Terms,
    if_match: IfMatch = None,
) -> CasePublic:
    """Record the settlement agreement signed by every party, its document and obligations."""
    cmd = SettleCase(
        principal=principal, if_match=if_match, case_id=case_id, body=body, terms=terms
    )
    return answer(ctx, principal, ctx.run(request, outcome.settle, cmd), response)


@router.post("/{case_id}/not-settled", response_model=CasePublic)
def not_settled(
    case_id: str,
    body: OutcomeCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """The mediation ended without a settlement."""
    cmd = EndWithoutSettlement(principal=principal, if_match=if_match, case_id=case_id, body=body)
    return answer(ctx, principal, ctx.run(request, outcome.not_settled, cmd), response)


@router.post("/{case_id}/termination", response_model=CasePublic)
def terminate(
    case_id: str,
    body: OutcomeCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """The mediation is terminated (e.g. a party stopped taking part)."""
    cmd = TerminateMediation(principal=principal, if_match=if_match, case_id=case_id, body=body)
    return answer(ctx, principal, ctx.run(request, outcome.terminate, cmd), response)


@router.post("/{case_id}/reopening", response_model=CasePublic)
def reopen(
    case_id: str,
    body: ReopeningCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    terms: Terms,
    if_match: IfMatch = None,
) -> CasePublic:
    """A breached settlement reopens the mediation with a new term."""
    cmd = ReopenCase(
        principal=principal, if_match=if_match, case_id=case_id, body=body, terms=terms
    )
    return answer(ctx, principal, ctx.run(request, outcome.reopen, cmd), response)


@router.get("/{case_id}/settlement", response_model=SettlementPublic)
def get_settlement(case_id: str, principal: CaseReader, ctx: ContextDep) -> SettlementPublic:
    """The settlement agreement: terms and signatures for those who see personal data."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        return queries.settlement_public(db, principal, case)


@router.get("/{case_id}/settlement/document")
def get_settlement_document(case_id: str, principal: CaseReader, ctx: ContextDep) -> Response:
    """The stored signed document, with its SHA-256 in `Digest`-style headers."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        if not permissions.sees_personal_data(principal, case):
            raise Problem(403, "personal-data", "You may not see this case's personal data.")
        found = queries.settlement_of(db, case)
    return files.attachment(
        found.document,
        found.document_name,
        found.media_type,
        {"X-Content-SHA256": found.document_sha256},
    )
