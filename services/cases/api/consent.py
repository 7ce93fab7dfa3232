"""The parties' consent, its withdrawal, the mediation agreement and the one extension."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep
from services.cases.api.common import PREFIX, CaseReader, Terms, answer
from services.cases.handlers import consent
from services.cases.handlers.consent import (
    ExtendTerm,
    RecordConsent,
    SignAgreement,
    WithdrawConsent,
)
from services.cases.schemas import (
    AgreementCreate,
    CasePublic,
    ConsentCreate,
    ExtensionCreate,
    WithdrawalCreate,
)

router = APIRouter(prefix=PREFIX, tags=["cases"])


@router.post("/{case_id}/consents", response_model=CasePublic)
def record_consent(
    case_id: str,
    body: ConsentCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    terms: Terms,
    if_match: IfMatch = None,
) -> CasePublic:
    """Record one party's voluntary consent (date, form)."""
    cmd = RecordConsent(
        principal=principal, if_match=if_match, case_id=case_id, body=body, terms=terms
    )
    return answer(ctx, principal, ctx.run(request, consent.record_consent, cmd), response)


@router.post("/{case_id}/withdrawal", response_model=CasePublic)
def withdraw_consent(
    case_id: str,
    body: WithdrawalCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """A party withdraws consent, which ends the mediation."""
    cmd = WithdrawConsent(principal=principal, if_match=if_match, case_id=case_id, body=body)
    return answer(ctx, principal, ctx.run(request, consent.withdraw_consent, cmd), response)


@router.post("/{case_id}/agreement", response_model=CasePublic)
def sign_agreement(
    case_id: str,
    body: AgreementCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    terms: Terms,
    if_match: IfMatch = None,
) -> CasePublic:
    """Sign the mediation agreement once every party has consented; the term starts."""
    cmd = SignAgreement(
        principal=principal, if_match=if_match, case_id=case_id, body=body, terms=terms
    )
    return answer(ctx, principal, ctx.run(request, consent.sign_agreement, cmd), response)


@router.post("/{case_id}/extension", response_model=CasePublic)
def extend(
    case_id: str,
    body: ExtensionCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    terms: Terms,
    if_match: IfMatch = None,
) -> CasePublic:
    """Extend the term once, with a reason and every party's consent; a second is refused."""
    cmd = ExtendTerm(
        principal=principal, if_match=if_match, case_id=case_id, body=body, terms=terms
    )
    return answer(ctx, principal, ctx.run(request, consent.extend, cmd), response)
