"""The checker's counting rules, on histories made up to hold each kind of anomaly."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.faults.checker import Report, Row, _writes
from tests.faults.load import Op
from tests.faults.stream_checks import _matches

pytestmark = pytest.mark.db_independent


def op(n: int, outcome: str, result_id: str | None = None) -> Op:
    return Op(n=n, kind="register", marker=f"faultop-{n:06}", outcome=outcome, result_id=result_id)


def by_check(rows: list[Row]) -> dict[str, Row]:
    return {r.check.split(": ", 1)[1]: r for r in rows}


def test_a_consistent_history_has_no_anomaly() -> None:
    ops = [op(0, "ok", "a"), op(1, "failed"), op(2, "unknown"), op(3, "unknown")]
    found = Counter({"faultop-000000": 1, "faultop-000003": 1})
    rows = by_check(_writes("register", ops, found, {"faultop-000000": "a"}))
    assert not Report(list(rows.values())).anomalies
    assert rows["unknown (timeout, 5xx)"].note == "1 took effect"


def test_lost_duplicated_refused_stray_and_wrong_rows_are_each_counted() -> None:
    ops = [op(0, "ok", "a"), op(1, "ok", "b"), op(2, "failed"), op(3, "ok", "d"), op(4, "unknown")]
    found = Counter(
        {
            "faultop-000001": 2,  # an acknowledged write applied twice
            "faultop-000002": 1,  # a refused write that happened anyway
            "faultop-000003": 1,  # present, but under another id than the client was given
            "faultop-000004": 2,  # an unknown write applied twice
            "faultop-999999": 1,  # a write nobody asked for
        }
    )
    ids = {"faultop-000003": "other"}
    rows = by_check(_writes("register", ops, found, ids))
    assert (rows["acknowledged"].lost, rows["acknowledged"].duplicated) == (1, 1)
    assert rows["acknowledged"].unexpected == 1
    assert rows["refused"].unexpected == 1
    assert rows["unknown (timeout, 5xx)"].duplicated == 1
    assert rows["in the database, asked by nobody"].unexpected == 1
    assert len(Report(list(rows.values())).anomalies) == 4


def test_subjects_match_as_nats_matches_them() -> None:
    assert _matches("cases.case.escalated", "cases.>")
    assert _matches("cases.case.escalated", "cases.*.escalated")
    assert not _matches("cases", "cases.>")
    assert not _matches("cases.case.escalated", "cases.case")
    assert not _matches("cases.case", "cases.case.escalated")
