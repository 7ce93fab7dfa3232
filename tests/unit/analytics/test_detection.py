"""Early warning: surges alarm and explain themselves; seasons, small counts and noise do not."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date

import numpy as np
import pytest

from services.analytics.detection import Assessment, assess, assess_all, farrington

pytestmark = pytest.mark.db_independent

PERIOD = date(2025, 7, 1)  # a July: the high month of the summer series below


def shift(month: date, count: int) -> date:
    """The first day of the month `count` months after `month` (before, when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_before(period: date, count: int) -> np.ndarray:
    """Calendar months (1-12) of the `count` months before `period`, oldest first."""
    return np.array([(period.month - 1 - count + i) % 12 + 1 for i in range(count)])


def seasonal_mean(months: np.ndarray, level: float = 20.0, amplitude: float = 0.5) -> np.ndarray:
    """A smooth season peaking in July."""
    return level * np.exp(amplitude * np.cos(2 * np.pi * (months - 7) / 12))


def summer_mean(months: np.ndarray, low: float = 10.0, high: float = 30.0) -> np.ndarray:
    """High every June, July and August, flat otherwise."""
    return np.where(np.isin(months, (6, 7, 8)), high, low)


def poisson(mean: np.ndarray, seed: int) -> list[int]:
    return [int(x) for x in np.random.default_rng(seed).poisson(mean)]


def assert_finite(result: Assessment) -> None:
    for field in fields(result):
        value = getattr(result, field.name)
        if isinstance(value, float):
            assert math.isfinite(value), field.name


def test_surge_on_a_seasonal_baseline_alarms_and_explains_itself() -> None:
    months = months_before(PERIOD, 36)
    history = poisson(seasonal_mean(months), seed=1)
    usual = seasonal_mean(np.array([7]))[0]  # about 33 in July

    result = assess(history, 80, PERIOD)

    assert result.alarm
    assert result.method == "farrington"
    assert result.observed == 80
    assert 0.75 * usual < result.expected < 1.25 * usual
    assert result.expected < result.upper < result.observed
    assert result.score > 1
    assert result.p_value is not None and result.p_value < 0.01
    assert result.period == PERIOD
    assert result.baseline_months == 35  # 36 months less the 1-month guard band
    assert result.baseline_from == date(2022, 7, 1)
    assert result.baseline_to == date(2025, 5, 1)
    assert result.reason is None


@pytest.mark.parametrize("shape", [seasonal_mean, summer_mean])
@pytest.mark.parametrize("seed", range(5))
def test_a_series_that_only_follows_its_season_does_not_alarm_in_its_high_month(
    shape, seed: int
) -> None:
    months = months_before(PERIOD, 36)
    history = poisson(shape(months), seed=seed)
    usual = float(shape(np.array([7]))[0])

    result = assess(history, round(usual), PERIOD)

    assert not result.alarm
    assert result.method == "farrington"
    assert result.expected > 0.75 * usual  # the season is in the expectation, not averaged away
    assert result.score < 1


@pytest.mark.parametrize(
    ("history", "observed", "alarm", "reason"),
    [
        ([0] * 36, 2, False, "no cases in the baseline; below minimum count"),
        ([0] * 12, 2, False, "no cases in the baseline; below minimum count"),
        ([0] * 36, 4, False, "no cases in the baseline; below minimum count"),
        ([0] * 36, 6, True, "no cases in the baseline"),
        ([1, 0, 0, 2, 0, 1] * 6, 4, False, "below minimum count"),
    ],
)
def test_small_counts_never_alarm_below_the_minimum(
    history: list[int], observed: int, alarm: bool, reason: str
) -> None:
    result = assess(history, observed, PERIOD)

    assert result.alarm is alarm
    assert result.reason == reason
    assert_finite(result)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
@pytest.mark.parametrize("seed", range(3))
def test_an_alarm_is_exactly_a_p_value_at_most_alpha_above_the_minimum(
    alpha: float, seed: int
) -> None:
    """What bench/early_warning.py relies on to sweep alpha from one set of p-values."""
    rng = np.random.default_rng(seed)
    calendar = months_before(PERIOD, 48)
    history = list(rng.poisson(seasonal_mean(calendar, 8.0)))
    for observed in range(0, 40, 3):
        result = assess(history, observed, PERIOD, alpha=alpha)
        assert result.p_value is not None
        assert result.alarm is (result.p_value <= alpha and observed >= 5)
        assert (result.observed > result.upper) is (result.p_value <= alpha)


def test_min_count_is_a_parameter() -> None:
    assert not assess([0] * 36, 6, PERIOD, min_count=10).alarm
    assert assess([0] * 36, 3, PERIOD, min_count=3).alarm


@pytest.mark.parametrize(
    ("months", "observed", "alarm"), [(6, 40, True), (12, 40, True), (23, 13, False)]
)
def test_a_short_history_is_watched_by_an_ewma_chart(
    months: int, observed: int, alarm: bool
) -> None:
    history = poisson(np.full(months, 10.0), seed=months)

    result = assess(history, observed, PERIOD)

    assert result.method == "ewma"
    assert result.alarm is alarm
    assert result.baseline_months == months - 1  # the last month is the guard band
    assert result.baseline_from == shift(PERIOD, -months)
    assert result.baseline_to == shift(PERIOD, -2)
    assert 7 < result.expected < 13
    assert result.p_value is not None


@pytest.mark.parametrize("months", range(6))
def test_a_tiny_history_is_not_assessed(months: int) -> None:
    result = assess([30] * months, 500, PERIOD)

    assert result.method == "none"
    assert result.reason == "too little history"
    assert not result.alarm
    assert result.p_value is None
    assert result.baseline_from is None and result.baseline_months == 0
    assert_finite(result)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("months_ago", [13, 25])
def test_a_past_outbreak_in_the_baseline_is_down_weighted(seed: int, months_ago: int) -> None:
    months = months_before(PERIOD, 36)  # three years: no trend term to tell the two apart
    clean = np.array(poisson(seasonal_mean(months, amplitude=0.4), seed=100 + seed))
    with_outbreak = clean.copy()
    with_outbreak[-months_ago : -months_ago + 3] += 50  # three months at about 2.5 times usual

    before = assess(list(clean), 30, PERIOD)
    after = assess(list(with_outbreak), 30, PERIOD)

    assert after.expected == pytest.approx(before.expected, rel=0.15)
    assert after.upper <= 1.25 * before.upper


def test_an_outbreak_last_summer_does_not_hide_one_this_summer() -> None:
    months = months_before(PERIOD, 48)
    history = np.array(poisson(seasonal_mean(months, amplitude=0.4), seed=7))
    history[-13:-10] += 50

    assert assess(list(history), 80, PERIOD).alarm


def test_many_quiet_series_raise_few_false_alarms_and_a_real_surge_is_caught() -> None:
    rng = np.random.default_rng(2025)
    series, months = 160, 48
    calendar = months_before(date(2026, 1, 1), months)
    counts = np.array(
        [
            rng.poisson(seasonal_mean(calendar, rng.uniform(3, 60), rng.uniform(0, 0.6)))
            for _ in range(series)
        ]
    )
    counts[0, -6] *= 2  # series 0 doubles six months before the end

    false_alarms = 0
    caught = False
    for end in range(months - 12, months):
        period = shift(date(2026, 1, 1), end - months)
        results = assess_all({s: counts[s, : end + 1] for s in range(series)}, period)
        for key, result in results.items():
            if key == 0 and end == months - 6:
                caught = result.alarm
            elif result.alarm:
                false_alarms += 1

    assert caught
    assert false_alarms <= 3  # of 160 series x 12 months = 1,920 assessments


def test_the_correction_can_overrule_a_single_series_and_says_so() -> None:
    rng = np.random.default_rng(5)
    quiet = {s: list(rng.poisson(20.0, 37)) for s in range(1, 160)}
    history = list(rng.poisson(20.0, 36))
    observed = next(
        count for count in range(20, 80) if (assess(history, count, PERIOD).p_value or 1) < 0.005
    )
    alone = assess(history, observed, PERIOD)

    results = assess_all({0: [*history, observed], **quiet}, PERIOD)

    assert alone.alarm
    assert not results[0].alarm
    assert results[0].reason == "not significant after correction"
    assert results[0].upper >= observed > alone.upper  # the threshold moved up with the correction
    assert results[0].p_value == pytest.approx(alone.p_value)


def test_a_series_that_surges_with_others_is_caught_by_the_correction() -> None:
    rng = np.random.default_rng(6)
    data = {s: [*rng.poisson(20.0, 36), 20] for s in range(160)}
    for s in range(8):  # several regions surge together: BH relaxes for each
        data[s][-1] = 45

    results = assess_all(data, PERIOD)

    assert all(results[s].alarm for s in range(8))
    assert sum(r.alarm for r in results.values()) == 8


@pytest.mark.parametrize(
    "history",
    [
        [0] * 60,
        [7] * 60,
        [7] * 24,
        [0] * 59 + [1],
        [0, 0, 0, 1] * 15,
        [1000000] * 40,
        [3, 900, 2, 4, 1, 0] * 8,
        list(range(60)),
        list(range(60, 0, -1)),
    ],
)
@pytest.mark.parametrize("observed", [0, 1, 7, 10**6])
def test_odd_series_give_finite_deterministic_answers(history: list[int], observed: int) -> None:
    first = assess(history, observed, PERIOD)

    assert first == assess(history, observed, PERIOD)
    assert_finite(first)
    assert first.method == "farrington" if len(history) >= 24 else True
    assert first.alarm is (first.observed > first.upper and observed >= 5)
    assert first.p_value is not None and 0 <= first.p_value <= 1


def test_a_model_that_does_not_converge_falls_back_to_the_ewma(monkeypatch) -> None:
    monkeypatch.setattr(farrington, "_glm", lambda *args, **kwargs: None)

    result = assess([10] * 36, 40, PERIOD)

    assert result.method == "ewma"
    assert result.reason == "model did not converge; EWMA fallback"
    assert result.alarm


@pytest.mark.parametrize(
    "call",
    [
        lambda: assess([1, -1, 2, 3, 4, 5], 3, PERIOD),
        lambda: assess([1, float("nan"), 2, 3, 4, 5], 3, PERIOD),
        lambda: assess([1] * 30, -2, PERIOD),
        lambda: assess([1] * 30, 2, PERIOD, alpha=0),
        lambda: assess_all({"a": []}, PERIOD),
        lambda: assess_all({"a": [1] * 30}, PERIOD, fdr=0),
    ],
)
def test_invalid_input_is_refused(call) -> None:
    with pytest.raises(ValueError):
        call()


def test_the_period_is_normalised_to_the_first_of_the_month() -> None:
    assert assess([10] * 30, 10, date(2025, 7, 19)).period == PERIOD


def test_160_series_are_each_assessed_for_the_period() -> None:
    # Speed is measured by bench/early_warning.py against its baseline, not by a timed test.
    rng = np.random.default_rng(9)
    calendar = months_before(PERIOD, 73)
    data = {s: list(rng.poisson(seasonal_mean(calendar, 5 + s / 4))) for s in range(160)}

    results = assess_all(data, PERIOD)

    assert sorted(results) == list(range(160))
    assert all(result.period == PERIOD for result in results.values())
