"""Early warning: does this month's count depart from the series' own history?

Pure computation on monthly counts (one series per region x category), no I/O, deterministic.

The method depends on how much history a series has:

* 24 months or more, an improved Farrington detector (Farrington et al. 1996; Noufaily et al.
  2013; R's ``surveillance::farringtonFlexible``): a quasi-Poisson GLM (statsmodels Poisson
  GLM, dispersion phi from the Pearson chi-square, never below 1) on the last ``years`` years,
  leaving out the month before the assessed one as a guard band (a surge that began last month
  does not raise its own baseline; a longer band extrapolates further and, on
  bench/early_warning.py, cost more in prediction error than it saved).
  Terms: a linear trend (only with 36 months of baseline, kept only if significant at 5 % and
  not predicting more than the largest count seen, as Farrington), and two pairs of yearly
  harmonics (Noufaily's 10-block seasonal factor is made for weekly data; with at most 60
  months, four harmonic terms fit both a smooth season and a summer block with fewer
  parameters), kept only if jointly significant at 5 %. Past outbreaks are down-weighted by
  Anscombe residuals above 2 (weight s**-2; Noufaily uses 2.58, but with a surge every year or
  two, 2 to 5 standard deviations high, the months between 2 and 2.58 inflated the expected
  count and the dispersion by a fifth of a standard deviation); the residuals are taken
  against a Huber-weighted fit with a robust (MAD) scale, because a large outbreak otherwise
  drags the plain fit and the dispersion towards itself and hides. Phi is then estimated on
  the months not down-weighted.
* 6 to 23 months, or when the GLM does not converge: an EWMA chart. The expected count is an
  exponentially weighted mean (lambda 0.2) of the history before the last month (guard band);
  phi comes from the chart's own one-step-ahead errors, so a drifting level widens the limit.
* fewer than 6 months: no assessment (method "none").

Threshold: the month's count is predicted as negative binomial with the fitted mean and
variance phi * mean (Poisson when phi is 1), mixed over the uncertainty of the fitted mean
(log-normal, Gauss-Hermite) and of phi (scaled inverse chi-square on its degrees of freedom).
``p_value`` = P(Y >= observed); ``upper`` = the smallest u with P(Y > u) <= alpha, so
observed > upper exactly when p_value <= alpha; ``score`` = (observed - expected) /
(upper - expected), above 1 for an exceedance. A month with fewer than ``min_count`` cases
never alarms (0 -> 2 is noise). The p-values are approximate: on clean synthetic series 1.5
to 2 % of months fall below p = 0.01 (model selection, estimated dispersion); with past
outbreaks in the baseline they err the other way. On the benchmark's series (surges in the
history) about 1 % of quiet months fall below p = 0.01 and 4 % below p = 0.05.

False alarms across series: ``assess_all`` applies Benjamini-Hochberg (``statsmodels.stats.
multitest``, false discovery rate ``fdr``, default 5 %) to the p-values of all assessed series,
and keeps the per-series ``alpha`` as a cap. With ~160 quiet series BH lets through a false
alarm in roughly one month out of twenty (alpha = 1 % alone gives one to three a month); when
several series surge together it relaxes step by step instead of demanding the Bonferroni level
of each. ``upper`` and ``score`` are reported at the corrected level, so "alarm because
observed > upper" still holds, and ``reason`` says "not significant after correction" when
only the correction stopped an alarm. Series with too little history are not in the family;
series below ``min_count`` are. The price is sensitivity to small surges: a single month
needs roughly 3.5 standard deviations to stand out among 160 (see bench/early_warning.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

import numpy as np
from statsmodels.stats.multitest import multipletests

from services.analytics.detection.ewma import EWMA_GUARD, EWMA_LAMBDA, _ewma
from services.analytics.detection.farrington import (
    GUARD_MONTHS,
    HUBER_C,
    HUBER_PASSES,
    REWEIGHT_PASSES,
    REWEIGHT_THRESHOLD,
    SEASON_MIN_CASES,
    SEASON_P,
    TREND_MONTHS,
    TREND_P,
    _farrington,
)
from services.analytics.detection.threshold import Method, _Forecast, _join

__all__ = [
    "EWMA_GUARD",
    "EWMA_LAMBDA",
    "FARRINGTON_MONTHS",
    "GUARD_MONTHS",
    "HUBER_C",
    "HUBER_PASSES",
    "MIN_MONTHS",
    "REWEIGHT_PASSES",
    "REWEIGHT_THRESHOLD",
    "SEASON_MIN_CASES",
    "SEASON_P",
    "TREND_MONTHS",
    "TREND_P",
    "Assessment",
    "Method",
    "assess",
    "assess_all",
]


K = TypeVar("K", bound=Hashable)

MIN_MONTHS = 6  # below this, no assessment
FARRINGTON_MONTHS = 24  # from this much history on, the GLM


@dataclass(frozen=True)
class Assessment:
    """One series' verdict for one month, with what it was measured against.

    With method "none", expected and upper are the plain mean of what history there is (0 when
    none) and score is 0.
    """

    period: date  # the month assessed (first day of the month)
    observed: int
    expected: float  # fitted expectation for that month
    upper: float  # the alarm threshold: alarm when observed > upper
    score: float  # (observed - expected) / (upper - expected)
    p_value: float | None  # one-sided upper-tail p-value under the fitted model
    alarm: bool
    method: Method
    baseline_from: date | None  # first month of the history used
    baseline_to: date | None  # last month of the history used
    baseline_months: int
    reason: str | None  # why there is no alarm (or how the baseline was made) when not obvious


def assess(
    history: Sequence[int],
    observed: int,
    period: date,
    *,
    min_count: int = 5,
    alpha: float = 0.01,
    years: int = 5,
) -> Assessment:
    """Assess `observed` for `period` against `history`, the months just before it, oldest first."""
    _check(alpha, years)
    counts = _counts(history)
    count = int(_counts([observed])[0])
    forecast = _forecast(counts, years)
    p_value = None if forecast is None else forecast.tail(count)
    return _decide(forecast, counts, count, _month(period), p_value, alpha, min_count)


def assess_all(
    series: Mapping[K, Sequence[int]],
    period: date,
    *,
    min_count: int = 5,
    alpha: float = 0.01,
    fdr: float = 0.05,
    years: int = 5,
) -> dict[K, Assessment]:
    """Assess every series for `period` (each ends with that month's count), BH-corrected."""
    _check(alpha, years)
    if not 0 < fdr <= 1:
        raise ValueError("fdr must be in (0, 1]")
    month = _month(period)
    prepared: dict[K, tuple[np.ndarray, int, _Forecast | None]] = {}
    for key, values in series.items():
        if len(values) == 0:
            raise ValueError(f"series {key!r} has no count for {month}")
        counts = _counts(values)
        prepared[key] = (counts[:-1], int(counts[-1]), _forecast(counts[:-1], years))
    tested = [key for key, (_, _, forecast) in prepared.items() if forecast is not None]
    p_values = {
        key: forecast.tail(observed)
        for key, (_, observed, forecast) in prepared.items()
        if forecast is not None
    }
    level = alpha
    if tested:
        rejected, *_ = multipletests([p_values[key] for key in tested], alpha=fdr, method="fdr_bh")
        level = min(alpha, max(int(rejected.sum()), 1) * fdr / len(tested))
    results: dict[K, Assessment] = {}
    for key, (history, observed, forecast) in prepared.items():
        p_value = p_values.get(key)
        result = _decide(forecast, history, observed, month, p_value, level, min_count)
        corrected_away = p_value is not None and p_value <= alpha and observed >= min_count
        if corrected_away and not result.alarm:
            result = replace(
                result, reason=_join(result.reason, "not significant after correction")
            )
        results[key] = result
    return results


def _check(alpha: float, years: int) -> None:
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if years < 2:
        raise ValueError("years must be at least 2")


def _counts(values: Sequence[int]) -> np.ndarray:
    counts = np.asarray(values, dtype=float)
    if counts.ndim != 1 or not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError("counts must be finite and non-negative")
    return np.round(counts)


def _month(period: date) -> date:
    return date(period.year, period.month, 1)


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _decide(
    forecast: _Forecast | None,
    history: np.ndarray,
    observed: int,
    month: date,
    p_value: float | None,
    alpha: float,
    min_count: int,
) -> Assessment:
    if forecast is None:
        mean = float(history.mean()) if history.size else 0.0
        return Assessment(
            month, observed, mean, mean, 0.0, None, False, "none", None, None, 0,
            "too little history",
        )  # fmt: skip
    expected = forecast.expected
    upper = forecast.upper(alpha)
    score = (observed - expected) / max(upper - expected, 0.5)
    exceeds = observed > upper
    alarm = exceeds and observed >= min_count
    reason = forecast.note
    if exceeds and not alarm:
        reason = _join(reason, "below minimum count")
    return Assessment(
        period=month,
        observed=observed,
        expected=expected,
        upper=float(upper),
        score=float(score),
        p_value=p_value,
        alarm=alarm,
        method=forecast.method,
        baseline_from=_shift(month, -forecast.first),
        baseline_to=_shift(month, -forecast.last),
        baseline_months=forecast.months,
        reason=reason,
    )


def _forecast(history: np.ndarray, years: int) -> _Forecast | None:
    if history.size < MIN_MONTHS:
        return None
    if history.size < FARRINGTON_MONTHS:
        return _ewma(history)
    return _farrington(history, years) or _ewma(
        history[-years * 12 - GUARD_MONTHS :], note="model did not converge; EWMA fallback"
    )
