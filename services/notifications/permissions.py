"""Who may do what in notifications, as data, and as `Annotated` dependencies for the routes.

Staff (every role but liaison) read their own inbox; only an admin manages rules, endpoints
and deliveries; the feed is for liaisons and coordinators of its regions (and admins, who
read every region); only a liaison accepts an escalation. A liaison reaches nothing but
the feed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from kelisim.auth import ROLES, Principal
from kelisim.problems import Problem
from kelisim.service import CurrentPrincipal


@dataclass(frozen=True)
class Allowed:
    """The roles that may take an action, and what the others are told."""

    roles: frozenset[str]
    refusal: str


ACTIONS: dict[str, Allowed] = {
    "read_inbox": Allowed(
        frozenset(ROLES) - {"liaison"}, "A liaison account reaches only the escalation feed."
    ),
    "manage": Allowed(frozenset({"admin"}), "Only an admin manages notifications."),
    "read_feed": Allowed(
        frozenset({"liaison", "coordinator", "admin"}), "The feed is for liaisons and coordinators."
    ),
    "acknowledge": Allowed(
        frozenset({"liaison"}), "Only a law-enforcement liaison accepts escalations."
    ),
}


def may(principal: Principal, action: str) -> bool:
    """Whether one of the caller's roles may take the action."""
    return bool(principal.roles & ACTIONS[action].roles)


def require(action: str) -> Callable[[Principal], Principal]:
    """A dependency answering 403 unless the caller may take `action`; it yields the caller."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not may(principal, action):
            raise Problem(403, "forbidden", ACTIONS[action].refusal)
        return principal

    return check


Staff = Annotated[Principal, Depends(require("read_inbox"))]
Admin = Annotated[Principal, Depends(require("manage"))]
FeedReader = Annotated[Principal, Depends(require("read_feed"))]
Liaison = Annotated[Principal, Depends(require("acknowledge"))]


def feed_regions(principal: Principal, region: str | None) -> list[str] | None:
    """The regions of the feed the caller reads; None means every region (an admin)."""
    if principal.has("admin"):
        return [region] if region else None
    if region is not None:
        if not principal.in_region(region):
            raise Problem(403, "out-of-scope", "The region is outside your scope.")
        return [region]
    return sorted(principal.regions)
