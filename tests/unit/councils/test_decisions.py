"""The decision rules, quorum and overdue control, called directly: no database, no HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from services.councils.rules import decide, is_overdue, quorum, quorum_required, rule_of


# rule, for, entitled (present and not recused), members (current), adopted?
@pytest.mark.parametrize(
    ("rule", "votes_for", "entitled", "members", "adopted"),
    [
        # simple: more than half of those present and entitled
        ("simple", 5, 9, 9, True),
        ("simple", 4, 9, 9, False),
        ("simple", 3, 6, 9, False),  # a tie never adopts
        ("simple", 4, 6, 9, True),
        ("simple", 3, 5, 9, True),  # 3 for, 2 abstain: abstentions count as not for
        ("simple", 2, 5, 9, False),  # 2 for, 1 against, 2 abstain
        ("simple", 4, 7, 9, True),  # two recused of nine present: seven entitled
        ("simple", 0, 0, 9, False),  # nobody entitled: nothing adopted
        # absolute: more than half of all current members, whoever is present
        ("absolute", 5, 5, 9, True),
        ("absolute", 4, 5, 9, False),  # all four present for, still short of nine's majority
        ("absolute", 5, 10, 10, False),  # a tie of the whole council
        ("absolute", 6, 10, 10, True),
        ("absolute", 5, 6, 9, True),  # recusals do not lower the bar
        # two_thirds: at least two thirds of those present and entitled
        ("two_thirds", 6, 9, 9, True),
        ("two_thirds", 5, 9, 9, False),
        ("two_thirds", 4, 6, 9, True),  # exactly two thirds
        ("two_thirds", 3, 6, 9, False),  # a tie
        ("two_thirds", 2, 3, 9, True),
        ("two_thirds", 4, 7, 9, False),  # 4 for, 3 abstain
        ("two_thirds", 0, 0, 9, False),  # no votes for: never adopted
    ],
)
def test_a_decision_is_adopted_by_the_rules_majority(rule, votes_for, entitled, members, adopted):
    assert decide(rule, votes_for, entitled, members) is adopted


def test_an_unknown_rule_is_a_programming_error():
    with pytest.raises(ValueError):
        decide("unanimous", 9, 9, 9)


@pytest.mark.parametrize(
    ("item_rule", "council_rule", "rule"),
    [
        (None, "simple", "simple"),
        ("two_thirds", "simple", "two_thirds"),
        (None, "absolute", "absolute"),
    ],
)
def test_an_item_follows_its_own_rule_else_the_councils(item_rule, council_rule, rule):
    assert rule_of(item_rule, council_rule) == rule


# quorum_percent (None: more than half), current members, members needed present
@pytest.mark.parametrize(
    ("percent", "members", "required"),
    [
        (None, 9, 5),
        (None, 10, 6),  # half is not more than half
        (None, 1, 1),
        (None, 0, 1),
        (50, 10, 5),
        (50, 9, 5),  # rounded up
        (60, 9, 6),  # 5.4 rounded up
        (67, 9, 7),  # 6.03 rounded up
        (100, 9, 9),
        (1, 9, 1),
        (10, 0, 1),  # at least one member, always
    ],
)
def test_the_quorum_is_the_councils_percentage_or_more_than_half(percent, members, required):
    assert quorum_required(percent, members) == required


@pytest.mark.parametrize(
    ("percent", "members", "counted", "reached"),
    [
        (None, 9, 5, True),
        (None, 9, 4, False),
        (None, 10, 5, False),
        (60, 9, 6, True),
        (60, 9, 5, False),
        (None, 9, 9, True),
    ],
)
def test_a_quorum_is_reached_when_enough_members_count(percent, members, counted, reached):
    result = quorum(percent, members, counted)
    assert result.reached is reached
    assert (result.members, result.present) == (members, counted)
    assert result.required == quorum_required(percent, members)


DUE = date(2025, 6, 30)


@pytest.mark.parametrize(
    ("status", "today", "overdue"),
    [
        ("sent", date(2025, 7, 1), True),
        ("acknowledged", date(2025, 7, 1), True),
        ("in_progress", date(2025, 7, 1), True),
        ("sent", DUE, False),  # due today is not late yet
        ("sent", date(2025, 6, 1), False),
        ("implemented", date(2025, 7, 1), False),  # a final status ends the control
        ("partially_implemented", DUE, False),
        ("partially_implemented", date(2025, 7, 1), True),  # in part: followed on
        ("not_implemented", date(2025, 7, 1), False),
    ],
)
def test_a_recommendation_is_overdue_after_its_due_date_until_it_is_final(status, today, overdue):
    assert is_overdue(status, DUE, today) is overdue
