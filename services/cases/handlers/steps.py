"""What every case command shares: the command, and the step it opens and records on the case.

A handler opens its step with `open_case_step(uow, cmd, action)`, which locks the case and
checks, in order: readable (404), role (403), state (409), `If-Match` (412). It changes rows,
then `record_step` moves the case to the step's target state, bumps its version and audits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select

from kelisim import preconditions
from kelisim.commands import Command
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases import lifecycle, permissions
from services.cases.lifecycle import Step
from services.cases.models import Case, Party, case_aggregate
from services.cases.queries import etag


@dataclass(frozen=True, kw_only=True)
class CaseCommand(Command):
    """A command about one case."""

    case_id: str


@dataclass
class CaseStep:
    """A step under way: the locked case, the action, its rule and the caller's role."""

    case: Case
    action: str
    rule: Step
    role: str
    status_before: str


# Built once: every case command runs it (see services/cases/queries.py).
_LOCK_CASE = select(Case).where(Case.id == bindparam("case_id")).with_for_update()


def lock_case(uow: UnitOfWork, case_id: str) -> Case | None:
    """The case, locked for this transaction (FOR UPDATE on PostgreSQL)."""
    return uow.session.exec(_LOCK_CASE, params={"case_id": case_id}).first()


def open_case_step(uow: UnitOfWork, cmd: CaseCommand, action: str) -> CaseStep:
    """Lock the case and check: readable (404), role (403), state (409), If-Match (412)."""
    case = permissions.readable(cmd.principal, lock_case(uow, cmd.case_id))
    rule = lifecycle.step(action)
    role = permissions.acting_role(cmd.principal, case, action, rule)
    lifecycle.check_state(action, case.status)
    preconditions.require(cmd.if_match, etag(case))
    return CaseStep(case, action, rule, role, case.status)


def record_step(uow: UnitOfWork, step: CaseStep, **details: Any) -> Case:
    """Move the case to the step's target state, bump its version and audit the step."""
    case = step.case
    if step.rule.target is not None:
        case.status = step.rule.target
    case.version += 1
    uow.session.add(case)
    uow.audit(
        f"case.{step.action}",
        "case",
        case.id,
        before={"status": step.status_before},
        after={"status": case.status, "role": step.role, **details},
    )
    return case


def party_of(uow: UnitOfWork, case: Case, party_id: str) -> Party:
    """A party of this case, or 422."""
    party = uow.session.get(Party, party_id)
    if party is None or party.case_id != case.id:
        raise Problem(422, "unknown-party", "No such party in this case.", party_id=party_id)
    return party


def ref(case: Case) -> dict[str, Any]:
    """The fields most case events share."""
    return {"case_ref": case.id, "number": case.number, "region": case.region}


def aggregate(case: Case) -> str:
    return case_aggregate(case.id)
