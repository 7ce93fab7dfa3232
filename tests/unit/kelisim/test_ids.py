"""Record ids are time-ordered (UUID version 7 layout); references that must not tell time
are random (version 4)."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from kelisim.clock import new_id, random_id
from kelisim.events.envelope import Envelope

pytestmark = pytest.mark.db_independent


def test_a_record_id_is_a_version_7_uuid_whose_first_digits_are_its_millisecond():
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    parsed = uuid.UUID(made)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert before <= int(made[:12], 16) <= after


def test_ids_made_in_later_milliseconds_sort_after_and_none_repeat():
    first = [new_id() for _ in range(1000)]
    time.sleep(0.002)
    later = [new_id() for _ in range(1000)]
    assert max(first) < min(later)
    assert len(set(first + later)) == 2000
    # Within one millisecond the rest is random: not a counter that could be guessed.
    assert len({made[12:] for made in first}) == 1000


def test_a_random_id_tells_no_time():
    made = random_id()
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert uuid.UUID(made).version == 4


def test_an_event_id_is_a_time_ordered_uuid():
    def made() -> Envelope:
        return Envelope(source="/kelisim/test", type="kz.kelisim.cases.case.registered.v1", data={})

    first = made()
    time.sleep(0.002)
    later = made()
    assert uuid.UUID(first.id).version == 7
    assert str(uuid.UUID(first.id)) == first.id  # the usual spelling, with hyphens
    assert first.id < later.id
