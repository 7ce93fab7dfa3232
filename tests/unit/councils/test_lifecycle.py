"""Every lifecycle table, action by state by council role, called directly.

The expected moves are written out here as the council's rules of procedure say them, not read
back from `lifecycle`, so a change to the tables shows up as a failing row.
"""

from __future__ import annotations

import itertools

import pytest

from kelisim.problems import Problem
from services.councils import lifecycle

pytestmark = pytest.mark.db_independent

ROLES = ("chair", "deputy_chair", "secretary", "member", None)  # None: not a current member
SEC = {"secretary"}
SIGNERS = {"chair", "secretary"}
ANYONE = {"chair", "deputy_chair", "secretary", "member"}

# machine -> its states, and action -> (roles, {from state: to state})
SPEC: dict[str, tuple[tuple[str, ...], dict[str, tuple[set[str], dict[str, str]]]]] = {
    "session": (
        ("new", "planned", "convened", "held", "closed", "cancelled"),
        {
            "plan": (SEC, {"new": "planned"}),
            "add_item": (SEC, {"planned": "planned", "convened": "convened"}),
            "add_material": (
                SEC,
                {"planned": "planned", "convened": "convened", "held": "held"},
            ),
            "convene": (SEC, {"planned": "convened"}),
            # Moved or called off before the sitting opens; a cancelled session takes nothing.
            "reschedule": (SEC, {"planned": "planned", "convened": "convened"}),
            "cancel": (SEC, {"planned": "cancelled", "convened": "cancelled"}),
            "register_attendance": (SEC, {"convened": "convened", "held": "held"}),
            "hold": (SEC, {"convened": "held"}),
            "close": (SEC, {"held": "closed"}),
            "recuse": (ANYONE, {"convened": "convened", "held": "held"}),
            "draft_protocol": (SEC, {"closed": "closed"}),
        },
    ),
    "item": (
        ("pending", "open", "closed"),
        {
            "open_vote": (SEC, {"pending": "open"}),
            "cast_vote": (ANYONE, {"open": "open"}),
            "close_vote": (SEC, {"open": "closed"}),
            "recuse": (ANYONE, {"pending": "pending", "open": "open"}),
            "recommend": (SEC, {"closed": "closed"}),
        },
    ),
    "protocol": (
        ("draft", "circulated", "approved", "signed", "published"),
        {
            "edit": (SEC, {"draft": "draft", "circulated": "circulated"}),
            "circulate": (SEC, {"draft": "circulated"}),
            "remark": (ANYONE, {"circulated": "circulated"}),
            "approve": (SEC, {"circulated": "approved"}),
            "sign": (SIGNERS, {"approved": "approved"}),  # both signatures make it signed
            "publish": (SEC, {"signed": "published"}),
            "correct": (SEC, {"published": "published"}),  # a new draft; this one stays
        },
    ),
    "recommendation": (
        (
            "sent",
            "acknowledged",
            "in_progress",
            "implemented",
            "partially_implemented",
            "not_implemented",
        ),
        {
            "acknowledged": (SEC, {"sent": "acknowledged"}),
            "in_progress": (SEC, {"sent": "in_progress", "acknowledged": "in_progress"}),
            # Partly implemented is followed on: a later answer may still be given.
            **{
                answer: (
                    SEC,
                    {
                        s: answer
                        for s in ("sent", "acknowledged", "in_progress", "partially_implemented")
                    },
                )
                for answer in ("implemented", "partially_implemented", "not_implemented")
            },
        },
    ),
}

CASES = [
    pytest.param(machine, action, state, role, id=f"{machine}-{action}-{state}-{role}")
    for machine, (states, actions) in SPEC.items()
    for action, state, role in itertools.product(actions, states, ROLES)
]


@pytest.mark.parametrize(("machine", "action", "state", "role"), CASES)
def test_each_action_from_each_state_by_each_council_role(machine, action, state, role):
    roles, moves = SPEC[machine][1][action]
    if role not in roles:
        with pytest.raises(Problem) as refused:
            lifecycle.check(machine, action, state, role)
        assert (refused.value.status, refused.value.kind) == (403, "forbidden")
    elif state not in moves:
        with pytest.raises(Problem) as refused:
            lifecycle.check(machine, action, state, role)
        assert (refused.value.status, refused.value.kind) == (409, "invalid-transition")
    else:
        assert lifecycle.check(machine, action, state, role) == moves[state]


@pytest.mark.parametrize("machine", sorted(SPEC))
def test_the_tables_hold_no_action_the_rules_do_not_name(machine):
    assert set(lifecycle.MACHINES[machine]) == set(SPEC[machine][1])


def test_a_final_recommendation_status_ends_the_control():
    finals = {
        s
        for s in SPEC["recommendation"][0]
        if not any(s in moves for _, moves in SPEC["recommendation"][1].values())
    }
    assert finals == lifecycle.FINAL_RECOMMENDATION
