"""Compliance follow-up: the settlement's obligations, fulfilled or breached."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import Session, select

from kelisim.events.cases import CaseClosed, ObligationBreached, ObligationFulfilled
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.common import Pending, Target, aggregate, begin, finish, ref
from services.cases.models import Case, Obligation, Settlement
from services.cases.schemas import ObligationCreate, ObligationResolve


def current_settlement(session: Session, case_id: str) -> Settlement | None:
    """The case's newest settlement agreement."""
    return session.exec(
        select(Settlement)
        .where(Settlement.case_id == case_id)
        .order_by(Settlement.created_at.desc())  # type: ignore[attr-defined]
    ).first()


def obligations_of(uow: UnitOfWork, case: Case) -> list[Obligation]:
    """The obligations of the case's current settlement."""
    settlement = current_settlement(uow.session, case.id)
    if settlement is None:
        return []
    return list(
        uow.session.exec(
            select(Obligation)
            .where(Obligation.settlement_id == settlement.id)
            .order_by(Obligation.due_on)  # type: ignore[arg-type]
        )
    )


def add_obligation(target: Target, cmd: ObligationCreate, uow: UnitOfWork) -> Obligation:
    """Add an obligation of the settlement to follow up."""
    current = begin(uow, target, "add_obligation")
    settlement = current_settlement(uow.session, current.case.id)
    assert settlement is not None  # a settled case has one
    obligation = Obligation(
        case_id=current.case.id,
        settlement_id=settlement.id,
        description=cmd.description,
        due_on=cmd.due_on,
    )
    uow.session.add(obligation)
    finish(uow, current, obligation=obligation.id, due_on=str(cmd.due_on))
    return obligation


def resolve(
    target: Target, obligation_id: str, fulfilled: bool, cmd: ObligationResolve, uow: UnitOfWork
) -> Case:
    """Mark an open obligation fulfilled or breached; the last one fulfilled closes the case."""
    current = begin(uow, target, "fulfil_obligation" if fulfilled else "breach_obligation")
    case = current.case
    obligation = uow.session.get(Obligation, obligation_id)
    if obligation is None or obligation.case_id != case.id:
        raise Problem(404, "not-found", "No such obligation in this case.")
    if obligation.status != "open":
        raise Problem(409, "obligation-resolved", f"The obligation is already {obligation.status}.")
    obligation.status = "fulfilled" if fulfilled else "breached"
    obligation.resolved_at = datetime.now(UTC)
    obligation.note = cmd.note
    uow.session.add(obligation)
    case = finish(uow, current, obligation=obligation.id, obligation_status=obligation.status)
    event = ObligationFulfilled if fulfilled else ObligationBreached
    uow.emit(
        event(
            case_ref=case.id,
            obligation_ref=obligation.id,
            region=case.region,
            due_on=obligation.due_on,
        ),
        aggregate=aggregate(case),
    )
    if fulfilled and all(o.status == "fulfilled" for o in obligations_of(uow, case)):
        case = close(uow, begin(uow, replace(target, if_match=None), "close"))
    return case


def close(uow: UnitOfWork, current: Pending) -> Case:
    """Close a settled case whose obligations are all resolved."""
    case = current.case
    if any(o.status == "open" for o in obligations_of(uow, case)):
        raise Problem(409, "obligations-open", "Some obligations are still open.")
    case.closed_at = datetime.now(UTC)
    case = finish(uow, current, outcome=case.outcome)
    uow.emit(
        CaseClosed(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case


def close_case(target: Target, uow: UnitOfWork) -> Case:
    """Close follow-up of a settled case explicitly."""
    return close(uow, begin(uow, target, "close"))
