"""The restart policy of `kelisim up`: doubling delays, a limit in a row, a reset when stable."""

from __future__ import annotations

import pytest

from kelisim.supervision.health import HealthRecord
from kelisim.supervision.policy import RestartBudget, RestartPolicy

pytestmark = pytest.mark.db_independent


def test_delays_double_up_to_the_cap_then_the_child_is_given_up():
    budget = RestartBudget(RestartPolicy(backoff=0.5, backoff_max=3.0, limit=5, stable=60))
    assert [budget.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 3.0, 3.0, None]


def test_a_child_that_stayed_healthy_gets_its_budget_back():
    budget = RestartBudget(RestartPolicy(backoff=1, limit=2, stable=60))
    assert budget.next_delay() == 1
    assert budget.next_delay() == 2
    budget.healthy_for(59.9)
    assert budget.next_delay() is None
    budget.healthy_for(60)
    assert budget.next_delay() == 1


def test_a_limit_of_zero_never_restarts():
    assert RestartBudget(RestartPolicy(limit=0)).next_delay() is None


def test_only_failures_in_a_row_make_a_child_hung():
    health = HealthRecord(failures_allowed=3)
    assert [health.record(ok) for ok in (False, False, True, False, False)] == [False] * 5
    assert health.record(False) is True
