"""Who may read, see personal data and notes of, and act on a case: the permission tables."""

from __future__ import annotations

import pytest

from kelisim.auth import Principal
from kelisim.problems import Problem
from services.cases import permissions
from services.cases.lifecycle import MACHINE
from services.cases.models import Case

pytestmark = pytest.mark.db_independent

REGION, OTHER = "KZ-75", "KZ-71"


def who(role: str, sub: str = "med-aigerim", region: str = REGION) -> Principal:
    return Principal(sub=sub, user_id=sub, roles=frozenset({role}), regions=frozenset({region}))


def case(
    mediator: str | None = "med-aigerim",
    declared: bool = True,
    registered_by: str = "med-aigerim",
    status: str = "registered",
) -> Case:
    return Case(
        number="KZ-75-2026-000001",
        region=REGION,
        category="neighbour",
        registered_by=registered_by,
        mediator=mediator,
        declared=declared,
        status=status,
    )


COORD = who("coordinator", "coord-almaty")
COORD_ELSEWHERE = who("coordinator", "coord-astana", OTHER)
ASSIGNED = who("mediator")
OTHER_MEDIATOR = who("mediator", "med-bolat")
ADMIN = who("admin", "admin")
ANALYST = who("analyst", "analyst")
LIAISON = who("liaison", "liaison")

# caller, case: (reads it, sees personal data, sees session notes)
SEES = [
    (COORD, case(), (True, True, False)),
    (COORD_ELSEWHERE, case(), (False, False, False)),
    (ASSIGNED, case(declared=True), (True, True, True)),
    (ASSIGNED, case(declared=False), (True, False, False)),
    (OTHER_MEDIATOR, case(), (False, False, False)),
    # The mediator who registered a case reads it while it waits for a mediator, parties hidden.
    (ASSIGNED, case(mediator=None), (True, False, False)),
    (ASSIGNED, case(mediator=None, status="refused"), (True, False, False)),
    (ASSIGNED, case(mediator=None, registered_by="med-bolat"), (False, False, False)),
    (ASSIGNED, case(mediator="med-bolat", status="assigned"), (False, False, False)),
    (ADMIN, case(), (True, False, False)),
    (ANALYST, case(), (False, False, False)),
    (LIAISON, case(), (False, False, False)),
]


@pytest.mark.parametrize(("principal", "record", "expected"), SEES)
def test_what_each_caller_sees_of_a_case(principal: Principal, record: Case, expected: tuple):
    assert (
        permissions.can_read(principal, record),
        permissions.sees_personal_data(principal, record),
        permissions.sees_notes(principal, record),
    ) == expected


@pytest.mark.parametrize(
    ("principal", "reads"),
    [(COORD, True), (ASSIGNED, True), (ADMIN, True), (ANALYST, False), (LIAISON, False)],
)
def test_roles_that_read_no_cases_are_refused_with_403(principal: Principal, reads: bool):
    if reads:
        permissions.require_reader(principal)
        return
    with pytest.raises(Problem) as refused:
        permissions.require_reader(principal)
    assert (refused.value.status, refused.value.kind) == (403, "forbidden")


def test_an_unreadable_case_is_not_found_rather_than_forbidden():
    with pytest.raises(Problem) as hidden:
        permissions.readable(OTHER_MEDIATOR, case())
    assert (hidden.value.status, hidden.value.kind) == (404, "not-found")


# caller, case, action: the role they act in, or the 403 problem kind
ACTS = [
    (COORD, case(), "assign", "coordinator"),
    (COORD, case(), "not_settled", "forbidden"),
    (COORD_ELSEWHERE, case(), "assign", "forbidden"),
    (ASSIGNED, case(), "assign", "forbidden"),
    (ASSIGNED, case(), "settle", "mediator"),
    (ASSIGNED, case(declared=False), "settle", "declaration-required"),
    (ASSIGNED, case(declared=False), "declare", "mediator"),
    (ASSIGNED, case(declared=False), "escalate", "mediator"),
    (OTHER_MEDIATOR, case(), "settle", "forbidden"),
    (COORD, case(), "terminate", "coordinator"),
    (ADMIN, case(), "close", "forbidden"),
]


@pytest.mark.parametrize(("principal", "record", "action", "outcome"), ACTS)
def test_the_role_a_caller_acts_in_or_why_not(
    principal: Principal, record: Case, action: str, outcome: str
):
    step = MACHINE[action]
    if outcome in ("coordinator", "mediator"):
        assert permissions.acting_role(principal, record, action, step) == outcome
        return
    with pytest.raises(Problem) as refused:
        permissions.acting_role(principal, record, action, step)
    assert (refused.value.status, refused.value.kind) == (403, outcome)


@pytest.mark.parametrize(
    ("principal", "region", "outcome"),
    [
        (ASSIGNED, REGION, None),
        (COORD, REGION, None),
        (COORD, OTHER, "out-of-scope"),
        (ADMIN, REGION, "forbidden"),
        (ANALYST, REGION, "forbidden"),
    ],
)
def test_who_registers_cases_and_where(principal: Principal, region: str, outcome: str | None):
    if outcome is None:
        permissions.require_registrar(principal, region)
        return
    with pytest.raises(Problem) as refused:
        permissions.require_registrar(principal, region)
    assert (refused.value.status, refused.value.kind) == (403, outcome)
