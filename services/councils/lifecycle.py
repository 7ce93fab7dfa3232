"""The councils' state machines, as data: which action from which state, by which council role.

`check(machine, action, state, role)` refuses a caller without the role (403) before it
refuses an action out of order (409), so a refused request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from kelisim.problems import Problem

SECRETARY = frozenset({"secretary"})
CHAIR_OR_SECRETARY = frozenset({"chair", "secretary"})
ANY_MEMBER = frozenset({"chair", "deputy_chair", "secretary", "member"})


@dataclass(frozen=True)
class Transition:
    """An action allowed from `sources`, leading to `target` (None: the state stays)."""

    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]


def _t(sources: str, target: str | None, roles: frozenset[str]) -> Transition:
    return Transition(frozenset(sources.split()), target, roles)


SESSION: dict[str, Transition] = {
    "plan": _t("new", "planned", SECRETARY),
    "add_item": _t("planned convened", None, SECRETARY),
    "add_material": _t("planned convened held", None, SECRETARY),
    "convene": _t("planned", "convened", SECRETARY),
    # Moved or called off only before the sitting opens: a cancelled session is never held.
    "reschedule": _t("planned convened", None, SECRETARY),
    "cancel": _t("planned convened", "cancelled", SECRETARY),
    "register_attendance": _t("convened held", None, SECRETARY),
    "hold": _t("convened", "held", SECRETARY),
    "close": _t("held", "closed", SECRETARY),
    "recuse": _t("convened held", None, ANY_MEMBER),
    "draft_protocol": _t("closed", None, SECRETARY),
}

ITEM_VOTE: dict[str, Transition] = {
    "open_vote": _t("pending", "open", SECRETARY),
    "cast_vote": _t("open", None, ANY_MEMBER),
    "close_vote": _t("open", "closed", SECRETARY),
    "recuse": _t("pending open", None, ANY_MEMBER),
    "recommend": _t("closed", None, SECRETARY),
}

PROTOCOL: dict[str, Transition] = {
    "edit": _t("draft circulated", None, SECRETARY),
    "circulate": _t("draft", "circulated", SECRETARY),
    "remark": _t("circulated", None, ANY_MEMBER),
    "approve": _t("circulated", "approved", SECRETARY),
    "sign": _t("approved", None, CHAIR_OR_SECRETARY),
    "publish": _t("signed", "published", SECRETARY),
    "correct": _t("published", None, SECRETARY),
}

# A final answer ends the follow-up; a partial one does not: the addressee may still report
# it implemented (or not implemented), and it falls overdue after its due date meanwhile.
FINAL_RECOMMENDATION = frozenset({"implemented", "not_implemented"})
_ANSWERABLE = "sent acknowledged in_progress partially_implemented"
RECOMMENDATION: dict[str, Transition] = {
    "acknowledged": _t("sent", "acknowledged", SECRETARY),
    "in_progress": _t("sent acknowledged", "in_progress", SECRETARY),
    "implemented": _t(_ANSWERABLE, "implemented", SECRETARY),
    "partially_implemented": _t(_ANSWERABLE, "partially_implemented", SECRETARY),
    "not_implemented": _t(_ANSWERABLE, "not_implemented", SECRETARY),
}

MACHINES = {
    "session": SESSION,
    "item": ITEM_VOTE,
    "protocol": PROTOCOL,
    "recommendation": RECOMMENDATION,
}


def check(machine: str, action: str, state: str, role: str | None) -> str:
    """The state after `action`; 403 for a caller without the council role, 409 out of order."""
    transition = MACHINES[machine][action]
    if role not in transition.roles:
        allowed = ", ".join(sorted(transition.roles))
        raise Problem(
            403, "forbidden", f"Only the council's {allowed} may {action.replace('_', ' ')}."
        )
    if state not in transition.sources:
        raise Problem(
            409,
            "invalid-transition",
            f"Cannot {action.replace('_', ' ')} a {machine} that is {state}.",
            state=state,
            allowed_from=sorted(transition.sources),
        )
    return transition.target or state
