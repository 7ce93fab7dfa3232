"""Escalation to law enforcement: a reasoned decision; only the liaison subset leaves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlmodel import col

from kelisim.anonymity import require_none_in
from kelisim.bus import PermanentError
from kelisim.clock import now
from kelisim.events.cases import CaseEscalated
from kelisim.events.notifications import EscalationAcknowledged
from kelisim.problems import Problem
from kelisim.references import escalation_reference
from kelisim.uow import UnitOfWork
from services.cases.handlers.steps import CaseCommand, aggregate, open_case_step, record_step
from services.cases.models import Case, Escalation
from services.cases.practice import identifying
from services.cases.schemas import EscalationCreate


@dataclass(frozen=True, kw_only=True)
class EscalateCase(CaseCommand):
    body: EscalationCreate


def escalate(cmd: EscalateCase, uow: UnitOfWork) -> tuple[Case, Escalation]:
    """Escalate a case at risk of interethnic or interfaith violations."""
    step = open_case_step(uow, cmd, "escalate")
    case, body = step.case, cmd.body
    _require_not_raised(uow, case, body)
    _require_no_personal_data(uow, case, body.summary)
    escalation = Escalation(
        case_id=case.id,
        reason=body.reason,
        risk_of=body.risk_of,
        risk_level=body.risk_level,
        summary=body.summary,
        escalated_by=uow.actor.username,
        escalated_at=now(),
    )
    uow.session.add(escalation)
    case.escalated = True
    case = record_step(
        uow,
        step,
        escalation=escalation.id,
        risk_of=body.risk_of,
        risk_level=body.risk_level,
        summary=body.summary,
    )
    # The liaison subset: the opaque liaison_ref, never the case id, number, names or contacts.
    # The case's id and number ride along for staff notices (the stream is internal); the
    # notifications service keeps them out of what the liaison receives.
    uow.emit(
        CaseEscalated(
            escalation_id=escalation.id,
            case_ref=case.liaison_ref,
            region=case.region,
            category=case.category,
            risk_level=body.risk_level,
            summary=body.summary,
            escalated_at=escalation.escalated_at,
            risk_of=body.risk_of,
            case_id=case.id,
            number=case.number,
            mediator=case.mediator,
        ),
        aggregate=aggregate(case),
        subject=f"escalation:{escalation.id}",
    )
    return case, escalation


# The case's escalations of one risk and level, their summaries only (no ORM rows: a case
# watched for months may have many), built once.
_SAME_RISK = (
    select(col(Escalation.id), col(Escalation.summary), col(Escalation.escalated_at))
    .where(
        col(Escalation.case_id) == bindparam("case_id"),
        col(Escalation.risk_of) == bindparam("risk_of"),
        col(Escalation.risk_level) == bindparam("risk_level"),
    )
    .order_by(col(Escalation.escalated_at))
)


def _require_not_raised(uow: UnitOfWork, case: Case, body: EscalationCreate) -> None:
    """409 `escalation-already-raised` for an escalation the case already has: the same risk,
    level and summary (spaces aside). A client's retry without an Idempotency-Key would send
    the liaison the same alert twice; a changed summary or level is news, and is raised.

    The case is locked by its step, so two such requests one after the other see each other.
    """
    same = _spaced(body.summary)
    earlier = uow.session.execute(
        _SAME_RISK,
        {"case_id": case.id, "risk_of": body.risk_of, "risk_level": body.risk_level},
    )
    for raised in earlier:
        if _spaced(raised.summary) == same:
            reference = escalation_reference(raised.id)
            at = raised.escalated_at.isoformat()
            raise Problem(
                409,
                "escalation-already-raised",
                f"This case was already escalated with the same risk and summary at {at} "
                f"(reference {reference}); nothing was sent again.",
                title="Escalation already raised",
                escalation_id=raised.id,
                reference=reference,
                escalated_at=at,
            )


def _spaced(text: str) -> str:
    """The text with its runs of white space as single spaces, none around it."""
    return " ".join(text.split())


def _require_no_personal_data(uow: UnitOfWork, case: Case, summary: str) -> None:
    """422 `personal-data-in-summary` when the summary, which goes to the police, names a party
    of the case or holds a phone, e-mail, street address, exact date, case number, IIN or BIN,
    bank account number (IBAN), identity document number or link (a link to an official source
    of law passes: it carries no personal data, kelisim.anonymity.general.OFFICIAL_HOSTS).

    The findings say what kind of data is where, never the words: the answer may be logged.
    """
    require_none_in(
        summary,
        identifying(uow.session, case),
        kind="personal-data-in-summary",
        detail="The summary goes to law enforcement and must not identify anyone: remove the "
        "names, contacts, addresses, exact dates, case numbers, IINs, bank account numbers, "
        "document numbers and links it holds (a link to an official source of law may stay).",
        field="summary",
    )


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
