"""Assigning and reassigning a mediator, and the mediator's conflict-of-interest declaration."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kelisim.preconditions import IfMatch
from kelisim.service import ContextDep
from services.cases.api.common import PREFIX, CaseReader, answer
from services.cases.handlers import assignment
from services.cases.handlers.assignment import (
    AssignMediator,
    DeclareConflictOfInterest,
    ReassignMediator,
)
from services.cases.schemas import AssignmentCreate, CasePublic, DeclarationCreate

router = APIRouter(prefix=PREFIX, tags=["cases"])


@router.post("/{case_id}/assignment", response_model=CasePublic)
def assign(
    case_id: str,
    body: AssignmentCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """A coordinator of the region assigns a mediator of the region."""
    cmd = AssignMediator(principal=principal, if_match=if_match, case_id=case_id, body=body)
    return answer(ctx, principal, ctx.run(request, assignment.assign, cmd), response)


@router.post("/{case_id}/reassignment", response_model=CasePublic)
def reassign(
    case_id: str,
    body: AssignmentCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """Reassign to another mediator, with a reason; the new one must declare again."""
    cmd = ReassignMediator(principal=principal, if_match=if_match, case_id=case_id, body=body)
    return answer(ctx, principal, ctx.run(request, assignment.reassign, cmd), response)


@router.post("/{case_id}/declaration", response_model=CasePublic)
def declare(
    case_id: str,
    body: DeclarationCreate,
    request: Request,
    response: Response,
    principal: CaseReader,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> CasePublic:
    """The assigned mediator declares no conflict of interest, or one, which unassigns them."""
    cmd = DeclareConflictOfInterest(
        principal=principal, if_match=if_match, case_id=case_id, body=body
    )
    return answer(ctx, principal, ctx.run(request, assignment.declare, cmd), response)
