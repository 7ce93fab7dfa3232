"""Outcomes: settled (with the signed settlement agreement), not settled, terminated; reopening."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import col

from kelisim import files
from kelisim.clock import now
from kelisim.events.cases import (
    CaseNotSettled,
    CaseReopened,
    CaseSettled,
    CaseTerminated,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.consent import not_future
from services.cases.handlers.sessions import cancel_pending
from services.cases.handlers.steps import (
    CaseCommand,
    CaseStep,
    aggregate,
    open_case_step,
    record_step,
    ref,
)
from services.cases.models import Case, Obligation, Settlement, Signature
from services.cases.queries import obligations_of, parties_of
from services.cases.schemas import OutcomeCreate, ReopeningCreate, SettlementCreate
from services.cases.terms import TermPolicy


@dataclass(frozen=True, kw_only=True)
class SettleCase(CaseCommand):
    body: SettlementCreate
    terms: TermPolicy


@dataclass(frozen=True, kw_only=True)
class EndWithoutSettlement(CaseCommand):
    body: OutcomeCreate


@dataclass(frozen=True, kw_only=True)
class TerminateMediation(CaseCommand):
    body: OutcomeCreate


@dataclass(frozen=True, kw_only=True)
class ReopenCase(CaseCommand):
    body: ReopeningCreate
    terms: TermPolicy


def _document(body: SettlementCreate) -> bytes:
    if body.document_text is not None:
        return body.document_text.encode()
    try:
        return base64.b64decode(body.document_base64 or "", validate=True)
    except binascii.Error as exc:
        raise Problem(422, "bad-document", "document_base64 is not valid base64.") from exc


def settle(cmd: SettleCase, uow: UnitOfWork) -> Case:
    """Record the settlement agreement signed by every party, its document and obligations."""
    step = open_case_step(uow, cmd, "settle")
    case, body = step.case, cmd.body
    parties = {p.id for p in parties_of(uow.session, case.id)}
    signed = {s.party_id for s in body.signatures}
    if unknown := sorted(signed - parties):
        raise Problem(422, "unknown-party", "No such party in this case.", parties=unknown)
    if missing := sorted(parties - signed):
        raise Problem(
            422, "signature-missing", "Every party must sign the settlement.", parties=missing
        )
    not_future(body.signed_on, cmd.terms)
    _require_after_agreement(case, body)
    if _require_after_last_settlement(uow, case, body) is not None:  # reopened
        _require_after_reopening(uow, case, body, cmd.terms)
    if early := sorted({str(o.due_on) for o in body.obligations if o.due_on < body.signed_on}):
        raise Problem(
            422,
            "due-before-signing",
            "An obligation cannot be due before the settlement was signed.",
            signed_on=str(body.signed_on),
            due_on=early,
        )
    document = _document(body)
    if not document:
        raise Problem(422, "bad-document", "The signed document is empty.")
    digest = hashlib.sha256(document).hexdigest()
    settlement = Settlement(
        case_id=case.id,
        terms=body.terms,
        signed_on=body.signed_on,
        document_name=files.safe_filename(body.document_name),
        media_type=files.safe_media_type(body.media_type),
        document=document,
        document_sha256=digest,
    )
    uow.session.add(settlement)
    uow.session.flush()  # before the rows that refer to it
    uow.session.add_all(
        Signature(settlement_id=settlement.id, party_id=s.party_id, signed_on=s.signed_on)
        for s in body.signatures
    )
    obligations = [
        Obligation(
            case_id=case.id, settlement_id=settlement.id, description=o.description, due_on=o.due_on
        )
        for o in body.obligations
    ]
    uow.session.add_all(obligations)
    case.outcome = "settled"
    cancelled = cancel_pending(uow, case)
    case = record_step(
        uow,
        step,
        outcome="settled",
        sessions_cancelled=cancelled,
        document_sha256=digest,
        document_name=settlement.document_name,
        signatures=sorted(signed),
        obligations=[{"id": o.id, "due_on": str(o.due_on)} for o in obligations],
    )
    uow.emit(
        CaseSettled(
            **ref(case),
            category=case.category,
            mediator=case.mediator,
            obligations=len(obligations),
            document_sha256=digest,
        ),
        aggregate=aggregate(case),
    )
    return case


def _signed_before(body: SettlementCreate, floor: date | None) -> tuple[date, list[str]] | None:
    """The earliest date of the settlement and its signatures, and the parties who signed,
    when any of them is before `floor`; None when none is (or there is no floor)."""
    if floor is None:
        return None
    parties = sorted({s.party_id for s in body.signatures if s.signed_on < floor})
    if body.signed_on >= floor and not parties:
        return None
    return min(body.signed_on, *(s.signed_on for s in body.signatures)), parties


def _require_after_agreement(case: Case, body: SettlementCreate) -> None:
    """422 `settled-before-agreement` for a settlement, or a party's signature of it, dated
    before the mediation agreement: the mediation that reached it had not begun."""
    agreed = case.agreement_signed_on
    if (early := _signed_before(body, agreed)) is None:
        return
    first, parties = early
    raise Problem(
        422,
        "settled-before-agreement",
        f"The settlement cannot be signed on {first}, before the mediation agreement was "
        f"signed on {agreed}.",
        title="Settlement dated before the mediation agreement",
        signed_on=str(first),
        agreement_signed_on=str(agreed),
        parties=parties,
    )


def _require_after_last_settlement(
    uow: UnitOfWork, case: Case, body: SettlementCreate
) -> date | None:
    """422 `settled-before-last-settlement` for a reopened case's new settlement, or a party's
    signature of it, dated before the settlement it replaces: that one was signed, then
    breached, and the case reopened, before the new one could be reached. Returns the date of
    the settlement replaced (None: the case's first settlement)."""
    last = uow.session.execute(
        select(func.max(col(Settlement.signed_on))).where(col(Settlement.case_id) == case.id)
    ).scalar_one_or_none()
    if (early := _signed_before(body, last)) is None:
        return last
    first, parties = early
    raise Problem(
        422,
        "settled-before-last-settlement",
        f"The new settlement cannot be signed on {first}, before the settlement it replaces "
        f"was signed on {last}.",
        title="Settlement dated before the one it replaces",
        signed_on=str(first),
        last_settled_on=str(last),
        parties=parties,
    )


def _reopened_on(uow: UnitOfWork, case: Case, terms: TermPolicy) -> date | None:
    """The day, in the service's time zone (as `terms.today()`), the case was last reopened:
    its latest `case.reopen` step in the timeline (None: never reopened)."""
    log = uow.tables.audit_log
    at = uow.session.execute(
        select(func.max(log.c.at)).where(
            log.c.entity == "case", log.c.entity_id == case.id, log.c.action == "case.reopen"
        )
    ).scalar_one_or_none()
    return None if at is None else terms.day_of(at)


def _require_after_reopening(
    uow: UnitOfWork, case: Case, body: SettlementCreate, terms: TermPolicy
) -> None:
    """422 `settled-before-reopening` for a reopened case's new settlement, or a party's
    signature of it, dated before the (latest) reopening: the mediation that reached it
    resumed only that day, after the breach of the settlement it replaces."""
    reopened = _reopened_on(uow, case, terms)
    if (early := _signed_before(body, reopened)) is None:
        return
    first, parties = early
    raise Problem(
        422,
        "settled-before-reopening",
        f"The new settlement cannot be signed on {first}, before the case was reopened on "
        f"{reopened}: the mediation that reached it resumed only that day.",
        title="Settlement dated before the case was reopened",
        signed_on=str(first),
        reopened_on=str(reopened),
        parties=parties,
    )


def _end(uow: UnitOfWork, step: CaseStep, outcome: str, reason: str) -> Case:
    case = step.case
    case.outcome = outcome
    case.outcome_reason = reason
    case.closed_at = now()
    cancelled = cancel_pending(uow, case)
    return record_step(uow, step, outcome=outcome, reason=reason, sessions_cancelled=cancelled)


def not_settled(cmd: EndWithoutSettlement, uow: UnitOfWork) -> Case:
    """The mediation ended without a settlement."""
    step = open_case_step(uow, cmd, "not_settled")
    case = _end(uow, step, "not_settled", cmd.body.reason)
    uow.emit(
        CaseNotSettled(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case


def terminate(cmd: TerminateMediation, uow: UnitOfWork) -> Case:
    """The mediation is terminated (e.g. a party stopped taking part)."""
    step = open_case_step(uow, cmd, "terminate")
    case = _end(uow, step, "terminated", cmd.body.reason)
    uow.emit(
        CaseTerminated(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case


def reopen(cmd: ReopenCase, uow: UnitOfWork) -> Case:
    """A breached settlement reopens the mediation with a new term."""
    step = open_case_step(uow, cmd, "reopen")
    case = step.case
    obligations = obligations_of(uow.session, case.id)
    if not any(o.status == "breached" for o in obligations):
        raise Problem(409, "no-breach", "Only a breached settlement can be reopened.")
    for obligation in obligations:
        if obligation.status == "open":
            # The breached settlement is over; its open obligations are no longer followed up.
            obligation.status = "superseded"
            uow.session.add(obligation)
    case.outcome = None
    case.deadline = cmd.terms.term_end(cmd.terms.today())
    case = record_step(uow, step, reason=cmd.body.reason, deadline=str(case.deadline))
    uow.emit(
        CaseReopened(**ref(case), mediator=case.mediator, deadline=case.deadline),
        aggregate=aggregate(case),
    )
    return case
