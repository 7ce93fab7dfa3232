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

import functools
import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, TypeVar

import numpy as np
from scipy import special, stats
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.stats.multitest import multipletests

Method = Literal["farrington", "ewma", "none"]
K = TypeVar("K", bound=Hashable)

MIN_MONTHS = 6  # below this, no assessment
FARRINGTON_MONTHS = 24  # from this much history on, the GLM
GUARD_MONTHS = 1  # most recent month left out of the GLM baseline
TREND_MONTHS = 36  # a trend needs three years of baseline, as in Farrington
TREND_P = 0.05
SEASON_P = 0.05
SEASON_MIN_CASES = 20  # fewer cases in the baseline than this: no seasonal terms
REWEIGHT_THRESHOLD = 2.0  # Anscombe residual above which a month is down-weighted
HUBER_C = 1.345
HUBER_PASSES = 2
REWEIGHT_PASSES = 2
EWMA_LAMBDA = 0.2
EWMA_GUARD = 1
_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(21)
_WEIGHTS = _WEIGHTS / math.sqrt(math.pi)
_MU_BOUNDS = (1e-9, 1e12)


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


@dataclass(frozen=True)
class _Forecast:
    """The predictive distribution of one month's count.

    Log-mean eta with standard error se, dispersion phi estimated on df degrees of freedom.
    """

    method: Method
    eta: float
    se: float
    phi: float
    df: float
    first: int  # baseline, as offsets in months before the assessed month
    last: int
    months: int
    note: str | None = None

    @property
    def expected(self) -> float:
        return math.exp(self.eta)

    def tail(self, count: int) -> float:
        """P(Y >= count), mixed over the uncertainty of the mean and of the dispersion."""
        if count <= 0:
            return 1.0
        mus = np.clip(np.exp(self.eta + math.sqrt(2.0) * self.se * _NODES), *_MU_BOUNDS)
        phis, phi_weights = _dispersions(self.phi, self.df)
        mus, phis = mus[:, None], phis[None, :]
        overdispersed = phis > 1.0 + 1e-9
        excess = np.where(overdispersed, phis - 1.0, 1.0)
        tails = np.where(
            overdispersed,  # negative binomial with size mu / (phi - 1), success p 1 / phi
            special.betainc(count, mus / excess, np.where(overdispersed, 1.0 - 1.0 / phis, 0.5)),
            special.gammainc(count, mus),  # Poisson: P(Y >= c) is the regularised gamma P(c, mu)
        )
        return float(np.clip(_WEIGHTS @ tails @ phi_weights, 0.0, 1.0))

    def upper(self, alpha: float) -> int:
        """The smallest count u with P(Y > u) <= alpha."""
        if self.tail(1) <= alpha:
            return 0
        low, high = 0, max(1, math.ceil(self.expected))
        while self.tail(high + 1) > alpha and high < 10**12:
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            if self.tail(middle + 1) <= alpha:
                high = middle
            else:
                low = middle
        return high


@functools.lru_cache(maxsize=256)
def _dispersion_nodes(df: int) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature for df / chi2(df): the factor by which an estimated dispersion may be off."""
    nodes, weights = special.roots_genlaguerre(8, df / 2 - 1)
    return df / (2 * nodes), weights / weights.sum()


def _dispersions(phi: float, df: float) -> tuple[np.ndarray, np.ndarray]:
    if phi <= 1.0 or not math.isfinite(df):
        return np.array([phi]), np.ones(1)
    factors, weights = _dispersion_nodes(max(int(df), 1))
    return np.maximum(1.0, phi * factors), weights


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


def _join(first: str | None, second: str) -> str:
    return second if first is None else f"{first}; {second}"


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


def _ewma(history: np.ndarray, note: str | None = None) -> _Forecast:
    """Exponentially weighted mean of the history before the guard month.

    The dispersion comes from the chart's own one-step-ahead errors over the baseline, so a
    level that drifts (a season the short history cannot model) widens the limit.
    """
    baseline = history[:-EWMA_GUARD]
    n = baseline.size
    first, last = history.size, EWMA_GUARD + 1
    level, spread = _smoothed(baseline)
    if level <= 0:
        return _Forecast("ewma", math.log(0.5 / n), 0.0, 1.0, math.inf, first, last, n,
                         _join(note, "no cases in the baseline"))  # fmt: skip
    errors = []
    for t in range(1, n):
        forecast, forecast_spread = _smoothed(baseline[:t])
        errors.append((baseline[t] - forecast) ** 2 / max(forecast, 0.5) / (1 + forecast_spread))
    phi = max(1.0, float(np.mean(errors)))
    se = math.sqrt(phi * spread / level)
    return _Forecast(
        "ewma", math.log(level), se, phi, max(len(errors) - 1, 1), first, last, n, note
    )


def _smoothed(counts: np.ndarray) -> tuple[float, float]:
    """The EWMA of `counts` (weights normalised over the months there are) and sum(weights**2)."""
    weights = (1 - EWMA_LAMBDA) ** np.arange(counts.size)[::-1]
    weights /= weights.sum()
    return float(weights @ counts), float(weights @ weights)


def _farrington(history: np.ndarray, years: int) -> _Forecast | None:
    """Quasi-Poisson GLM with trend and seasonal terms kept only when they earn their place."""
    baseline = history[:-GUARD_MONTHS][-years * 12 :]
    n = baseline.size
    first, last = n + GUARD_MONTHS, GUARD_MONTHS + 1
    if baseline.sum() <= 0:
        return _Forecast("farrington", math.log(0.5 / n), 0.0, 1.0, math.inf, first, last, n,
                         "no cases in the baseline")  # fmt: skip
    ages = np.arange(first, last - 1, -1)  # months before the assessed one, oldest first
    trend = n >= TREND_MONTHS
    seasonal = baseline.sum() >= SEASON_MIN_CASES
    full = _fit(baseline, _design(ages, trend, seasonal))
    if full is None and trend:  # as Farrington: try again without the trend
        trend = False
        full = _fit(baseline, _design(ages, trend, seasonal))
    if full is None:
        return None
    fit: _Fit | None = full
    keep_trend = trend and full.p_value(slice(1, 2)) < TREND_P and full.expected <= baseline.max()
    keep_season = seasonal and full.p_value(slice(1 + trend, None)) < SEASON_P
    if (keep_trend, keep_season) != (trend, seasonal):
        design = _design(ages, keep_trend, keep_season)
        fit = _fit(baseline, design, weights=full.weights)
    if fit is None:
        return None
    return _Forecast("farrington", fit.eta, fit.se, fit.phi, fit.df, first, last, n)


def _season(ages: np.ndarray) -> np.ndarray:
    """Yearly and half-yearly harmonics; one row per month, `ages` months before the assessed."""
    angle = 2 * np.pi * ages / 12
    return np.column_stack([np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)])


def _design(ages: np.ndarray, trend: bool, seasonal: bool) -> np.ndarray:
    """Intercept, trend (years, 0 at the assessed month), harmonics; last row = that month."""
    ages = np.append(ages, 0)
    columns = [np.ones(ages.size)]
    if trend:
        columns.append(-ages / 12.0)
    if seasonal:
        columns.extend(_season(ages).T)
    return np.column_stack(columns)


@dataclass(frozen=True)
class _Fit:
    """A fitted baseline: the log-mean at the month assessed and what a Wald test needs."""

    eta: float
    se: float
    phi: float
    df: int
    params: np.ndarray
    cov: np.ndarray
    weights: np.ndarray

    @property
    def expected(self) -> float:
        return math.exp(self.eta)

    def p_value(self, columns: slice) -> float:
        """Wald F-test that the coefficients in `columns` are all zero."""
        beta = self.params[columns]
        statistic = float(beta @ np.linalg.pinv(self.cov[columns, columns]) @ beta) / beta.size
        return float(stats.f.sf(statistic, beta.size, self.df))


def _fit(y: np.ndarray, design: np.ndarray, weights: np.ndarray | None = None) -> _Fit | None:
    """Robust fit, down-weight past outbreaks, refit; None when the GLM fails.

    `design` has one row per baseline month and, last, the row of the month assessed. Past
    outbreaks are judged against a Huber-weighted fit (unless starting `weights` are given), so
    a large one cannot hide itself by pulling the plain fit and the dispersion towards it; the
    final fit weights months as Farrington does: 1, or s**-2 above the threshold, renormalised.
    """
    target, design = design[-1], design[:-1]
    robust = weights is None
    weights = np.ones_like(y) if weights is None else weights
    fit = _glm(y, design, weights)
    for _ in range(HUBER_PASSES if robust else 0):
        if fit is None:
            return None
        residual = np.abs(_anscombe(y, design, fit, weights))
        huber = np.minimum(1.0, HUBER_C / np.maximum(residual, 1e-9))
        if np.max(np.abs(huber - weights)) < 1e-3:
            break
        weights = huber
        fit = _glm(y, design, weights, start=fit[0])
    high = np.zeros(y.size, dtype=bool)
    for _ in range(REWEIGHT_PASSES):
        if fit is None:
            return None
        residual = _anscombe(y, design, fit, weights)
        high = residual > REWEIGHT_THRESHOLD
        raw = np.where(high, np.maximum(residual, REWEIGHT_THRESHOLD) ** -2.0, 1.0)
        farrington = raw * y.size / raw.sum()
        if np.max(np.abs(farrington - weights)) < 1e-3:
            break
        weights = farrington
        fit = _glm(y, design, weights, start=fit[0])
    if fit is None:
        return None
    params, mu, _, inverse = fit
    # dispersion from the months not judged outbreaks, as if they had been left out
    keep = ~high
    df = int(keep.sum()) - design.shape[1]
    if df < 1:
        return None
    phi = max(1.0, float(np.sum((y - mu)[keep] ** 2 / mu[keep])) / df)
    cov = phi * inverse
    se = math.sqrt(max(float(target @ cov @ target), 0.0))
    return _Fit(float(target @ params), se, phi, df, params, cov, weights)


def _anscombe(
    y: np.ndarray,
    design: np.ndarray,
    fit: tuple[np.ndarray, np.ndarray, float, np.ndarray],
    weights: np.ndarray,
) -> np.ndarray:
    """Anscombe residuals, standardised by leverage and a robust (MAD) dispersion, at least 1."""
    _, mu, _, inverse = fit
    hat = np.einsum("ij,jk,ik->i", design, inverse, design) * weights * mu
    residual = 1.5 * (np.cbrt(y**2) - np.cbrt(mu**2)) / np.power(mu, 1 / 6)
    residual /= np.sqrt(np.clip(1.0 - hat, 1e-6, None))
    spread = 1.4826 * float(np.median(np.abs(residual - np.median(residual))))
    return residual / max(1.0, spread)


def _glm(
    y: np.ndarray, design: np.ndarray, weights: np.ndarray, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray] | None:
    """Poisson GLM by IRLS; (params, fitted means, phi, (X'WX)^-1), None when it fails."""
    df = y.size - design.shape[1]
    if df < 1:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = GLM(y, design, family=Poisson(), var_weights=weights)
            result = model.fit(start_params=start, maxiter=100)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None
    params = np.asarray(result.params, dtype=float)
    mu = np.asarray(result.fittedvalues, dtype=float)
    if not result.converged or not np.all(np.isfinite(params)) or np.any(np.abs(params) > 30):
        return None
    phi = max(1.0, float(np.sum(weights * (y - mu) ** 2 / mu)) / df)
    weighted = design * np.sqrt(weights * mu)[:, None]
    inverse = np.linalg.pinv(weighted.T @ weighted)
    return params, mu, phi, inverse
