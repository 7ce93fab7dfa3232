"""The case state machine, as data: each action, the states it may start from, who may take it."""

from __future__ import annotations

from dataclasses import dataclass

from kelisim.problems import Problem

REGISTERED = "registered"
ASSIGNED = "assigned"
IN_MEDIATION = "in_mediation"
SETTLED = "settled"
NOT_SETTLED = "not_settled"
WITHDRAWN = "withdrawn"
TERMINATED = "terminated"
REFUSED = "refused"
CLOSED = "closed"

STATES = (
    REGISTERED,
    ASSIGNED,
    IN_MEDIATION,
    SETTLED,
    NOT_SETTLED,
    WITHDRAWN,
    TERMINATED,
    REFUSED,
    CLOSED,
)
ACTIVE = frozenset({REGISTERED, ASSIGNED, IN_MEDIATION, SETTLED})
FINAL = frozenset(STATES) - ACTIVE

MEDIATOR = "mediator"
COORDINATOR = "coordinator"
BOTH = frozenset({MEDIATOR, COORDINATOR})


@dataclass(frozen=True)
class Step:
    """An action: from which states, by which roles, to which state (None: the state stays).

    `declared`: a mediator taking it must have declared no conflict of interest.
    """

    sources: frozenset[str]
    roles: frozenset[str]
    target: str | None = None
    declared: bool = False


def _step(
    sources: set[str],
    roles: set[str] | frozenset[str],
    target: str | None = None,
    declared: bool = False,
) -> Step:
    return Step(frozenset(sources), frozenset(roles), target, declared)


MACHINE: dict[str, Step] = {
    "add_party": _step({REGISTERED, ASSIGNED}, BOTH, declared=True),
    "refuse": _step({REGISTERED, ASSIGNED}, BOTH, REFUSED),
    "assign": _step({REGISTERED}, {COORDINATOR}, ASSIGNED),
    "reassign": _step({ASSIGNED, IN_MEDIATION}, {COORDINATOR}),
    "declare": _step({ASSIGNED, IN_MEDIATION}, {MEDIATOR}),
    "record_consent": _step({ASSIGNED}, {MEDIATOR}, declared=True),
    "withdraw_consent": _step({ASSIGNED, IN_MEDIATION}, BOTH, WITHDRAWN, declared=True),
    "sign_agreement": _step({ASSIGNED}, {MEDIATOR}, IN_MEDIATION, declared=True),
    "extend": _step({IN_MEDIATION}, {MEDIATOR}, declared=True),
    "schedule_session": _step({ASSIGNED, IN_MEDIATION}, {MEDIATOR}, declared=True),
    "update_session": _step({ASSIGNED, IN_MEDIATION}, {MEDIATOR}, declared=True),
    "settle": _step({IN_MEDIATION}, {MEDIATOR}, SETTLED, declared=True),
    "not_settled": _step({IN_MEDIATION}, {MEDIATOR}, NOT_SETTLED, declared=True),
    "terminate": _step({ASSIGNED, IN_MEDIATION}, BOTH, TERMINATED, declared=True),
    "add_obligation": _step({SETTLED}, {MEDIATOR}, declared=True),
    "fulfil_obligation": _step({SETTLED}, BOTH, declared=True),
    "breach_obligation": _step({SETTLED}, BOTH, declared=True),
    "reopen": _step({SETTLED}, BOTH, IN_MEDIATION, declared=True),
    "close": _step({SETTLED}, BOTH, CLOSED, declared=True),
    "escalate": _step({REGISTERED, ASSIGNED, IN_MEDIATION, SETTLED}, BOTH),
}


def step(action: str) -> Step:
    """The step of an action (a KeyError is a programming error)."""
    return MACHINE[action]


def check_state(action: str, status: str) -> Step:
    """The action's step, or 409 when the case's state does not allow it."""
    found = MACHINE[action]
    if status not in found.sources:
        raise Problem(
            409,
            "invalid-transition",
            f"'{action}' is not allowed while the case is {status}.",
            action=action,
            case_status=status,
            allowed_from=sorted(found.sources),
        )
    return found
