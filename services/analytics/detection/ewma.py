"""The EWMA chart, for series with 6 to 23 months of history (and when the GLM fails)."""

from __future__ import annotations

import math

import numpy as np

from services.analytics.detection.threshold import _Forecast, _join

EWMA_LAMBDA = 0.2
EWMA_GUARD = 1


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
