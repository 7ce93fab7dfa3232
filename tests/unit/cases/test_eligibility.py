"""Eligibility: a state body, a corruption offence or a party found incapable refuses a case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.cases.eligibility import ineligibility

pytestmark = pytest.mark.db_independent


@dataclass
class Party:
    state_body: bool = False
    found_incapable: bool = False


PERSON = Party()
STATE_BODY = Party(state_body=True)
INCAPABLE = Party(found_incapable=True)


@pytest.mark.parametrize(
    ("corruption", "parties", "reasons"),
    [
        (False, [PERSON, PERSON], []),
        (False, [], []),
        (False, [PERSON, STATE_BODY], ["state_body"]),
        (True, [PERSON, PERSON], ["corruption"]),
        (False, [INCAPABLE, PERSON], ["incapacity"]),
        (True, [STATE_BODY, INCAPABLE], ["state_body", "corruption", "incapacity"]),
        (True, [INCAPABLE, STATE_BODY], ["state_body", "corruption", "incapacity"]),
        (False, [STATE_BODY, STATE_BODY], ["state_body"]),
        (True, [INCAPABLE], ["corruption", "incapacity"]),
    ],
)
def test_the_law_does_not_apply_for_these_reasons_in_a_fixed_order(
    corruption: bool, parties: list[Party], reasons: list[str]
):
    assert ineligibility(corruption, parties) == reasons
