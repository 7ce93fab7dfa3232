"""What every case command shares: load and lock the case, check who and when, audit the step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from kelisim.auth import Principal
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.cases import lifecycle, permissions
from services.cases.lifecycle import Step
from services.cases.models import Case, Party
from services.cases.terms import TermPolicy


@dataclass(frozen=True)
class Target:
    """The case a command is for, who sends it, and the version they saw (If-Match)."""

    case_id: str
    principal: Principal
    if_match: str | None = None
    policy: TermPolicy = TermPolicy()


@dataclass
class Pending:
    """A command under way: the locked case, the step and the role the caller acts in."""

    case: Case
    action: str
    step: Step
    role: str
    status_before: str


def etag(case: Case) -> str:
    return f'"{case.version}"'


def _check_if_match(case: Case, if_match: str | None) -> None:
    if if_match is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in wanted and etag(case) not in wanted:
        raise Problem(
            412,
            "precondition-failed",
            "The case changed since you read it; reload and try again.",
            current_etag=etag(case),
        )


def load_case(uow: UnitOfWork, case_id: str) -> Case | None:
    """The case, locked for this transaction (FOR UPDATE on PostgreSQL)."""
    return uow.session.exec(select(Case).where(Case.id == case_id).with_for_update()).first()


def begin(uow: UnitOfWork, target: Target, action: str) -> Pending:
    """Load the case and check, in order: readable (404), role (403), state (409), If-Match."""
    case = permissions.readable(target.principal, load_case(uow, target.case_id))
    found = lifecycle.step(action)
    role = permissions.acting_role(target.principal, case, action, found)
    lifecycle.check_state(action, case.status)
    _check_if_match(case, target.if_match)
    return Pending(case, action, found, role, case.status)


def finish(uow: UnitOfWork, current: Pending, **details: Any) -> Case:
    """Move the case to the step's target state, bump its version and audit the step."""
    case = current.case
    if current.step.target is not None:
        case.status = current.step.target
    case.version += 1
    uow.session.add(case)
    uow.audit(
        f"case.{current.action}",
        "case",
        case.id,
        before={"status": current.status_before},
        after={"status": case.status, "role": current.role, **details},
    )
    return case


def parties_of(uow: UnitOfWork, case_id: str) -> list[Party]:
    return list(
        uow.session.exec(select(Party).where(Party.case_id == case_id).order_by(Party.position))
    )


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
    return f"case:{case.id}"
