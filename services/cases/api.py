"""Thin routes of the cases service: parse, authorise, call a handler, shape the answer."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, actor_of
from services.cases import handlers
from services.cases.schemas import CaseCreate, CasePublic

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])


@router.post("", status_code=201, response_model=CasePublic)
def register_case(body: CaseCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """Register a mediation case in one of the caller's regions."""
    if not principal.has("mediator", "coordinator"):
        raise Problem(403, "forbidden", "Only mediators and coordinators register cases.")
    if not principal.in_region(body.region):
        raise Problem(403, "out-of-scope", "The region is outside your scope.")
    with ctx.uow(actor_of(request, principal)) as uow:
        case = handlers.register_case(body, uow)
        uow.commit()
    return CasePublic.model_validate(case, from_attributes=True)
