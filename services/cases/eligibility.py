"""Eligibility under the Law "On Mediation": which cases the service must refuse, and why.

A case is refused when a state body is among its parties, when it concerns a corruption
offence, or when a party has been found incapable by a court. The reasons are listed in a
fixed order so that the same case always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

STATE_BODY = "state_body"
CORRUPTION = "corruption"
INCAPACITY = "incapacity"
REASONS = (STATE_BODY, CORRUPTION, INCAPACITY)


class PartyFacts(Protocol):
    """What eligibility reads of a party."""

    state_body: bool
    found_incapable: bool


def ineligibility(corruption_offence: bool, parties: Iterable[PartyFacts]) -> list[str]:
    """Why the law does not apply to a case (empty when it does), in the order of REASONS."""
    parties = list(parties)
    found = {
        STATE_BODY: any(p.state_body for p in parties),
        CORRUPTION: corruption_offence,
        INCAPACITY: any(p.found_incapable for p in parties),
    }
    return [reason for reason in REASONS if found[reason]]
