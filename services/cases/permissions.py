"""Who may do what with a case, as data, and the checks that read it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, false, or_
from sqlmodel import col

from kelisim.auth import Principal
from kelisim.problems import Problem
from services.cases.lifecycle import Step
from services.cases.models import Case

# Whose cases a role reads: its regions, the cases assigned to the user (or registered by
# them and still waiting for a mediator), or every case.
READ_SCOPE: dict[str, str] = {"coordinator": "region", "mediator": "own", "admin": "all"}
# A registration waits for a mediator in these states (refused at once: it never gets one).
WAITING = ("registered", "refused")
# Whose parties' personal data (names, contacts, description) a role sees. Admin: nobody's.
PERSONAL_DATA: dict[str, str] = {"coordinator": "region", "mediator": "declared"}
# Session notes are confidential to the assigned mediator.
NOTES: dict[str, str] = {"mediator": "declared"}
REGISTER_ROLES = frozenset({"mediator", "coordinator"})
CASELOAD_ROLES = frozenset({"coordinator"})


def _holds(principal: Principal, case: Case, scope: str) -> bool:
    if scope == "all":
        return True
    if scope == "region":
        return principal.in_region(case.region)
    assigned = case.mediator is not None and case.mediator == principal.sub
    if scope == "own":
        return assigned or (
            case.mediator is None and case.status in WAITING and case.registered_by == principal.sub
        )
    return assigned and case.declared


def _any(principal: Principal, case: Case, table: dict[str, str]) -> bool:
    return any(
        principal.has(role) and _holds(principal, case, scope) for role, scope in table.items()
    )


def require_reader(principal: Principal) -> None:
    """403 for roles that read no cases at all (analyst, liaison, council roles)."""
    if not principal.has(*READ_SCOPE):
        raise Problem(403, "forbidden", "Your roles give no access to mediation cases.")


def require_registrar(principal: Principal, region: str) -> None:
    """403 unless the caller registers cases, in a region of theirs."""
    if not principal.has(*REGISTER_ROLES):
        raise Problem(403, "forbidden", "Only mediators and coordinators register cases.")
    if not principal.in_region(region):
        raise Problem(403, "out-of-scope", "The region is outside your scope.")


def require_caseload(principal: Principal, region: str | None) -> None:
    """403 unless the caller is a coordinator (of the region, when one is asked for)."""
    if not principal.has(*CASELOAD_ROLES):
        raise Problem(403, "forbidden", "Only coordinators see caseloads.")
    if region is not None and not principal.in_region(region):
        raise Problem(403, "out-of-scope", "The region is outside your scope.")


def can_read(principal: Principal, case: Case) -> bool:
    return _any(principal, case, READ_SCOPE)


def sees_personal_data(principal: Principal, case: Case) -> bool:
    return _any(principal, case, PERSONAL_DATA)


def personal_data_rule(principal: Principal) -> Callable[[Any], bool]:
    """`sees_personal_data` for one caller, its roles looked up once (a list checks each row)."""
    scopes = [scope for role, scope in PERSONAL_DATA.items() if principal.has(role)]
    if len(scopes) == 1:
        only = scopes[0]
        return lambda case: _holds(principal, case, only)
    return lambda case: any(_holds(principal, case, scope) for scope in scopes)


def sees_notes(principal: Principal, case: Case) -> bool:
    return _any(principal, case, NOTES)


def readable(principal: Principal, case: Case | None) -> Case:
    """The case if the caller may read it; 404 otherwise (existence is not disclosed)."""
    if case is None or not can_read(principal, case):
        raise Problem(404, "not-found", "No such case.")
    return case


def acting_role(principal: Principal, case: Case, action: str, found: Step) -> str:
    """The role the caller takes this action in, or 403 saying why not."""
    if (
        "coordinator" in found.roles
        and principal.has("coordinator")
        and principal.in_region(case.region)
    ):
        return "coordinator"
    if "mediator" in found.roles and principal.has("mediator") and case.mediator == principal.sub:
        if found.declared and not case.declared:
            raise Problem(
                403,
                "declaration-required",
                "Declare that you have no conflict of interest first.",
                action=action,
            )
        return "mediator"
    raise Problem(
        403,
        "forbidden",
        f"You may not '{action}' this case.",
        action=action,
        roles=sorted(found.roles),
    )


def list_scopes(principal: Principal) -> list[Any] | None:
    """The cases a list may show, as pairwise disjoint SQL conditions (None: every case).

    Disjoint, so a list is the UNION ALL of one index range per condition, merged in order,
    where one OR of them makes the database gather and sort every match.
    """
    if principal.has("admin"):
        return None
    arms: list[Any] = []
    regions = sorted(principal.regions) if principal.has("coordinator") else []
    region = col(Case.region)
    if regions:
        arms.append(region == regions[0] if len(regions) == 1 else region.in_(regions))
    if principal.has("mediator"):
        outside = [region.not_in(regions)] if regions else []
        arms.append(and_(Case.mediator == principal.sub, *outside))
        waiting = (Case.registered_by == principal.sub) & col(Case.mediator).is_(None)
        arms.append(and_(waiting, col(Case.status).in_(WAITING), *outside))
    return arms


def list_scope_key(principal: Principal) -> tuple[Any, ...]:
    """What `list_scopes` depends on: callers with the same key get the same conditions."""
    if principal.has("admin"):
        return ("admin",)
    regions = tuple(sorted(principal.regions)) if principal.has("coordinator") else ()
    return (regions, principal.sub if principal.has("mediator") else None)


def list_scope(principal: Principal) -> Any:
    """The SQL condition limiting a list to the cases the caller may read."""
    arms = list_scopes(principal)
    if arms is None:
        return None
    return or_(*arms) if arms else false()


def search_scope(principal: Principal) -> Any:
    """The SQL condition limiting a description search to cases whose text the caller reads."""
    conditions = []
    if principal.has("coordinator") and principal.regions:
        conditions.append(Case.region.in_(sorted(principal.regions)))  # type: ignore[attr-defined]
    if principal.has("mediator"):
        conditions.append((Case.mediator == principal.sub) & (Case.declared == True))  # noqa: E712
    if not conditions:
        raise Problem(403, "forbidden", "Your roles may not search case descriptions.")
    return or_(*conditions)
