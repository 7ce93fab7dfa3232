"""Registering a case (Idempotency-Key honoured), adding a party, refusing an ineligible case."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, CurrentPrincipal
from kelisim.uow import UnitOfWork
from services.cases import permissions, queries
from services.cases.api.common import PREFIX, CaseReader, answer
from services.cases.handlers import registration
from services.cases.handlers.registration import AddParty, RefuseCase, RegisterCase
from services.cases.models import Case
from services.cases.schemas import CaseCreate, CasePublic, PartyCreate, RefusalCreate

router = APIRouter(prefix=PREFIX, tags=["cases"])


def registered(case: Case, uow: UnitOfWork) -> CasePublic:
    """The registering user typed the parties in: they see them in this answer."""
    return queries.case_public(uow.session, case, personal=True)


@router.post("", status_code=201, response_model=CasePublic)
def register(
    body: CaseCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep
) -> JSONResponse:
    """Register a mediation case in one of the caller's regions (`Idempotency-Key` honoured)."""
    permissions.require_registrar(principal, body.region)
    cmd = RegisterCase(principal=principal, body=body)
    created = ctx.create(request, registration.register_case, cmd, shape=registered)
    created.headers["ETag"] = queries.etag(CasePublic.model_validate_json(created.body))
    return created


@router.post("/{case_id}/parties", response_model=CasePublic)
def add_party(
    case_id: str,
    body: PartyCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """Add a party before the agreement; one that makes the case ineligible refuses it."""
    cmd = AddParty(principal=principal, if_match=if_match, case_id=case_id, body=body)
    return answer(ctx, principal, ctx.run(request, registration.add_party, cmd), response)


@router.post("/{case_id}/refusal", response_model=CasePublic)
def refuse(
    case_id: str,
    body: RefusalCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """Refuse a case found ineligible after registration; the reason is recorded."""
    cmd = RefuseCase(principal=principal, if_match=if_match, case_id=case_id, body=body)
    return answer(ctx, principal, ctx.run(request, registration.refuse, cmd), response)
