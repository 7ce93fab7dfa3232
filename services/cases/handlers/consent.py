"""Consent of the parties, the mediation agreement that starts the term, its one extension."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from kelisim.events.cases import (
    CaseExtended,
    CaseWithdrawn,
    ConsentGiven,
    ConsentWithdrawn,
    MediationAgreementSigned,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.common import (
    Target,
    aggregate,
    begin,
    finish,
    parties_of,
    party_of,
    ref,
)
from services.cases.models import Case, Consent
from services.cases.schemas import AgreementCmd, ConsentCmd, ExtensionCmd, WithdrawalCmd

MIN_PARTIES = 2


def consents_of(uow: UnitOfWork, case: Case, purpose: str = "mediation") -> dict[str, Consent]:
    """Live (not withdrawn) consents by party id."""
    rows = uow.session.exec(
        select(Consent).where(
            Consent.case_id == case.id,
            Consent.purpose == purpose,
            Consent.withdrawn_at == None,  # noqa: E711
        )
    )
    return {c.party_id: c for c in rows}


def _not_future(day, target: Target) -> None:  # type: ignore[no-untyped-def]
    if day > target.policy.today():
        raise Problem(422, "date-in-future", "The date cannot be in the future.", date=str(day))


def record_consent(target: Target, cmd: ConsentCmd, uow: UnitOfWork) -> Case:
    """Record one party's voluntary consent (date, form)."""
    current = begin(uow, target, "record_consent")
    case = current.case
    party = party_of(uow, case, cmd.party_id)
    _not_future(cmd.given_on, target)
    if party.id in consents_of(uow, case):
        raise Problem(409, "already-consented", "This party's consent is already recorded.")
    consent = Consent(
        case_id=case.id,
        party_id=party.id,
        form=cmd.form,
        given_on=cmd.given_on,
        recorded_by=uow.actor.username,
    )
    uow.session.add(consent)
    case = finish(uow, current, party=party.id, form=cmd.form, given_on=str(cmd.given_on))
    uow.emit(
        ConsentGiven(
            case_ref=case.id,
            region=case.region,
            party_ref=party.id,
            purpose="mediation",
            form=cmd.form,
            given_on=cmd.given_on,
        ),
        aggregate=aggregate(case),
    )
    return case


def withdraw_consent(target: Target, cmd: WithdrawalCmd, uow: UnitOfWork) -> Case:
    """A party withdraws consent, which ends the mediation."""
    current = begin(uow, target, "withdraw_consent")
    case = current.case
    party = party_of(uow, case, cmd.party_id)
    now = datetime.now(UTC)
    for consent in uow.session.exec(select(Consent).where(Consent.party_id == party.id)):
        consent.withdrawn_at = consent.withdrawn_at or now
        uow.session.add(consent)
    case.outcome = "withdrawn"
    case.outcome_reason = cmd.reason
    case.closed_at = now
    case = finish(uow, current, party=party.id, outcome="withdrawn")
    uow.emit(
        ConsentWithdrawn(case_ref=case.id, region=case.region, party_ref=party.id),
        aggregate=aggregate(case),
    )
    uow.emit(
        CaseWithdrawn(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case


def sign_agreement(target: Target, cmd: AgreementCmd, uow: UnitOfWork) -> Case:
    """Sign the mediation agreement once every party has consented; the term starts."""
    current = begin(uow, target, "sign_agreement")
    case = current.case
    _not_future(cmd.signed_on, target)
    parties = parties_of(uow, case.id)
    if len(parties) < MIN_PARTIES:
        raise Problem(409, "parties-missing", "A mediation needs at least two parties.")
    missing = [p.id for p in parties if p.id not in consents_of(uow, case)]
    if missing:
        raise Problem(409, "consent-missing", "Every party must consent first.", parties=missing)
    case.agreement_signed_on = cmd.signed_on
    case.deadline = target.policy.term_end(cmd.signed_on)
    case = finish(uow, current, signed_on=str(cmd.signed_on), deadline=str(case.deadline))
    uow.emit(
        MediationAgreementSigned(
            **ref(case), mediator=case.mediator, signed_on=cmd.signed_on, deadline=case.deadline
        ),
        aggregate=aggregate(case),
    )
    return case


def extend(target: Target, cmd: ExtensionCmd, uow: UnitOfWork) -> Case:
    """Extend the term once, with a reason and every party's consent; a second is refused."""
    current = begin(uow, target, "extend")
    case = current.case
    if case.extended:
        raise Problem(409, "extension-used", "The term was already extended once.")
    parties = {p.id for p in parties_of(uow, case.id)}
    given = {c.party_id for c in cmd.consents}
    if unknown := sorted(given - parties):
        raise Problem(422, "unknown-party", "No such party in this case.", parties=unknown)
    if missing := sorted(parties - given):
        raise Problem(
            422, "consent-missing", "Every party must consent to the extension.", parties=missing
        )
    for c in cmd.consents:
        _not_future(c.given_on, target)
        uow.session.add(
            Consent(
                case_id=case.id,
                party_id=c.party_id,
                purpose="extension",
                form=c.form,
                given_on=c.given_on,
                recorded_by=uow.actor.username,
            )
        )
    assert case.deadline is not None
    before = case.deadline
    case.deadline = target.policy.extended_end(case.deadline)
    case.extended = True
    case.extension_reason = cmd.reason
    case = finish(
        uow, current, deadline_before=str(before), deadline=str(case.deadline), reason=cmd.reason
    )
    uow.emit(
        CaseExtended(**ref(case), mediator=case.mediator, deadline=case.deadline),
        aggregate=aggregate(case),
    )
    return case
