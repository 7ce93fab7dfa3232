"""Registration of a case, its parties, its number, and refusal of an ineligible case."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kelisim.events.cases import CaseRefused, CaseRegistered
from kelisim.problems import Problem
from kelisim.regions import is_region
from kelisim.uow import UnitOfWork
from services.cases.handlers.common import Target, aggregate, begin, finish, parties_of, ref
from services.cases.models import Case, CaseCounter, Party
from services.cases.schemas import CaseCreate, PartyCreate, Refusal

REASONS = ("state_body", "corruption", "incapacity")


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


def ineligibility(case: Case, parties: list[Party]) -> list[str]:
    """Why the Law "On Mediation" does not apply to this case (empty when it does)."""
    found = set()
    if any(p.state_body for p in parties):
        found.add("state_body")
    if case.corruption_offence:
        found.add("corruption")
    if any(p.found_incapable for p in parties):
        found.add("incapacity")
    return [r for r in REASONS if r in found]


def _party(case: Case, position: int, cmd: PartyCreate) -> Party:
    return Party(case_id=case.id, position=position, **cmd.model_dump())


def _refuse(uow: UnitOfWork, case: Case, reasons: list[str]) -> None:
    case.status = "refused"
    case.refusal_reasons = ",".join(reasons)
    case.closed_at = datetime.now(UTC)
    uow.session.add(case)
    uow.emit(
        CaseRefused(**ref(case), category=case.category, reasons=reasons), aggregate=aggregate(case)
    )


def replayed(uow: UnitOfWork, key: str | None) -> Case | None:
    """The case this user already registered with this Idempotency-Key, if any."""
    if not key:
        return None
    return uow.session.exec(
        select(Case).where(Case.registered_by == uow.actor.username, Case.idempotency_key == key)
    ).first()


def register_case(cmd: CaseCreate, uow: UnitOfWork, idempotency_key: str | None = None) -> Case:
    """Register a case with its parties; an ineligible one is refused at once, with reasons."""
    if not is_region(cmd.region):
        raise Problem(422, "unknown-region", f"{cmd.region} is not a region of Kazakhstan.")
    now = datetime.now(UTC)
    case = Case(
        number=next_number(uow, cmd.region, now.year),
        region=cmd.region,
        category=cmd.category,
        channel=cmd.channel,
        description=cmd.description,
        corruption_offence=cmd.corruption_offence,
        registered_by=uow.actor.username,
        registered_at=now,
        idempotency_key=idempotency_key,
    )
    uow.session.add(case)
    uow.session.flush()  # before the parties that refer to it
    parties = [_party(case, i, p) for i, p in enumerate(cmd.parties)]
    uow.session.add_all(parties)
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
    reasons = ineligibility(case, parties)
    if reasons:
        _refuse(uow, case, reasons)
        uow.audit(
            "case.refused",
            "case",
            case.id,
            before={"status": "registered"},
            after={"status": "refused", "reasons": reasons},
        )
    return case


def add_party(target: Target, cmd: PartyCreate, uow: UnitOfWork) -> Case:
    """Add a party before the agreement; one that makes the case ineligible refuses it."""
    current = begin(uow, target, "add_party")
    case = current.case
    party = _party(case, len(parties_of(uow, case.id)), cmd)
    uow.session.add(party)
    case = finish(uow, current, party={"id": party.id, "kind": party.kind})
    reasons = ineligibility(case, parties_of(uow, case.id))
    if reasons:
        before = case.status
        _refuse(uow, case, reasons)
        uow.audit(
            "case.refused",
            "case",
            case.id,
            before={"status": before},
            after={"status": "refused", "reasons": reasons},
        )
    return case


def refuse(target: Target, cmd: Refusal, uow: UnitOfWork) -> Case:
    """Refuse a case found ineligible after registration; the reason is recorded."""
    current = begin(uow, target, "refuse")
    case = current.case
    case.refusal_reasons = cmd.reason
    case.outcome_reason = cmd.note
    case.closed_at = datetime.now(UTC)
    case = finish(uow, current, reasons=[cmd.reason])
    uow.emit(
        CaseRefused(**ref(case), category=case.category, reasons=[cmd.reason]),
        aggregate=aggregate(case),
    )
    return case
