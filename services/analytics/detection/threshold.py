"""The predictive distribution of a month's count and the alarm threshold drawn from it."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

Method = Literal["farrington", "ewma", "none"]

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(21)
_WEIGHTS = _WEIGHTS / math.sqrt(math.pi)
_MU_BOUNDS = (1e-9, 1e12)


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


def _join(first: str | None, second: str) -> str:
    return second if first is None else f"{first}; {second}"
