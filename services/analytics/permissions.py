"""Who may read and do what in analytics, as data; figures are scoped to the caller's regions.

An analyst reads the figures of the regions on their account (a national analyst has all
twenty, and with them the republic-level councils, counted under `KZ`); a coordinator reads
their own region's figures. Only analysts import history, write proposals and take the
yearly report. Every staff role but a liaison reads the library of practice; a
coordinator reviews the notes of other regions. Nobody here ever sees a person.
"""

from __future__ import annotations

from kelisim.auth import Principal
from kelisim.problems import Problem
from services.analytics.measures import ALL_REGIONS, COUNCIL_MEASURES, NATIONAL

ACTIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"analyst", "coordinator"}),
    "import_history": frozenset({"analyst"}),
    "draft_proposal": frozenset({"analyst"}),
    "review_proposal": frozenset({"analyst"}),
    "report": frozenset({"analyst"}),
    # The library of practice: every staff role of every region (not a liaison, not the
    # public); a note is reviewed by a coordinator of another region than its own.
    "library": frozenset(
        {"admin", "coordinator", "mediator", "council_secretary", "council_member", "analyst"}
    ),
    "review_note": frozenset({"coordinator"}),
}


def require(principal: Principal, action: str) -> None:
    """403 unless one of the caller's roles may take the action."""
    if not principal.roles & ACTIONS[action]:
        raise Problem(403, "forbidden", "Your role may not do this in analytics.")


def require_reviewer(principal: Principal) -> None:
    """403 unless the caller is a coordinator of a region: a note is reviewed by another region
    than its own, so a coordinator of none would review (and publish) every region's."""
    require(principal, "review_note")
    if not principal.regions:
        raise Problem(403, "out-of-scope", "No region is in your scope.")


def regions(principal: Principal) -> tuple[str, ...]:
    """The regions whose figures the caller reads, in the standard order; 403 when none."""
    require(principal, "read")
    scope = tuple(code for code in ALL_REGIONS if code in principal.regions)
    if not scope:
        raise Problem(403, "out-of-scope", "No region is in your scope.")
    return scope


def is_national(principal: Principal) -> bool:
    """An analyst whose scope covers every region also reads the republic-level figures."""
    return principal.has("analyst") and all(code in principal.regions for code in ALL_REGIONS)


def council_regions(principal: Principal) -> tuple[str, ...]:
    """The regions of council figures the caller reads: theirs, and `KZ` for a national analyst."""
    scope = regions(principal)
    return (*scope, NATIONAL) if is_national(principal) else scope


def regions_for(principal: Principal, measure: str) -> tuple[str, ...]:
    """The regions of a measure's figures the caller reads (council figures include `KZ`)."""
    if measure in COUNCIL_MEASURES:
        return council_regions(principal)
    return regions(principal)


def require_region(principal: Principal, region: str) -> None:
    """403 when a region asked for is outside the caller's scope."""
    if region not in council_regions(principal):
        raise Problem(403, "out-of-scope", f"Region {region} is outside your scope.")
