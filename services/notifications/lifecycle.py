"""The states of a webhook delivery, a liaison endpoint and an e-mail, and what moves them, as data.

A delivery is `pending` until an attempt succeeds (`succeeded`) or it is given up (`dead`:
the endpoint answered 410, the retry schedule ran out, or the endpoint was removed); a failed
attempt leaves it `pending` (retrying) with its next attempt on the Standard Webhooks
schedule. An admin replays a finished delivery under the same `webhook-id`, or has a pending
one attempted now rather than at its next scheduled retry. An endpoint is
`enabled` or `disabled` (by a 410, by failing too long, or by an admin); a disabled
endpoint's deliveries wait, pending, until it is enabled again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Step:
    """A transition: the states it may start from and the state it leads to."""

    sources: frozenset[str]
    target: str


def can(machine: dict[str, Step], action: str, status: str) -> bool:
    """Whether `action` may move a record that is `status`."""
    return status in machine[action].sources


def move(machine: dict[str, Step], action: str, status: str) -> str:
    """The state `action` leads to from `status`; ValueError when it may not start there."""
    if not can(machine, action, status):
        raise ValueError(f"cannot {action} from {status}")
    return machine[action].target


# Deliveries (the `delivery.status` column). They are sent by the `webhooks` lanes, one per
# endpoint (kelisim.workers.run_per_key); a new or replayed delivery wakes its endpoint's lane.
WEBHOOKS = "webhooks"
PENDING = "pending"
SUCCEEDED = "succeeded"
DEAD = "dead"
DELIVERY_STATES = (PENDING, SUCCEEDED, DEAD)
DELIVERY_START = PENDING
DELIVERY: dict[str, Step] = {
    "succeed": Step(frozenset({PENDING}), SUCCEEDED),
    "retry": Step(frozenset({PENDING}), PENDING),
    "dead_letter": Step(frozenset({PENDING}), DEAD),
    "replay": Step(frozenset({SUCCEEDED, DEAD}), PENDING),
    # An admin brings a pending delivery's next attempt forward (its receiver is fixed).
    "retry_now": Step(frozenset({PENDING}), PENDING),
}

# Endpoints (the `liaison_endpoint.enabled` column).
ENABLED = "enabled"
DISABLED = "disabled"
ENDPOINT: dict[str, Step] = {
    "disable": Step(frozenset({ENABLED}), DISABLED),
    "enable": Step(frozenset({DISABLED}), ENABLED),
}


def endpoint_state(enabled: bool) -> str:
    """An endpoint's state from its `enabled` column."""
    return ENABLED if enabled else DISABLED


# E-mails (the `email_outbox.status` column); a digest reader's mails start held. With e-mail
# off (`Settings.smtp_server()` None: no SMTP server, no mail sink) a due one is not sent.
HELD = "held"
BATCHED = "batched"
SENT = "sent"
FAILED = "failed"
NOT_SENT = "not_sent"
EMAIL_STATES = (PENDING, HELD, BATCHED, SENT, FAILED, NOT_SENT)
EMAIL_START = PENDING
EMAIL: dict[str, Step] = {
    "batch": Step(frozenset({HELD}), BATCHED),
    "send": Step(frozenset({PENDING}), SENT),
    "retry": Step(frozenset({PENDING}), PENDING),
    "fail": Step(frozenset({PENDING}), FAILED),
    "leave_unsent": Step(frozenset({PENDING}), NOT_SENT),
}


def email_start(digest: bool) -> str:
    """The first state of an e-mail: held for a digest reader, pending otherwise."""
    return HELD if digest else EMAIL_START


# What one webhook attempt came back with (the `delivery_attempt.outcome` column).
GONE = "gone"
OUTCOMES = (SUCCEEDED, FAILED, GONE)

# The Standard Webhooks example schedule: delay before attempt n+1 after attempt n fails.
SCHEDULE_SECONDS = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
SLOW_DOWN = frozenset({429, 502, 503, 504})
GONE_REASON = "the endpoint answered 410 Gone"
EXHAUSTED_REASON = "the retry schedule is exhausted"


@dataclass(frozen=True)
class RetryPolicy:
    """The settings that stretch the schedule: scale, longest Retry-After, disabling."""

    scale: float = 1.0
    max_retry_after: float = 86400.0
    disable_after: timedelta = timedelta(hours=120)


@dataclass(frozen=True)
class AfterAttempt:
    """What follows an attempt: its outcome, the delivery's move, the endpoint's fate."""

    outcome: str
    action: str  # a DELIVERY action: succeed | retry | dead_letter
    delay: float | None = None  # seconds to the next attempt, when retrying
    reason: str = ""  # why the delivery was dead-lettered
    disable: bool = False  # whether the endpoint is to be disabled


def outcome_of(status_code: int | None) -> str:
    """An attempt's outcome from the answer's status code (None: no answer)."""
    if status_code is not None and 200 <= status_code < 300:
        return SUCCEEDED
    return GONE if status_code == 410 else FAILED


def retry_delay(
    step: int, status_code: int | None, retry_after: float | None, policy: RetryPolicy
) -> float | None:
    """Seconds before the next attempt after failure number `step`; None when none is left."""
    if step >= len(SCHEDULE_SECONDS):
        return None
    delay = SCHEDULE_SECONDS[step] * policy.scale
    if status_code in SLOW_DOWN and retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after))
    return delay


def after_attempt(
    step: int,
    status_code: int | None,
    retry_after: float | None,
    failing_for: timedelta,
    policy: RetryPolicy,
) -> AfterAttempt:
    """Decide what follows attempt number `step` (1 for the first) of a delivery.

    `failing_for` is how long the endpoint has been failing, this attempt included.
    """
    outcome = outcome_of(status_code)
    if outcome == SUCCEEDED:
        return AfterAttempt(outcome, "succeed")
    if outcome == GONE:
        return AfterAttempt(outcome, "dead_letter", reason=GONE_REASON, disable=True)
    delay = retry_delay(step, status_code, retry_after, policy)
    too_long = failing_for >= policy.disable_after
    if delay is None:
        return AfterAttempt(outcome, "dead_letter", reason=EXHAUSTED_REASON, disable=too_long)
    return AfterAttempt(outcome, "retry", delay=delay, disable=too_long)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The `Retry-After` header in seconds (delta-seconds or an HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None
