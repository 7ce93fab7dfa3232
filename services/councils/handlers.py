"""Command handlers of the councils service."""

from __future__ import annotations

from kelisim.events.councils import CouncilCreated
from kelisim.uow import UnitOfWork
from services.councils.models import Council
from services.councils.schemas import CouncilCreate


def create_council(cmd: CouncilCreate, uow: UnitOfWork) -> Council:
    council = Council(name=cmd.name, level=cmd.level, region=cmd.region)
    uow.session.add(council)
    uow.audit("council.created", "council", council.id, after=cmd.model_dump())
    uow.emit(
        CouncilCreated(council_id=council.id, name=council.name, level=council.level, region=council.region),
        aggregate=f"council:{council.id}",
    )
    return council
