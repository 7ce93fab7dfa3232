"""Command handlers of the cases service: handler(cmd, uow) -> result, events in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

from kelisim.events.cases import CaseRegistered
from kelisim.uow import UnitOfWork
from services.cases.models import Case
from services.cases.schemas import CaseCreate


def next_number(uow: UnitOfWork, region: str) -> str:
    """A readable number per region and year, e.g. KZ-75-2026-000123."""
    year = datetime.now(UTC).year
    prefix = f"{region}-{year}-"
    count = uow.session.exec(
        select(func.count()).select_from(Case).where(Case.number.startswith(prefix))
    ).one()
    return f"{prefix}{count + 1:06d}"


def register_case(cmd: CaseCreate, uow: UnitOfWork) -> Case:
    case = Case(
        number=next_number(uow, cmd.region),
        region=cmd.region,
        category=cmd.category,
        description=cmd.description,
        registered_by=uow.actor.username,
    )
    uow.session.add(case)
    uow.audit("case.registered", "case", case.id, after={"number": case.number, "region": case.region, "category": case.category})
    uow.emit(
        CaseRegistered(case_ref=case.id, number=case.number, region=case.region, category=case.category),
        aggregate=f"case:{case.id}",
    )
    return case
