"""Thin routes of the councils service."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kelisim.problems import Problem
from kelisim.service import ContextDep, CurrentPrincipal, actor_of
from services.councils import handlers
from services.councils.schemas import CouncilCreate, CouncilPublic

router = APIRouter(prefix="/api/v1/councils", tags=["councils"])


@router.post("", status_code=201, response_model=CouncilPublic)
def create_council(body: CouncilCreate, request: Request, principal: CurrentPrincipal, ctx: ContextDep):
    """Create a council (admin, or a secretary in the council's region)."""
    if not (principal.has("admin") or (principal.has("council_secretary") and principal.in_region(body.region))):
        raise Problem(403, "forbidden", "Only an admin or a secretary of the region creates councils.")
    with ctx.uow(actor_of(request, principal)) as uow:
        council = handlers.create_council(body, uow)
        uow.commit()
    return CouncilPublic.model_validate(council, from_attributes=True)
