"""Outcomes: settled (with the signed settlement agreement), not settled, terminated; reopening."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC, datetime

from kelisim.events.cases import (
    CaseNotSettled,
    CaseReopened,
    CaseSettled,
    CaseTerminated,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.common import (
    Pending,
    Target,
    aggregate,
    begin,
    finish,
    parties_of,
    ref,
)
from services.cases.handlers.compliance import obligations_of
from services.cases.models import Case, Obligation, Settlement, Signature
from services.cases.schemas import OutcomeCmd, ReopenCmd, SettlementCmd


def _document(cmd: SettlementCmd) -> bytes:
    if cmd.document_text is not None:
        return cmd.document_text.encode()
    try:
        return base64.b64decode(cmd.document_base64 or "", validate=True)
    except binascii.Error as exc:
        raise Problem(422, "bad-document", "document_base64 is not valid base64.") from exc


def settle(target: Target, cmd: SettlementCmd, uow: UnitOfWork) -> Case:
    """Record the settlement agreement signed by every party, its document and obligations."""
    current = begin(uow, target, "settle")
    case = current.case
    parties = {p.id for p in parties_of(uow, case.id)}
    signed = {s.party_id for s in cmd.signatures}
    if unknown := sorted(signed - parties):
        raise Problem(422, "unknown-party", "No such party in this case.", parties=unknown)
    if missing := sorted(parties - signed):
        raise Problem(
            422, "signature-missing", "Every party must sign the settlement.", parties=missing
        )
    if cmd.signed_on > target.policy.today():
        raise Problem(422, "date-in-future", "The date cannot be in the future.")
    document = _document(cmd)
    if not document:
        raise Problem(422, "bad-document", "The signed document is empty.")
    digest = hashlib.sha256(document).hexdigest()
    settlement = Settlement(
        case_id=case.id,
        terms=cmd.terms,
        signed_on=cmd.signed_on,
        document_name=cmd.document_name,
        media_type=cmd.media_type,
        document=document,
        document_sha256=digest,
    )
    uow.session.add(settlement)
    uow.session.flush()  # before the rows that refer to it
    uow.session.add_all(
        Signature(settlement_id=settlement.id, party_id=s.party_id, signed_on=s.signed_on)
        for s in cmd.signatures
    )
    obligations = [
        Obligation(
            case_id=case.id, settlement_id=settlement.id, description=o.description, due_on=o.due_on
        )
        for o in cmd.obligations
    ]
    uow.session.add_all(obligations)
    case.outcome = "settled"
    case = finish(
        uow,
        current,
        outcome="settled",
        document_sha256=digest,
        document_name=cmd.document_name,
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


def _end(uow: UnitOfWork, current: Pending, outcome: str, reason: str) -> Case:
    case = current.case
    case.outcome = outcome
    case.outcome_reason = reason
    case.closed_at = datetime.now(UTC)
    return finish(uow, current, outcome=outcome, reason=reason)


def not_settled(target: Target, cmd: OutcomeCmd, uow: UnitOfWork) -> Case:
    """The mediation ended without a settlement."""
    case = _end(uow, begin(uow, target, "not_settled"), "not_settled", cmd.reason)
    uow.emit(
        CaseNotSettled(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case


def terminate(target: Target, cmd: OutcomeCmd, uow: UnitOfWork) -> Case:
    """The mediation is terminated (e.g. a party stopped taking part)."""
    case = _end(uow, begin(uow, target, "terminate"), "terminated", cmd.reason)
    uow.emit(
        CaseTerminated(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case


def reopen(target: Target, cmd: ReopenCmd, uow: UnitOfWork) -> Case:
    """A breached settlement reopens the mediation with a new term."""
    current = begin(uow, target, "reopen")
    case = current.case
    if not any(o.status == "breached" for o in obligations_of(uow, case)):
        raise Problem(409, "no-breach", "Only a breached settlement can be reopened.")
    for obligation in obligations_of(uow, case):
        if obligation.status == "open":
            # The breached settlement is over; its open obligations are no longer followed up.
            obligation.status = "superseded"
            uow.session.add(obligation)
    case.outcome = None
    case.deadline = target.policy.term_end(target.policy.today())
    case = finish(uow, current, reason=cmd.reason, deadline=str(case.deadline))
    uow.emit(
        CaseReopened(**ref(case), mediator=case.mediator, deadline=case.deadline),
        aggregate=aggregate(case),
    )
    return case
