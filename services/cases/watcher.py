"""The deadline watcher: terms about to end, overdue terms and compliance dates, raised once.

`scan_deadlines(uow_factory, today, policy)` does one pass for a given date (tests pass the
date); the worker runs it under a lease so one replica scans at a time, and the unique key
of `raised_alert` keeps each alert single even if two passes ever overlap.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from kelisim.bus import lease
from kelisim.events import EventData
from kelisim.events.cases import CaseComplianceOverdue, CaseDeadlineApproaching, CaseOverdue
from kelisim.service import ServiceContext
from kelisim.uow import SYSTEM, UnitOfWork
from services.cases.handlers.common import aggregate, ref
from services.cases.lifecycle import IN_MEDIATION, SETTLED
from services.cases.models import Case, Obligation, RaisedAlert
from services.cases.terms import TermPolicy

log = structlog.get_logger("kelisim.cases.watcher")
LEASE = "cases.deadline-watcher"


def _raise(
    uow_factory: Callable[[], UnitOfWork],
    case_id: str,
    kind: str,
    due_on: date,
    ref_id: str,
    make: Callable[[Case], EventData],
) -> bool:
    """Raise one alert in its own transaction; False when it was raised before."""
    with uow_factory() as uow:
        taken = uow.session.exec(
            select(RaisedAlert.id).where(
                RaisedAlert.case_id == case_id,
                RaisedAlert.kind == kind,
                RaisedAlert.due_on == due_on,
                RaisedAlert.ref == ref_id,
            )
        ).first()
        if taken:
            return False
        case = uow.session.get(Case, case_id)
        assert case is not None
        uow.session.add(RaisedAlert(case_id=case_id, kind=kind, due_on=due_on, ref=ref_id))
        try:
            uow.session.flush()
        except IntegrityError:
            return False
        uow.audit(f"case.{kind}", "case", case_id, after={"due_on": str(due_on), "ref": ref_id})
        uow.emit(make(case), aggregate=aggregate(case))
        try:
            uow.commit()
        except IntegrityError:
            return False
    return True


def scan_deadlines(
    uow_factory: Callable[[], UnitOfWork], today: date, policy: TermPolicy
) -> list[tuple[str, str]]:
    """One pass: raise what is due on `today`; returns the (kind, case id) pairs raised."""
    raised: list[tuple[str, str]] = []
    warn_until = today + timedelta(days=policy.warn_days)
    with uow_factory() as uow:
        running = list(
            uow.session.exec(
                select(Case.id, Case.deadline).where(
                    Case.status == IN_MEDIATION,
                    Case.deadline != None,  # noqa: E711
                    Case.deadline <= warn_until,  # type: ignore[operator]
                )
            )
        )
        follow_up = list(
            uow.session.exec(
                select(Obligation.case_id, Obligation.id, Obligation.due_on)
                .join(Case, Case.id == Obligation.case_id)
                .where(
                    Obligation.status == "open",
                    Obligation.due_on < today,
                    Case.status == SETTLED,
                )
            )
        )
    for case_id, deadline in running:
        if deadline < today:
            event: Callable[[Case], EventData] = lambda c, d=deadline: CaseOverdue(  # noqa: E731
                **ref(c), mediator=c.mediator, deadline=d
            )
            kind = "overdue"
        else:
            event = lambda c, d=deadline: CaseDeadlineApproaching(  # noqa: E731
                **ref(c), mediator=c.mediator, deadline=d, days_left=(d - today).days
            )
            kind = "deadline_approaching"
        if _raise(uow_factory, case_id, kind, deadline, "", event):
            raised.append((kind, case_id))
    for case_id, obligation_id, due_on in follow_up:
        event = lambda c, o=obligation_id, d=due_on: CaseComplianceOverdue(  # noqa: E731
            **ref(c), mediator=c.mediator, obligation_ref=o, due_on=d
        )
        if _raise(uow_factory, case_id, "compliance_overdue", due_on, obligation_id, event):
            raised.append(("compliance_overdue", case_id))
    return raised


async def deadline_worker(ctx: ServiceContext) -> None:
    """Scan for due deadlines every `cases_watch_seconds`, while holding the watcher lease."""
    policy = TermPolicy.from_settings(ctx.settings)
    holder = f"{ctx.name}-{uuid.uuid4().hex[:12]}"
    ttl = ctx.settings.cases_watch_lease_seconds
    while True:
        try:
            if await asyncio.to_thread(
                lease.try_acquire, ctx.engine, ctx.tables, LEASE, holder, ttl
            ):
                raised = await asyncio.to_thread(
                    scan_deadlines, lambda: ctx.uow(SYSTEM), policy.today(), policy
                )
                if raised:
                    log.info("deadlines.raised", count=len(raised))
        except Exception as exc:  # noqa: BLE001 - the next pass retries
            log.warning("deadlines.scan_failed", error=repr(exc))
        await asyncio.sleep(ctx.settings.cases_watch_seconds)
