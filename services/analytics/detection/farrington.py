"""The Farrington-style baseline: a quasi-Poisson GLM with outbreaks down-weighted."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM

from services.analytics.detection.threshold import _Forecast

GUARD_MONTHS = 1  # most recent month left out of the GLM baseline
TREND_MONTHS = 36  # a trend needs three years of baseline, as in Farrington
TREND_P = 0.05
SEASON_P = 0.05
SEASON_MIN_CASES = 20  # fewer cases in the baseline than this: no seasonal terms
REWEIGHT_THRESHOLD = 2.0  # Anscombe residual above which a month is down-weighted
HUBER_C = 1.345
HUBER_PASSES = 2
REWEIGHT_PASSES = 2


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
    standardised: np.ndarray = residual / max(1.0, spread)
    return standardised


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
