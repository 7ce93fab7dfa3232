"""Escalation to law enforcement: a reasoned decision, and the list with its acceptance."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim.pagination import Page
from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep, reading
from services.cases import queries
from services.cases.api.common import PREFIX, CaseReader
from services.cases.handlers import escalation
from services.cases.handlers.escalation import EscalateCase
from services.cases.schemas import EscalationCreate, EscalationPublic

router = APIRouter(prefix=PREFIX, tags=["cases"])


@router.get("/{case_id}/escalations", response_model=Page[EscalationPublic])
def list_escalations(
    case_id: str, principal: CaseReader, ctx: ContextDep
) -> Page[EscalationPublic]:
    """The case's escalations and whether law enforcement accepted them (one page)."""
    with reading(ctx) as db:
        case = queries.readable_case(db, principal, case_id)
        return Page[EscalationPublic](items=queries.escalations_of(db, principal, case))


@router.post("/{case_id}/escalations", status_code=201, response_model=EscalationPublic)
def escalate(
    case_id: str,
    body: EscalationCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> EscalationPublic:
    """Escalate a case to law enforcement (reasoned, with a risk level)."""
    cmd = EscalateCase(principal=principal, if_match=if_match, case_id=case_id, body=body)
    case, raised = ctx.run(request, escalation.escalate, cmd)
    response.headers["ETag"] = queries.etag(case)
    return queries.escalation_public(raised, reason=True)
