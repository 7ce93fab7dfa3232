"""Assignment and reassignment of a mediator, and the conflict-of-interest declaration."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from kelisim.events.cases import CaseAssigned, CaseDeclared
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.common import Target, aggregate, begin, finish, ref
from services.cases.lifecycle import ASSIGNED, REGISTERED
from services.cases.models import Assignment, Case
from services.cases.schemas import AssignmentCmd, Declaration


def current_assignment(uow: UnitOfWork, case: Case) -> Assignment | None:
    return uow.session.exec(
        select(Assignment).where(Assignment.case_id == case.id, Assignment.ended_at == None)  # noqa: E711
    ).first()


def _give(uow: UnitOfWork, case: Case, cmd: AssignmentCmd) -> Assignment:
    # The service does not know users: the coordinator names the mediator, and we record it.
    assignment = Assignment(
        case_id=case.id, mediator=cmd.mediator, assigned_by=uow.actor.username, reason=cmd.reason
    )
    uow.session.add(assignment)
    case.mediator = cmd.mediator
    case.declared = False
    return assignment


def assign(target: Target, cmd: AssignmentCmd, uow: UnitOfWork) -> Case:
    """A coordinator of the region assigns a mediator of the region."""
    current = begin(uow, target, "assign")
    assignment = _give(uow, current.case, cmd)
    case = finish(uow, current, mediator=cmd.mediator, assignment=assignment.id)
    uow.emit(CaseAssigned(**ref(case), mediator=cmd.mediator), aggregate=aggregate(case))
    return case


def reassign(target: Target, cmd: AssignmentCmd, uow: UnitOfWork) -> Case:
    """Reassign to another mediator, with a reason; the new one must declare again."""
    current = begin(uow, target, "reassign")
    case = current.case
    if not cmd.reason or len(cmd.reason.strip()) < 3:
        raise Problem(422, "reason-required", "A reassignment needs a reason.")
    if case.mediator == cmd.mediator:
        raise Problem(409, "same-mediator", "The case is already assigned to this mediator.")
    previous = current_assignment(uow, case)
    if previous is not None:
        previous.ended_at = datetime.now(UTC)
        uow.session.add(previous)
    before = case.mediator
    assignment = _give(uow, case, cmd)
    case = finish(
        uow,
        current,
        mediator=cmd.mediator,
        previous=before,
        reason=cmd.reason,
        assignment=assignment.id,
    )
    uow.emit(
        CaseAssigned(**ref(case), mediator=cmd.mediator, reassigned=True), aggregate=aggregate(case)
    )
    return case


def declare(target: Target, cmd: Declaration, uow: UnitOfWork) -> Case:
    """The assigned mediator declares no conflict of interest, or one, which unassigns them."""
    current = begin(uow, target, "declare")
    case = current.case
    if case.declared and not cmd.conflict:
        raise Problem(409, "already-declared", "You have already declared no conflict.")
    assignment = current_assignment(uow, case)
    now = datetime.now(UTC)
    mediator = case.mediator or ""
    if assignment is not None:
        assignment.declared_at = now
        assignment.conflict = cmd.conflict
        assignment.conflict_reason = cmd.reason
        if cmd.conflict:
            assignment.ended_at = now
        uow.session.add(assignment)
    if cmd.conflict:
        # Back to the coordinator for reassignment; a running term keeps running.
        case.mediator = None
        case.declared = False
        if case.status == ASSIGNED:
            case.status = REGISTERED
    else:
        case.declared = True
    case = finish(uow, current, mediator=mediator, conflict=cmd.conflict)
    uow.emit(
        CaseDeclared(**ref(case), mediator=mediator, conflict=cmd.conflict),
        aggregate=aggregate(case),
    )
    return case
