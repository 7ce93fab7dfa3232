"""The case state machine, action by state: allowed, or refused with 409 and nothing else."""

from __future__ import annotations

import pytest

from kelisim.problems import Problem
from services.cases.lifecycle import (
    ASSIGNED,
    CLOSED,
    COORDINATOR,
    IN_MEDIATION,
    MACHINE,
    MEDIATOR,
    NOT_SETTLED,
    REFUSED,
    REGISTERED,
    SETTLED,
    STATES,
    TERMINATED,
    WITHDRAWN,
    check_state,
)

pytestmark = pytest.mark.db_independent

BOTH = {MEDIATOR, COORDINATOR}
BEFORE_MEDIATION = {REGISTERED, ASSIGNED}
UNDER_WAY = {ASSIGNED, IN_MEDIATION}

# action: (states it may start from, roles, state it leads to (None: stays), declared first)
EXPECTED: dict[str, tuple[set[str], set[str], str | None, bool]] = {
    "add_party": (BEFORE_MEDIATION, BOTH, None, True),
    "refuse": (BEFORE_MEDIATION, BOTH, REFUSED, False),
    "assign": ({REGISTERED}, {COORDINATOR}, ASSIGNED, False),
    "reassign": (UNDER_WAY, {COORDINATOR}, None, False),
    "declare": (UNDER_WAY, {MEDIATOR}, None, False),
    "record_consent": ({ASSIGNED}, {MEDIATOR}, None, True),
    "withdraw_consent": (UNDER_WAY, BOTH, WITHDRAWN, True),
    "sign_agreement": ({ASSIGNED}, {MEDIATOR}, IN_MEDIATION, True),
    "extend": ({IN_MEDIATION}, {MEDIATOR}, None, True),
    "schedule_session": (UNDER_WAY, {MEDIATOR}, None, True),
    "update_session": (UNDER_WAY, {MEDIATOR}, None, True),
    "settle": ({IN_MEDIATION}, {MEDIATOR}, SETTLED, True),
    "not_settled": ({IN_MEDIATION}, {MEDIATOR}, NOT_SETTLED, True),
    "terminate": (UNDER_WAY, BOTH, TERMINATED, True),
    "add_obligation": ({SETTLED}, {MEDIATOR}, None, True),
    "fulfil_obligation": ({SETTLED}, BOTH, None, True),
    "breach_obligation": ({SETTLED}, BOTH, None, True),
    "reopen": ({SETTLED}, BOTH, IN_MEDIATION, True),
    "close": ({SETTLED}, BOTH, CLOSED, True),
    "escalate": ({REGISTERED, ASSIGNED, IN_MEDIATION, SETTLED}, BOTH, None, False),
}


def test_every_action_of_the_machine_is_in_the_table():
    assert set(MACHINE) == set(EXPECTED)


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_action_has_its_roles_target_and_declaration_rule(action: str):
    _sources, roles, target, declared = EXPECTED[action]
    step = MACHINE[action]
    assert (set(step.roles), step.target, step.declared) == (roles, target, declared)


@pytest.mark.parametrize(("action", "state"), [(a, s) for a in sorted(EXPECTED) for s in STATES])
def test_an_action_is_allowed_only_from_its_states_and_otherwise_refused_with_409(
    action: str, state: str
):
    allowed = EXPECTED[action][0]
    if state in allowed:
        assert check_state(action, state) is MACHINE[action]
        return
    with pytest.raises(Problem) as refused:
        check_state(action, state)
    problem = refused.value
    assert (problem.status, problem.kind) == (409, "invalid-transition")
    assert problem.extra["case_status"] == state
    assert problem.extra["allowed_from"] == sorted(allowed)


@pytest.mark.parametrize("state", [WITHDRAWN, TERMINATED, NOT_SETTLED, REFUSED, CLOSED])
def test_nothing_moves_a_case_that_has_ended(state: str):
    assert not [action for action, step in MACHINE.items() if state in step.sources]
