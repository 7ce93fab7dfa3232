"""`python -m bench --runs N`: a figure passes only if every run of it passed."""

from __future__ import annotations

import pytest

from bench.__main__ import label, summary

pytestmark = pytest.mark.db_independent


def row(name: str, figure: str, ratio: str, ok: bool, baseline: str = "6095") -> dict[str, object]:
    return {
        "name": name,
        "figure": figure,
        "baseline": baseline,
        "ratio": ratio,
        "target": ">= 0.5x",
        "pass": ok,
    }


def test_each_runs_values_are_shown_and_one_failed_run_fails_the_figure():
    rounds = [
        [("outbox_relay.run1", "ok", 30.0, [row("relay", "5064", "0.83", True)])],
        [("outbox_relay.run2", "ok", 31.0, [row("relay", "2900", "0.48", False, "6041")])],
        [("outbox_relay.run3", "ok", 29.0, [row("relay", "5100", "0.84", True)])],
    ]
    lines, failures = summary(rounds)
    [line] = [x for x in lines if x.startswith("relay")]
    assert "5064 / 2900 / 5100" in line and "0.83x / 0.48x / 0.84x" in line
    assert "6095 / 6041 / 6095" in line  # each run's own baseline
    assert line.endswith("FAIL (2 of 3)")
    assert failures == 1


def test_a_run_without_results_is_named_with_its_log_and_fails_the_figure():
    rounds = [
        [("startup.one.run1", "ok", 20.0, [row("ready", "1.75", "1.98", True)])],
        [("startup.one.run2", "failed (1)", 3.0, [])],
    ]
    lines, failures = summary(rounds)
    assert any(x.startswith("startup.one ") and "see startup.one.run2.log" in x for x in lines)
    [line] = [x for x in lines if x.startswith("ready")]
    assert line.endswith("FAIL (1 of 2)")
    assert failures == 2


def test_one_run_reads_as_before():
    lines, failures = summary([[("caseload", "ok", 9.0, [row("pages", "0.33", "2.4", True)])]])
    assert lines[1].split()[-1] == "PASS" and "0.33" in lines[1] and "2.4x" in lines[1]
    assert failures == 0
    assert label("api_reads", "one", 2) == "api_reads.one.run2"
    assert label("caseload", None) == "caseload"
