"""Registration of a case, its parties, its number, and refusal of an ineligible case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from kelisim.clock import now
from kelisim.commands import Command
from kelisim.events.cases import CaseRefused, CaseRegistered
from kelisim.uow import UnitOfWork
from services.cases.eligibility import ineligibility
from services.cases.handlers.steps import (
    CaseCommand,
    aggregate,
    open_case_step,
    record_step,
    ref,
)
from services.cases.models import Case, CaseCounter, Party, PartyNameWord
from services.cases.queries import parties_of
from services.cases.schemas import CaseCreate, PartyCreate, RefusalCreate
from services.cases.search import party_key, party_words


@dataclass(frozen=True, kw_only=True)
class RegisterCase(Command):
    body: CaseCreate


@dataclass(frozen=True, kw_only=True)
class AddParty(CaseCommand):
    body: PartyCreate


@dataclass(frozen=True, kw_only=True)
class RefuseCase(CaseCommand):
    body: RefusalCreate


def next_number(uow: UnitOfWork, region: str, year: int) -> str:
    """A readable number per region and year, e.g. KZ-75-2026-000123, from a counter row."""
    bump = (
        update(CaseCounter)
        .where(CaseCounter.region == region, CaseCounter.year == year)  # type: ignore[arg-type]
        .values(last=CaseCounter.last + 1)
        .returning(CaseCounter.last)
    )
    last = uow.session.execute(bump).scalar()
    if last is None:
        try:
            with uow.session.begin_nested():
                uow.session.add(CaseCounter(region=region, year=year, last=1))
            last = 1
        except IntegrityError:
            last = uow.session.execute(bump).scalar_one()
    return f"{region}-{year}-{last:06d}"


def _party(uow: UnitOfWork, case: Case, position: int, body: PartyCreate) -> Party:
    """A new party, with its name's keys for search (kelisim.names)."""
    party = Party(
        case_id=case.id, position=position, name_key=party_key(body.name), **body.model_dump()
    )
    uow.session.add(party)
    uow.session.add_all(
        PartyNameWord(party_id=party.id, word=word, case_id=case.id)
        for word in party_words(body.name)
    )
    return party


def _refuse_if_ineligible(uow: UnitOfWork, case: Case) -> None:
    """Refuse the case at once when the law does not apply to it, with the reasons."""
    reasons = ineligibility(case.corruption_offence, parties_of(uow.session, case.id))
    if not reasons:
        return
    before = case.status
    case.status = "refused"
    case.refusal_reasons = ",".join(reasons)
    case.closed_at = now()
    uow.session.add(case)
    uow.emit(
        CaseRefused(**ref(case), category=case.category, reasons=reasons), aggregate=aggregate(case)
    )
    uow.audit(
        "case.refused",
        "case",
        case.id,
        before={"status": before},
        after={"status": "refused", "reasons": reasons},
    )


def register_case(cmd: RegisterCase, uow: UnitOfWork) -> Case:
    """Register a case with its parties; an ineligible one is refused at once, with reasons."""
    body = cmd.body
    registered_at = now()
    case = Case(
        number=next_number(uow, body.region, registered_at.year),
        region=body.region,
        category=body.category,
        channel=body.channel,
        description=body.description,
        corruption_offence=body.corruption_offence,
        registered_by=uow.actor.username,
        registered_at=registered_at,
    )
    uow.session.add(case)
    uow.session.flush()  # before the parties that refer to it
    parties = [_party(uow, case, i, p) for i, p in enumerate(body.parties)]
    uow.audit(
        "case.registered",
        "case",
        case.id,
        after={
            "number": case.number,
            "region": case.region,
            "category": case.category,
            "channel": case.channel,
            "parties": [{"id": p.id, "kind": p.kind} for p in parties],
        },
    )
    uow.emit(CaseRegistered(**ref(case), category=case.category), aggregate=aggregate(case))
    _refuse_if_ineligible(uow, case)
    return case


def add_party(cmd: AddParty, uow: UnitOfWork) -> Case:
    """Add a party before the agreement; one that makes the case ineligible refuses it."""
    step = open_case_step(uow, cmd, "add_party")
    case = step.case
    party = _party(uow, case, len(parties_of(uow.session, case.id)), cmd.body)
    case = record_step(uow, step, party={"id": party.id, "kind": party.kind})
    _refuse_if_ineligible(uow, case)
    return case


def refuse(cmd: RefuseCase, uow: UnitOfWork) -> Case:
    """Refuse a case found ineligible after registration; the reason is recorded."""
    step = open_case_step(uow, cmd, "refuse")
    case = step.case
    case.refusal_reasons = cmd.body.reason
    case.outcome_reason = cmd.body.note
    case.closed_at = now()
    case = record_step(uow, step, reasons=[cmd.body.reason])
    uow.emit(
        CaseRefused(**ref(case), category=case.category, reasons=[cmd.body.reason]),
        aggregate=aggregate(case),
    )
    return case
