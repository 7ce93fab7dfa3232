"""Compliance follow-up: the settlement's obligations, fulfilled or breached, and closure."""

from __future__ import annotations

from dataclasses import dataclass, replace

from kelisim.clock import now
from kelisim.events import EventData
from kelisim.events.cases import CaseClosed, ObligationBreached, ObligationFulfilled
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.steps import (
    CaseCommand,
    CaseStep,
    aggregate,
    open_case_step,
    record_step,
    ref,
)
from services.cases.models import Case, Obligation
from services.cases.queries import current_settlement, obligations_of
from services.cases.schemas import ObligationCreate, ObligationUpdate


@dataclass(frozen=True, kw_only=True)
class AddObligation(CaseCommand):
    body: ObligationCreate


@dataclass(frozen=True, kw_only=True)
class ResolveObligation(CaseCommand):
    obligation_id: str
    fulfilled: bool
    body: ObligationUpdate


@dataclass(frozen=True, kw_only=True)
class CloseCase(CaseCommand):
    pass


def add_obligation(cmd: AddObligation, uow: UnitOfWork) -> tuple[Case, Obligation]:
    """Add an obligation of the settlement to follow up."""
    step = open_case_step(uow, cmd, "add_obligation")
    settlement = current_settlement(uow.session, step.case.id)
    assert settlement is not None  # a settled case has one
    obligation = Obligation(
        case_id=step.case.id,
        settlement_id=settlement.id,
        description=cmd.body.description,
        due_on=cmd.body.due_on,
    )
    uow.session.add(obligation)
    case = record_step(uow, step, obligation=obligation.id, due_on=str(cmd.body.due_on))
    return case, obligation


def resolve_obligation(cmd: ResolveObligation, uow: UnitOfWork) -> Case:
    """Mark an open obligation fulfilled or breached; the last one fulfilled closes the case."""
    step = open_case_step(uow, cmd, "fulfil_obligation" if cmd.fulfilled else "breach_obligation")
    case = step.case
    obligation = uow.session.get(Obligation, cmd.obligation_id)
    if obligation is None or obligation.case_id != case.id:
        raise Problem(404, "not-found", "No such obligation in this case.")
    if obligation.status != "open":
        raise Problem(409, "obligation-resolved", f"The obligation is already {obligation.status}.")
    obligation.status = "fulfilled" if cmd.fulfilled else "breached"
    obligation.resolved_at = now()
    obligation.note = cmd.body.note
    uow.session.add(obligation)
    case = record_step(
        uow,
        step,
        obligation=obligation.id,
        obligation_status=obligation.status,
        **({"note": cmd.body.note} if cmd.body.note else {}),
    )
    resolved = {"obligation_ref": obligation.id, "due_on": obligation.due_on}
    if cmd.fulfilled:
        event: EventData = ObligationFulfilled(case_ref=case.id, region=case.region, **resolved)
    else:  # a breach is told to the case's mediator and the region's coordinators by name
        event = ObligationBreached(**ref(case), mediator=case.mediator, **resolved)
    uow.emit(event, aggregate=aggregate(case))
    if cmd.fulfilled and all(o.status == "fulfilled" for o in obligations_of(uow.session, case.id)):
        # The If-Match named the version before this step; the closure follows from it.
        case = _close(uow, open_case_step(uow, replace(cmd, if_match=None), "close"))
    return case


def close_case(cmd: CloseCase, uow: UnitOfWork) -> Case:
    """Close follow-up of a settled case explicitly."""
    return _close(uow, open_case_step(uow, cmd, "close"))


def _close(uow: UnitOfWork, step: CaseStep) -> Case:
    """Close a settled case whose obligations are all resolved."""
    case = step.case
    if any(o.status == "open" for o in obligations_of(uow.session, case.id)):
        raise Problem(409, "obligations-open", "Some obligations are still open.")
    case.closed_at = now()
    case = record_step(uow, step, outcome=case.outcome)
    uow.emit(
        CaseClosed(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case
