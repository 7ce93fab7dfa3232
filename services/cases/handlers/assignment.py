"""Assignment and reassignment of a mediator, and the conflict-of-interest declaration."""

from __future__ import annotations

from dataclasses import dataclass

from kelisim.clock import now
from kelisim.events.cases import CaseAssigned, CaseConflictDeclared, CaseDeclared
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.staff import require_mediator
from services.cases.handlers.steps import (
    CaseCommand,
    aggregate,
    open_case_step,
    record_step,
    ref,
)
from services.cases.lifecycle import ASSIGNED, REGISTERED
from services.cases.models import Assignment, Case
from services.cases.queries import current_assignment, declared_conflict
from services.cases.schemas import AssignmentCreate, DeclarationCreate


@dataclass(frozen=True, kw_only=True)
class AssignMediator(CaseCommand):
    body: AssignmentCreate


@dataclass(frozen=True, kw_only=True)
class ReassignMediator(CaseCommand):
    body: AssignmentCreate


@dataclass(frozen=True, kw_only=True)
class DeclareConflictOfInterest(CaseCommand):
    body: DeclarationCreate


def _give(uow: UnitOfWork, case: Case, body: AssignmentCreate) -> Assignment:
    require_mediator(uow.session, case, body.mediator)
    if declared_conflict(uow.session, case.id, body.mediator):
        raise Problem(
            409,
            "declared-conflict",
            "This mediator declared a conflict of interest in this case; assign another.",
            mediator=body.mediator,
        )
    assignment = Assignment(
        case_id=case.id, mediator=body.mediator, assigned_by=uow.actor.username, reason=body.reason
    )
    uow.session.add(assignment)
    case.mediator = body.mediator
    case.declared = False
    return assignment


def assign(cmd: AssignMediator, uow: UnitOfWork) -> Case:
    """A coordinator of the region assigns a mediator of the region."""
    step = open_case_step(uow, cmd, "assign")
    assignment = _give(uow, step.case, cmd.body)
    case = record_step(uow, step, mediator=cmd.body.mediator, assignment=assignment.id)
    uow.emit(CaseAssigned(**ref(case), mediator=cmd.body.mediator), aggregate=aggregate(case))
    return case


def reassign(cmd: ReassignMediator, uow: UnitOfWork) -> Case:
    """Reassign to another mediator, with a reason; the new one must declare again."""
    step = open_case_step(uow, cmd, "reassign")
    case, body = step.case, cmd.body
    if not body.reason or len(body.reason.strip()) < 3:
        raise Problem(422, "reason-required", "A reassignment needs a reason.")
    if case.mediator == body.mediator:
        raise Problem(409, "same-mediator", "The case is already assigned to this mediator.")
    previous = current_assignment(uow.session, case.id)
    if previous is not None:
        previous.ended_at = now()
        uow.session.add(previous)
    before = case.mediator
    assignment = _give(uow, case, body)
    case = record_step(
        uow,
        step,
        mediator=body.mediator,
        previous=before,
        reason=body.reason,
        assignment=assignment.id,
    )
    uow.emit(
        CaseAssigned(**ref(case), mediator=body.mediator, reassigned=True),
        aggregate=aggregate(case),
    )
    return case


def declare(cmd: DeclareConflictOfInterest, uow: UnitOfWork) -> Case:
    """The assigned mediator declares no conflict of interest, or one, which unassigns them."""
    step = open_case_step(uow, cmd, "declare")
    case, body = step.case, cmd.body
    if case.declared and not body.conflict:
        raise Problem(409, "already-declared", "You have already declared no conflict.")
    if body.conflict and not (body.reason or "").strip():
        # The coordinator reassigns on it, and the audit trail keeps it.
        raise Problem(422, "reason-required", "A declared conflict of interest needs its reason.")
    assignment = current_assignment(uow.session, case.id)
    declared_at = now()
    mediator = case.mediator or ""
    if assignment is not None:
        assignment.declared_at = declared_at
        assignment.conflict = body.conflict
        assignment.conflict_reason = body.reason
        if body.conflict:
            assignment.ended_at = declared_at
        uow.session.add(assignment)
    if body.conflict:
        # Back to the coordinator for reassignment; a running term keeps running.
        case.mediator = None
        case.declared = False
        if case.status == ASSIGNED:
            case.status = REGISTERED
    else:
        case.declared = True
    reason = {"reason": body.reason.strip()} if body.conflict and body.reason else {}
    case = record_step(uow, step, mediator=mediator, conflict=body.conflict, **reason)
    uow.emit(
        CaseDeclared(**ref(case), mediator=mediator, conflict=body.conflict),
        aggregate=aggregate(case),
    )
    if body.conflict:
        # Its own subject, so that a rule can tell the coordinators without telling them of
        # every declaration of no conflict.
        uow.emit(CaseConflictDeclared(**ref(case), mediator=mediator), aggregate=aggregate(case))
    return case
