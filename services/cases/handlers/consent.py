"""Consent of the parties, the mediation agreement that starts the term, its one extension."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from kelisim.clock import now
from kelisim.events.cases import (
    CaseExtended,
    CaseWithdrawn,
    ConsentGiven,
    ConsentWithdrawn,
    MediationAgreementSigned,
)
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases.handlers.sessions import cancel_pending
from services.cases.handlers.steps import (
    CaseCommand,
    aggregate,
    open_case_step,
    party_of,
    record_step,
    ref,
)
from services.cases.models import Case, Consent
from services.cases.queries import consents_of, parties_of
from services.cases.schemas import (
    AgreementCreate,
    ConsentCreate,
    ExtensionCreate,
    WithdrawalCreate,
)
from services.cases.terms import TermPolicy

MIN_PARTIES = 2


@dataclass(frozen=True, kw_only=True)
class RecordConsent(CaseCommand):
    body: ConsentCreate
    terms: TermPolicy


@dataclass(frozen=True, kw_only=True)
class WithdrawConsent(CaseCommand):
    body: WithdrawalCreate


@dataclass(frozen=True, kw_only=True)
class SignAgreement(CaseCommand):
    body: AgreementCreate
    terms: TermPolicy


@dataclass(frozen=True, kw_only=True)
class ExtendTerm(CaseCommand):
    body: ExtensionCreate
    terms: TermPolicy


def not_future(day: date, terms: TermPolicy) -> None:
    """422 for a date after today (in the service's time zone)."""
    if day > terms.today():
        raise Problem(422, "date-in-future", "The date cannot be in the future.", date=str(day))


def record_consent(cmd: RecordConsent, uow: UnitOfWork) -> Case:
    """Record one party's voluntary consent (date, form)."""
    step = open_case_step(uow, cmd, "record_consent")
    case, body = step.case, cmd.body
    party = party_of(uow, case, body.party_id)
    not_future(body.given_on, cmd.terms)
    if party.id in consents_of(uow.session, case.id):
        raise Problem(409, "already-consented", "This party's consent is already recorded.")
    consent = Consent(
        case_id=case.id,
        party_id=party.id,
        form=body.form,
        given_on=body.given_on,
        recorded_by=uow.actor.username,
    )
    uow.session.add(consent)
    case = record_step(uow, step, party=party.id, form=body.form, given_on=str(body.given_on))
    uow.emit(
        ConsentGiven(
            case_ref=case.id,
            region=case.region,
            party_ref=party.id,
            purpose="mediation",
            form=body.form,
            given_on=body.given_on,
        ),
        aggregate=aggregate(case),
    )
    return case


def withdraw_consent(cmd: WithdrawConsent, uow: UnitOfWork) -> Case:
    """A party withdraws consent, which ends the mediation."""
    step = open_case_step(uow, cmd, "withdraw_consent")
    case = step.case
    party = party_of(uow, case, cmd.body.party_id)
    withdrawn_at = now()
    for consent in uow.session.exec(select(Consent).where(Consent.party_id == party.id)):
        consent.withdrawn_at = consent.withdrawn_at or withdrawn_at
        uow.session.add(consent)
    case.outcome = "withdrawn"
    case.outcome_reason = cmd.body.reason
    case.closed_at = withdrawn_at
    cancelled = cancel_pending(uow, case)
    case = record_step(uow, step, party=party.id, outcome="withdrawn", sessions_cancelled=cancelled)
    uow.emit(
        ConsentWithdrawn(case_ref=case.id, region=case.region, party_ref=party.id),
        aggregate=aggregate(case),
    )
    uow.emit(
        CaseWithdrawn(**ref(case), category=case.category, mediator=case.mediator),
        aggregate=aggregate(case),
    )
    return case


def sign_agreement(cmd: SignAgreement, uow: UnitOfWork) -> Case:
    """Sign the mediation agreement once every party has consented; the term starts."""
    step = open_case_step(uow, cmd, "sign_agreement")
    case, signed_on = step.case, cmd.body.signed_on
    not_future(signed_on, cmd.terms)
    parties = parties_of(uow.session, case.id)
    if len(parties) < MIN_PARTIES:
        raise Problem(409, "parties-missing", "A mediation needs at least two parties.")
    consented = consents_of(uow.session, case.id)
    missing = [p.id for p in parties if p.id not in consented]
    if missing:
        raise Problem(409, "consent-missing", "Every party must consent first.", parties=missing)
    # The agreement follows the consents (the form is offered only once all are in): one
    # dated before the latest is a typing error, and its term would end too early.
    latest = max(c.given_on for c in consented.values())
    if signed_on < latest:
        raise Problem(
            422,
            "signed-before-consent",
            "The mediation agreement cannot be signed before every party consented.",
            signed_on=str(signed_on),
            given_on=str(latest),
        )
    case.agreement_signed_on = signed_on
    case.deadline = cmd.terms.term_end(signed_on)
    case = record_step(uow, step, signed_on=str(signed_on), deadline=str(case.deadline))
    uow.emit(
        MediationAgreementSigned(
            **ref(case), mediator=case.mediator, signed_on=signed_on, deadline=case.deadline
        ),
        aggregate=aggregate(case),
    )
    return case


def extend(cmd: ExtendTerm, uow: UnitOfWork) -> Case:
    """Extend the term once, with a reason and every party's consent; a second is refused."""
    step = open_case_step(uow, cmd, "extend")
    case, body = step.case, cmd.body
    if case.extended:
        raise Problem(409, "extension-used", "The term was already extended once.")
    parties = {p.id for p in parties_of(uow.session, case.id)}
    given = {c.party_id for c in body.consents}
    if unknown := sorted(given - parties):
        raise Problem(422, "unknown-party", "No such party in this case.", parties=unknown)
    if missing := sorted(parties - given):
        raise Problem(
            422, "consent-missing", "Every party must consent to the extension.", parties=missing
        )
    for c in body.consents:
        not_future(c.given_on, cmd.terms)
    _require_after_agreement(case, body)
    for c in body.consents:
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
    case.deadline = cmd.terms.extended_end(case.deadline)
    case.extended = True
    case.extension_reason = body.reason
    case = record_step(
        uow, step, deadline_before=str(before), deadline=str(case.deadline), reason=body.reason
    )
    uow.emit(
        CaseExtended(**ref(case), mediator=case.mediator, deadline=case.deadline),
        aggregate=aggregate(case),
    )
    return case


def _require_after_agreement(case: Case, body: ExtensionCreate) -> None:
    """422 `extension-consent-before-agreement` for a consent to extend the term dated before
    the mediation agreement whose term it extends: that day there was no term to extend."""
    signed_on = case.agreement_signed_on
    if signed_on is None:
        return
    early = [c for c in body.consents if c.given_on < signed_on]
    if not early:
        return
    first = min(c.given_on for c in early)
    raise Problem(
        422,
        "extension-consent-before-agreement",
        f"A consent to extend the term cannot be given on {first}, before the mediation "
        f"agreement it extends was signed on {signed_on}.",
        title="Consent to the extension dated before the mediation agreement",
        given_on=str(first),
        signed_on=str(signed_on),
        parties=sorted({c.party_id for c in early}),
    )
