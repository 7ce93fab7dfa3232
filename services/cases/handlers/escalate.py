"""Escalation to law enforcement: a reasoned decision; only the liaison subset leaves."""

from __future__ import annotations

from datetime import UTC, datetime

from kelisim.bus import PermanentError
from kelisim.events.cases import CaseEscalated
from kelisim.events.notifications import EscalationAcknowledged
from kelisim.uow import UnitOfWork
from services.cases.handlers.common import Target, aggregate, begin, finish
from services.cases.models import Case, Escalation
from services.cases.schemas import EscalationCmd


def escalate(target: Target, cmd: EscalationCmd, uow: UnitOfWork) -> tuple[Case, Escalation]:
    """Escalate a case at risk of interethnic or interfaith violations."""
    current = begin(uow, target, "escalate")
    case = current.case
    escalation = Escalation(
        case_id=case.id,
        reason=cmd.reason,
        risk_of=cmd.risk_of,
        risk_level=cmd.risk_level,
        summary=cmd.summary,
        escalated_by=uow.actor.username,
        escalated_at=datetime.now(UTC),
    )
    uow.session.add(escalation)
    case.escalated = True
    case = finish(
        uow,
        current,
        escalation=escalation.id,
        risk_of=cmd.risk_of,
        risk_level=cmd.risk_level,
        summary=cmd.summary,
    )
    # The liaison subset: the opaque liaison_ref, never the case id, number, names or contacts;
    # the CloudEvents subject names the escalation so the envelope carries no case id either.
    uow.emit(
        CaseEscalated(
            escalation_id=escalation.id,
            case_ref=case.liaison_ref,
            region=case.region,
            category=case.category,
            risk_level=cmd.risk_level,
            summary=cmd.summary,
            escalated_at=escalation.escalated_at,
        ),
        aggregate=aggregate(case),
        subject=f"escalation:{escalation.id}",
    )
    return case, escalation


def acknowledge(data: EscalationAcknowledged, uow: UnitOfWork) -> None:
    """Record that the liaison accepted an escalation ("accepted by police at ...")."""
    escalation = uow.session.get(Escalation, data.escalation_id)
    if escalation is None:
        raise PermanentError(f"unknown escalation {data.escalation_id}")
    if escalation.acknowledged_at is not None:
        return
    escalation.acknowledged_by = data.acknowledged_by
    escalation.acknowledged_at = data.acknowledged_at
    uow.session.add(escalation)
    uow.audit(
        "case.escalation_acknowledged",
        "case",
        escalation.case_id,
        after={
            "escalation": escalation.id,
            "acknowledged_by": data.acknowledged_by,
            "acknowledged_at": data.acknowledged_at.isoformat(),
        },
    )
