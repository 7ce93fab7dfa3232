"""The one list envelope: keyset pages of a list built in memory, by the cursor rule of SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kelisim import pagination
from kelisim.problems import Problem

pytestmark = pytest.mark.db_independent

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
# Two rows share a time: the id breaks the tie, so no row is skipped or repeated.
ROWS = [(START + timedelta(hours=h), f"r{n}") for n, h in enumerate([0, 1, 1, 2, 5])]


def _walk(limit: int, *, descending: bool = False) -> list[str]:
    rows = sorted(ROWS, reverse=descending)
    seen: list[str] = []
    cursor = None
    while True:
        page = pagination.cut(
            rows, limit, cursor, lambda r: r, (datetime, str), descending=descending
        )
        assert len(page.items) <= limit
        seen += [r[1] for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("limit", [1, 2, 4, 5, 50])
def test_pages_of_a_list_in_memory_hold_every_row_once_in_order(limit: int) -> None:
    assert _walk(limit) == ["r0", "r1", "r2", "r3", "r4"]
    assert _walk(limit, descending=True) == ["r4", "r3", "r2", "r1", "r0"]


def test_a_cursor_of_naive_stored_times_reads_as_utc() -> None:
    """SQLite gives naive times back; the cursor compares them as the UTC they are."""
    naive = [(at.replace(tzinfo=None), key) for at, key in ROWS]
    first = pagination.cut(naive, 2, None, lambda r: r, (datetime, str))
    rest = pagination.cut(naive, 10, first.next_cursor, lambda r: r, (datetime, str))
    assert [r[1] for r in first.items + rest.items] == ["r0", "r1", "r2", "r3", "r4"]


def test_the_last_page_says_so_and_a_foreign_cursor_is_refused() -> None:
    whole = pagination.cut(ROWS, 5, None, lambda r: r, (datetime, str))
    assert whole.next_cursor is None and len(whole.items) == 5
    with pytest.raises(Problem) as refused:
        pagination.cut(ROWS, 5, "not-a-cursor", lambda r: r, (datetime, str))
    assert refused.value.kind == "bad-cursor"
