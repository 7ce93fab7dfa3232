"""Deadline alerts: terms about to end, overdue terms and compliance dates, each raised once.

`scan_deadlines(uow_factory, today, terms)` does one pass for a given date (tests pass the
date; `workers.py` runs it per shard of the cases, each shard under its own lease). Each
alert is a `raised_alert` row, unique on (case, kind, due date, ref), written with its
event by `kelisim.workers.once`, so two passes that ever overlap still raise it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from kelisim.events import EventData
from kelisim.events.cases import CaseComplianceOverdue, CaseDeadlineApproaching, CaseOverdue
from kelisim.uow import UnitOfWork
from kelisim.workers import in_shard, once
from services.cases.handlers.steps import aggregate, ref
from services.cases.models import Case, RaisedAlert
from services.cases.queries import overdue_obligations, raised_alerts, running_terms
from services.cases.terms import TermPolicy

Alert = tuple[str, str, date, str]  # case id, kind, due date, ref


def _alert_event(kind: str, case: Case, due_on: date, ref_id: str, today: date) -> EventData:
    if kind == "overdue":
        return CaseOverdue(**ref(case), mediator=case.mediator, deadline=due_on)
    if kind == "deadline_approaching":
        return CaseDeadlineApproaching(
            **ref(case), mediator=case.mediator, deadline=due_on, days_left=(due_on - today).days
        )
    return CaseComplianceOverdue(
        **ref(case), mediator=case.mediator, obligation_ref=ref_id, due_on=due_on
    )


def _raise(uow_factory: Callable[[], UnitOfWork], alert: Alert, today: date) -> bool:
    """Raise one alert in its own transaction; False when it was raised before."""
    case_id, kind, due_on, ref_id = alert

    def act(uow: UnitOfWork) -> None:
        case = uow.session.get(Case, case_id)
        assert case is not None
        uow.session.add(RaisedAlert(case_id=case_id, kind=kind, due_on=due_on, ref=ref_id))
        uow.audit(f"case.{kind}", "case", case_id, after={"due_on": str(due_on), "ref": ref_id})
        uow.emit(_alert_event(kind, case, due_on, ref_id, today), aggregate=aggregate(case))

    return once(uow_factory, act)


def due_alerts(
    uow_factory: Callable[[], UnitOfWork], today: date, terms: TermPolicy
) -> list[Alert]:
    """The alerts due on `today` that were not raised yet, terms first, then compliance."""
    with uow_factory() as uow:
        running = running_terms(uow.session, today + timedelta(days=terms.warn_days))
        follow_up = overdue_obligations(uow.session, today)
        raised = raised_alerts(uow.session, [c for c, _ in running] + [c for c, _, _ in follow_up])
    due: list[Alert] = [
        (case_id, "overdue" if deadline < today else "deadline_approaching", deadline, "")
        for case_id, deadline in running
    ]
    due += [(case_id, "compliance_overdue", d, ob) for case_id, ob, d in follow_up]
    return [alert for alert in due if alert not in raised]


def scan_deadlines(
    uow_factory: Callable[[], UnitOfWork],
    today: date,
    terms: TermPolicy,
    shard: tuple[str, int] | None = None,
) -> list[tuple[str, str]]:
    """One pass (of one shard: (key, count)): the (kind, case id) pairs raised on `today`."""
    key, count = shard if shard is not None else (None, 1)
    return [
        (kind, case_id)
        for case_id, kind, due_on, ref_id in due_alerts(uow_factory, today, terms)
        if in_shard(case_id, key, count)
        and _raise(uow_factory, (case_id, kind, due_on, ref_id), today)
    ]
