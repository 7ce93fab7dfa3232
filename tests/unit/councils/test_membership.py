"""Membership terms and who may act on a council, called directly: no database, no HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from kelisim.auth import Principal
from services.councils import permissions
from services.councils.models import Council, Member
from services.councils.rules import term_covers, term_in_order, terms_overlap

pytestmark = pytest.mark.db_independent

JAN_1, JUN_30, JUL_1, DEC_31 = (
    date(2025, 1, 1),
    date(2025, 6, 30),
    date(2025, 7, 1),
    date(2025, 12, 31),
)


@pytest.mark.parametrize(
    ("start", "end", "day", "covered"),
    [
        (JAN_1, DEC_31, JAN_1, True),  # the first day counts
        (JAN_1, DEC_31, DEC_31, True),  # so does the last
        (JAN_1, DEC_31, date(2024, 12, 31), False),
        (JAN_1, DEC_31, date(2026, 1, 1), False),
        (JAN_1, None, date(2040, 1, 1), True),  # an open term runs on
        (JUL_1, None, JUN_30, False),  # not before it starts
    ],
)
def test_a_term_covers_the_days_from_its_start_to_its_end(start, end, day, covered):
    assert term_covers(start, end, day) is covered
    member = Member(
        council_id="c", username="u", full_name="U", role="member", term_start=start, term_end=end
    )
    assert member.current(day) is covered


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ((JAN_1, JUN_30), (JUL_1, DEC_31), False),  # one hands over to the next
        ((JAN_1, JUL_1), (JUL_1, DEC_31), True),  # sharing one day
        ((JAN_1, None), (JUL_1, DEC_31), True),  # an open term overlaps all that follow
        ((JUL_1, None), (JAN_1, JUN_30), False),
        ((JAN_1, None), (JUL_1, None), True),
        ((JAN_1, DEC_31), (JUL_1, JUL_1), True),  # one inside the other
    ],
)
def test_two_terms_overlap_when_they_share_a_day(a, b, overlap):
    assert terms_overlap(*a, *b) is overlap
    assert terms_overlap(*b, *a) is overlap  # whichever is asked first


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [(JAN_1, DEC_31, True), (JAN_1, JAN_1, True), (JAN_1, None, True), (JUL_1, JUN_30, False)],
)
def test_a_term_cannot_end_before_it_starts(start, end, ok):
    assert term_in_order(start, end) is ok


COUNCIL = Council(id="c1", name="Almaty", level="region", region="KZ-75")


def caller(*roles: str, regions=(), councils=()) -> Principal:
    return Principal(
        sub="u",
        user_id="u",
        roles=frozenset(roles),
        regions=frozenset(regions),
        councils=frozenset(councils),
    )


@pytest.mark.parametrize(
    ("principal", "manage", "create_here", "see", "watch", "persons"),
    [
        (caller("admin"), True, True, True, True, True),
        (
            caller("council_secretary", regions=["KZ-75"], councils=["c1"]),
            True,
            True,
            True,
            True,
            True,
        ),
        (caller("council_secretary", regions=["KZ-75"]), False, True, True, True, True),
        (
            caller("council_secretary", regions=["KZ-79"], councils=["c9"]),
            False,
            False,
            False,
            False,
            True,
        ),
        (
            caller("council_member", regions=["KZ-75"], councils=["c1"]),
            False,
            False,
            True,
            False,
            True,
        ),
        (caller("council_member", regions=["KZ-75"]), False, False, False, False, True),
        (caller("analyst", regions=["KZ-75"]), False, False, True, True, False),
        (caller("coordinator", regions=["KZ-75"]), False, False, False, False, False),
    ],
)
def test_who_manages_creates_sees_and_watches_a_council(
    principal, manage, create_here, see, watch, persons
):
    assert permissions.can_manage(principal, COUNCIL) is manage
    assert permissions.can_create(principal, COUNCIL.region) is create_here
    assert permissions.can_see_council(principal, COUNCIL) is see
    assert permissions.can_watch_region(principal, COUNCIL.region) is watch
    assert permissions.sees_persons(principal) is persons
