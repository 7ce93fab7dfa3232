"""A recommendation's public status says what its addressee answered: carried out in full (on
time or late), in part, or not at all; overdue while no final answer came after its due date.
The on-time rate counts only what was carried out in full."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from services.councils.models import Recommendation, RecommendationResponse
from services.councils.public import PublicRecommendation, rates, status_of

pytestmark = pytest.mark.db_independent

DUE = date(2026, 6, 30)
BEFORE, AFTER = date(2026, 6, 1), date(2026, 7, 15)


def answered(status: str, on: date, reported_on: date | None = None) -> RecommendationResponse:
    # 10:00 in Kazakhstan: the day it was recorded there is `on`.
    return RecommendationResponse(
        recommendation_id="r",
        status=status,
        reported_on=reported_on,
        recorded_by="secretary",
        recorded_at=datetime.combine(on, time(5), tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("responses", "today", "expected"),
    [
        ([], BEFORE, ("issued", None)),
        ([], AFTER, ("overdue", None)),
        ([("acknowledged", BEFORE)], BEFORE, ("answered", None)),
        ([("in_progress", BEFORE)], AFTER, ("overdue", None)),
        ([("implemented", BEFORE)], AFTER, ("implemented", BEFORE)),
        ([("implemented", AFTER)], AFTER, ("implemented_late", AFTER)),
        # In part: said as such, with its day, never "implemented"; a later answer decides.
        ([("partially_implemented", BEFORE)], AFTER, ("partially_implemented", BEFORE)),
        (
            [("partially_implemented", BEFORE), ("implemented", BEFORE)],
            AFTER,
            ("implemented", BEFORE),
        ),
        (
            [("partially_implemented", BEFORE), ("implemented", AFTER)],
            AFTER,
            ("implemented_late", AFTER),
        ),
        (
            [("partially_implemented", BEFORE), ("not_implemented", AFTER)],
            AFTER,
            ("not_implemented", None),
        ),
        # Not at all: said as such (it read "answered" for ever).
        ([("not_implemented", BEFORE)], AFTER, ("not_implemented", None)),
        ([("not_implemented", BEFORE)], BEFORE, ("not_implemented", None)),
    ],
)
def test_the_public_status_says_what_the_addressee_answered(responses, today, expected):
    rec = Recommendation(
        council_id="c", item_id="i", addressee="Akimat", text="t", responsible="r", due_date=DUE
    )
    assert status_of(rec, [answered(s, d) for s, d in responses], today) == expected


def test_the_day_the_addressee_reported_decides_on_time_not_the_day_it_was_recorded():
    rec = Recommendation(
        council_id="c", item_id="i", addressee="Akimat", text="t", responsible="r", due_date=DUE
    )
    recorded_late = [answered("implemented", AFTER, reported_on=BEFORE)]
    assert status_of(rec, recorded_late, AFTER) == ("implemented", BEFORE)
    reported_late = [answered("implemented", AFTER, reported_on=AFTER)]
    assert status_of(rec, reported_late, AFTER) == ("implemented_late", AFTER)


def rec_due(status: str, due: date) -> PublicRecommendation:
    return PublicRecommendation.model_validate(
        {
            "id": status,
            "council_id": "c",
            "council_name": "Council",
            "region": "KZ-75",
            "protocol_id": "p",
            "addressee": "Akimat",
            "text": "t",
            "decided_on": date(2026, 1, 9),
            "issued_at": datetime(2026, 1, 10, tzinfo=UTC),
            "due_date": due,
            "status": status,
            "implemented_on": None,
            "responses": [],
        }
    )


def test_only_what_was_carried_out_in_full_is_on_time_and_a_final_no_counts_at_once():
    statuses = ["implemented", "partially_implemented", "not_implemented", "answered", "issued"]
    # Not due yet: only a final answer counts; carried out in part is still in progress.
    recs = [rec_due(s, date(2099, 12, 31)) for s in statuses]
    (row,) = rates(recs, "addressee", date(2026, 1, 1), date(2099, 12, 31))
    assert (row.issued, row.counted, row.on_time, row.late, row.partly, row.not_done) == (
        5,
        2,
        1,
        0,
        0,
        1,
    )
    assert row.rate == pytest.approx(1 / 2)


def test_partly_implemented_is_in_progress_until_due_and_counted_as_partly_after():
    """Partly implemented counted as "Not carried out" months before its due date, while the
    list said "Partly implemented"."""
    start, end = date(2000, 1, 1), date(2099, 12, 31)
    (before,) = rates([rec_due("partially_implemented", date(2099, 3, 1))], "addressee", start, end)
    assert (before.issued, before.counted, before.partly, before.not_done) == (1, 0, 0, 0)
    assert before.rate is None
    (after,) = rates([rec_due("partially_implemented", date(2001, 3, 1))], "addressee", start, end)
    assert (after.issued, after.counted, after.partly, after.not_done) == (1, 1, 1, 0)
    assert after.rate == 0
