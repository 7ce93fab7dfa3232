"""The decision rules, quorum and overdue control, called directly: no database, no HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from services.councils.rules import decide, is_overdue, quorum, quorum_required, rule_of

pytestmark = pytest.mark.db_independent


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


# for, against, abstained, silent (present, did not vote), recused, absent: adopted under
# simple / absolute / two_thirds. The entitled are the present and not recused.
SITTINGS = {
    "one for, one abstains, one recused (of three)": ((1, 0, 1, 0, 1, 0), (False, False, False)),
    "one for, two silent (of three)": ((1, 0, 0, 2, 0, 0), (False, False, False)),
    "two for, one silent (of three)": ((2, 0, 0, 1, 0, 0), (True, True, True)),
    "two for, one against, one abstains (of five, one absent)": (
        (2, 1, 1, 0, 0, 1),
        (False, False, False),
    ),
    "three for, one abstains, one recused (of five)": ((3, 0, 1, 0, 1, 0), (True, True, True)),
    "three for, two abstain (of nine, four absent)": ((3, 0, 2, 0, 0, 4), (True, False, False)),
}


@pytest.mark.parametrize("sitting", list(SITTINGS))
def test_abstentions_and_silent_members_count_as_not_for_and_recusals_leave_the_count(sitting):
    (n_for, against, abstained, silent, recused, absent), adopted = SITTINGS[sitting]
    entitled = n_for + against + abstained + silent
    members = entitled + recused + absent
    got = tuple(decide(rule, n_for, entitled, members) for rule in RULES)
    assert got == adopted


RULES = ("simple", "absolute", "two_thirds")


def test_the_form_and_the_minutes_name_each_rule_as_decide_computes_it():
    """The form offered "simple majority of those voting" while `decide` counts everyone
    present and entitled, and the minutes said "of those present"; now both say the same."""
    from babel.messages.pofile import read_po

    from gateway.web.labels import DECISION_RULES
    from services.councils.rendering import LABELS
    from services.councils.schemas import RULE_DESCRIPTION
    from tests.web.test_catalogs import po_path

    assert set(DECISION_RULES) == set(RULES)
    for lang in ("kk", "ru", "en"):
        with po_path(lang).open("rb") as source:
            catalog = {m.id: m.string for m in read_po(source, locale=lang) if m.id}
        for rule in RULES:
            offered = catalog[DECISION_RULES[rule]]
            assert offered.lower() == LABELS[lang][rule].lower(), (lang, rule)
    assert "voting" not in " ".join(DECISION_RULES.values())
    for rule in RULES:
        assert f"`{rule}`" in RULE_DESCRIPTION
    assert "present and entitled" in LABELS["en"]["simple"]
    assert "present and entitled" in LABELS["en"]["two_thirds"]
