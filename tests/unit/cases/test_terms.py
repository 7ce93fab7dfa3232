"""The term calendar: calendar days, or business days on Kazakhstan's holidays; one extension."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.cases import terms
from services.cases.terms import TermPolicy, add_term, is_business_day

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2026, 12, 15), True),  # a Tuesday
        (date(2026, 12, 16), False),  # Independence Day
        (date(2026, 12, 19), False),  # a Saturday
        (date(2026, 3, 9), False),  # Women's Day, observed on the Monday
        (date(2026, 3, 23), False),  # Nauryz
        (date(2026, 3, 25), False),  # Nauryz, observed
        (date(2026, 3, 26), True),
        (date(2027, 1, 4), False),  # New Year, observed
    ],
)
def test_business_days_are_weekdays_that_are_not_public_holidays(day: date, business: bool):
    assert is_business_day(day) is business


@pytest.mark.parametrize(
    ("start", "days", "business_days", "end"),
    [
        (date(2026, 12, 14), 3, False, date(2026, 12, 17)),
        (date(2026, 12, 14), 3, True, date(2026, 12, 18)),  # skips 16 December
        (date(2026, 3, 6), 2, True, date(2026, 3, 11)),  # skips the weekend and 9 March
        (date(2026, 3, 20), 1, True, date(2026, 3, 26)),  # skips Nauryz
        (date(2026, 12, 30), 3, True, date(2027, 1, 6)),  # across the new year
        (date(2026, 1, 31), 30, False, date(2026, 3, 2)),
        (date(2026, 5, 1), 0, True, date(2026, 5, 1)),
    ],
)
def test_a_term_ends_after_its_days_counted_from_the_next_day(
    start: date, days: int, business_days: bool, end: date
):
    assert add_term(start, days, business_days=business_days) == end


@pytest.mark.parametrize(
    ("policy", "signed_on", "deadline", "extended"),
    [
        (TermPolicy(), date(2026, 2, 1), date(2026, 3, 3), date(2026, 4, 2)),
        (
            TermPolicy(term_days=10, extension_days=5, business_days=True),
            date(2026, 12, 11),
            date(2026, 12, 28),
            date(2027, 1, 6),  # 1 and 4 January are holidays
        ),
    ],
)
def test_the_agreement_starts_the_term_and_one_extension_adds_its_days_to_the_deadline(
    policy: TermPolicy, signed_on: date, deadline: date, extended: date
):
    assert policy.term_end(signed_on) == deadline
    assert policy.extended_end(deadline) == extended


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Asia/Almaty", date(2026, 12, 8)),  # UTC+5: already the next day
        ("UTC", date(2026, 12, 7)),
        ("America/Los_Angeles", date(2026, 12, 7)),
    ],
)
def test_a_moment_falls_on_its_day_in_the_services_time_zone(zone: str, day: date):
    moment = datetime(2026, 12, 7, 20, 30, tzinfo=UTC)
    assert TermPolicy(timezone=zone).day_of(moment) == day


def test_today_is_the_clocks_moment_in_the_services_time_zone(monkeypatch):
    monkeypatch.setattr(terms, "now", lambda: datetime(2026, 12, 31, 19, 0, tzinfo=UTC))
    assert TermPolicy(timezone="Asia/Almaty").today() == date(2027, 1, 1)
    assert TermPolicy(timezone="UTC").today() == date(2026, 12, 31)
