"""The delivery, endpoint and e-mail lifecycles, and the retry schedule, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import lifecycle
from services.notifications.lifecycle import (
    DEAD,
    DELIVERY,
    DISABLED,
    EMAIL,
    ENABLED,
    ENDPOINT,
    FAILED,
    GONE,
    PENDING,
    SCHEDULE_SECONDS,
    SUCCEEDED,
    RetryPolicy,
    after_attempt,
    retry_after_seconds,
    retry_delay,
)

pytestmark = pytest.mark.db_independent

DAY = RetryPolicy(scale=1.0, max_retry_after=86400.0, disable_after=timedelta(hours=120))


@pytest.mark.parametrize(
    ("machine", "action", "status", "target"),
    [
        (DELIVERY, "succeed", PENDING, SUCCEEDED),
        (DELIVERY, "retry", PENDING, PENDING),
        (DELIVERY, "dead_letter", PENDING, DEAD),
        (DELIVERY, "replay", SUCCEEDED, PENDING),
        (DELIVERY, "replay", DEAD, PENDING),
        (DELIVERY, "succeed", SUCCEEDED, None),
        (DELIVERY, "succeed", DEAD, None),
        (DELIVERY, "dead_letter", DEAD, None),
        (DELIVERY, "retry", SUCCEEDED, None),
        (DELIVERY, "replay", PENDING, None),
        (ENDPOINT, "disable", ENABLED, DISABLED),
        (ENDPOINT, "disable", DISABLED, None),
        (ENDPOINT, "enable", DISABLED, ENABLED),
        (ENDPOINT, "enable", ENABLED, None),
        (EMAIL, "batch", "held", "batched"),
        (EMAIL, "batch", PENDING, None),
        (EMAIL, "send", PENDING, "sent"),
        (EMAIL, "send", "held", None),
        (EMAIL, "retry", PENDING, PENDING),
        (EMAIL, "fail", PENDING, FAILED),
        (EMAIL, "fail", "sent", None),
    ],
)
def test_which_transition_may_start_from_which_state(machine, action, status, target):
    if target is None:
        assert not lifecycle.can(machine, action, status)
        with pytest.raises(ValueError):
            lifecycle.move(machine, action, status)
    else:
        assert lifecycle.can(machine, action, status)
        assert lifecycle.move(machine, action, status) == target


def test_every_transition_leads_to_a_known_state():
    for machine, states in (
        (DELIVERY, lifecycle.DELIVERY_STATES),
        (EMAIL, lifecycle.EMAIL_STATES),
        (ENDPOINT, (ENABLED, DISABLED)),
    ):
        for step in machine.values():
            assert step.target in states
            assert step.sources <= set(states)


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (200, SUCCEEDED),
        (204, SUCCEEDED),
        (299, SUCCEEDED),
        (301, FAILED),
        (404, FAILED),
        (410, GONE),
        (429, FAILED),
        (500, FAILED),
        (503, FAILED),
        (None, FAILED),
    ],
)
def test_the_outcome_of_an_attempt_follows_its_status_code(code, outcome):
    assert lifecycle.outcome_of(code) == outcome


@pytest.mark.parametrize(
    ("step", "scale", "delay"),
    [
        (1, 1.0, 5),
        (2, 1.0, 300),
        (3, 1.0, 1800),
        (4, 1.0, 7200),
        (5, 1.0, 18000),
        (6, 1.0, 36000),
        (7, 1.0, 50400),
        (8, 1.0, 72000),
        (9, 1.0, 86400),
        (10, 1.0, None),
        (11, 1.0, None),
        (1, 0.5, 2.5),
        (9, 0.001, 86.4),
        (2, 2.0, 600),
    ],
)
def test_the_standard_webhooks_schedule_is_scaled(step, scale, delay):
    policy = RetryPolicy(scale=scale)
    found = retry_delay(step, 500, None, policy)
    assert found == (None if delay is None else pytest.approx(delay))


def test_the_schedule_is_the_standard_webhooks_example():
    hours = [s / 3600 for s in SCHEDULE_SECONDS]
    assert hours[:3] == [0, 5 / 3600, 5 / 60]
    assert hours[3:] == [0.5, 2, 5, 10, 14, 20, 24]


@pytest.mark.parametrize(
    ("code", "retry_after", "ceiling", "delay"),
    [
        (429, 60.0, 86400.0, 60.0),  # longer than the schedule's 5 s: wait as asked
        (503, 60.0, 86400.0, 60.0),
        (502, 60.0, 86400.0, 60.0),
        (504, 60.0, 86400.0, 60.0),
        (429, 1.0, 86400.0, 5.0),  # shorter than the schedule: the schedule wins
        (429, 10_000.0, 600.0, 600.0),  # capped by KELISIM_WEBHOOK_MAX_RETRY_AFTER_SECONDS
        (500, 60.0, 86400.0, 5.0),  # only slow-down answers are listened to
        (429, None, 86400.0, 5.0),
    ],
)
def test_retry_after_stretches_the_wait_of_a_slow_down_answer(code, retry_after, ceiling, delay):
    policy = RetryPolicy(scale=1.0, max_retry_after=ceiling)
    assert retry_delay(1, code, retry_after, policy) == pytest.approx(delay)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Tue, 01 Dec 2026 10:01:00 GMT", 60.0),
        ("Tue, 01 Dec 2026 09:00:00 GMT", 0.0),  # in the past: at once
        ("soon", None),
        ("-5", None),
    ],
)
def test_the_retry_after_header_is_read_as_seconds_or_a_date(header, seconds):
    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert retry_after_seconds(header, at) == seconds


@pytest.mark.parametrize(
    ("step", "code", "failing_for", "action", "disable"),
    [
        (1, 200, timedelta(0), "succeed", False),
        (5, 204, timedelta(days=9), "succeed", False),
        (1, 410, timedelta(0), "dead_letter", True),  # 410 Gone disables at once
        (3, 410, timedelta(hours=1), "dead_letter", True),
        (1, 500, timedelta(0), "retry", False),
        (1, None, timedelta(0), "retry", False),
        (4, 503, timedelta(hours=119), "retry", False),
        (4, 503, timedelta(hours=120), "retry", True),  # failing too long disables
        (10, 500, timedelta(hours=30), "dead_letter", False),  # the schedule ran out
        (10, 500, timedelta(hours=121), "dead_letter", True),
    ],
)
def test_what_follows_an_attempt(step, code, failing_for, action, disable):
    then = after_attempt(step, code, None, failing_for, DAY)
    assert (then.action, then.disable) == (action, disable)
    assert lifecycle.can(DELIVERY, then.action, PENDING)
    if action == "dead_letter":
        assert then.reason in (lifecycle.GONE_REASON, lifecycle.EXHAUSTED_REASON)
        assert then.delay is None
    if action == "retry":
        assert then.delay == SCHEDULE_SECONDS[step]


def test_a_gone_endpoint_is_named_as_the_reason():
    then = after_attempt(1, 410, None, timedelta(0), DAY)
    assert (then.outcome, then.reason) == (GONE, "the endpoint answered 410 Gone")


@pytest.mark.parametrize(("digest", "first"), [(False, PENDING), (True, "held")])
def test_a_digest_readers_mail_starts_held(digest, first):
    assert lifecycle.email_start(digest) == first
