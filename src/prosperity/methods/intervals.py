"""Confidence intervals from counts, as Fingertips computes them (PHEindicatormethods).

* Wilson score interval for a proportion (Wilson 1927; Newcombe and Altman 2000), used by Fingertips for
  proportions and by its SPC control limits.
* Byar's approximation for a count of events (Breslow and Day 1987), used from 10 events upward; below
  10, PHEindicatormethods uses the exact Poisson interval (Armitage and Berry 2002).

The formulas are those of ``byars_lower``/``byars_upper``/``wilson_lower``/``wilson_upper`` in
PHEindicatormethods, the UK Health Security Agency's R package for public health indicators (public code:
ukhsa-collaboration/PHEindicatormethods), and this site's tests reproduce the package's own worked test data
for Byar's and Wilson's intervals. Its rate function ``phe_rate`` switches to the exact method when the
count is under 10.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from prosperity.methods._types import MethodError, MethodResult, require_finite
from prosperity.methods.thresholds import BYARS_MIN_COUNT

SOURCE_WILSON = (
    "Wilson score interval as in PHEindicatormethods wilson_lower/wilson_upper (ukhsa-collaboration/"
    "PHEindicatormethods); Wilson EB 1927; Newcombe RG, Altman DG 2000"
)
SOURCE_BYARS = (
    "Byar's method as in PHEindicatormethods byars_lower/byars_upper (ukhsa-collaboration/"
    "PHEindicatormethods R/Byars.R); Breslow NE, Day NE 1987"
)
SOURCE_EXACT = (
    "exact Poisson interval as in PHEindicatormethods for counts under 10; Armitage P, Berry G, "
    "Statistical methods in medical research (4th edn) 2002"
)


@dataclass(frozen=True, kw_only=True)
class Interval(MethodResult):
    """A two-sided confidence interval and the inputs that produced it."""

    lower: float
    upper: float
    confidence: float
    z: float
    count: float
    denominator: float | None = None


def _z(confidence: float) -> float:
    confidence = require_finite("confidence", confidence)
    if not 0.0 < confidence < 1.0:
        raise MethodError(f"confidence must be between 0 and 1 (for example 0.95), got {confidence}")
    return NormalDist().inv_cdf(confidence + (1.0 - confidence) / 2.0)


def wilson_interval(count: float, denominator: float, confidence: float = 0.95) -> Interval:
    """Wilson score interval for the proportion ``count / denominator`` (as a proportion, not a percentage).

    >>> round(wilson_interval(100, 10000).lower * 100, 6)
    0.822934
    """
    r, n = require_finite("count", count), require_finite("denominator", denominator)
    if n <= 0 or r < 0 or r > n:
        raise MethodError(
            f"Wilson's interval needs 0 <= count <= denominator and denominator > 0; got {r}/{n}"
        )
    z = _z(confidence)
    root = z * math.sqrt(z**2 + 4.0 * r * (1.0 - r / n))
    lower = (2.0 * r + z**2 - root) / 2.0 / (n + z**2)
    upper = (2.0 * r + z**2 + root) / 2.0 / (n + z**2)
    return Interval(
        method="wilson-score",
        source=SOURCE_WILSON,
        lower=lower,
        upper=upper,
        confidence=confidence,
        z=z,
        count=r,
        denominator=n,
    )


def _poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean), summed in log space to stay stable."""
    if mean == 0:
        return 1.0
    total, term = 0.0, math.exp(-mean)
    for i in range(k + 1):
        if i:
            term *= mean / i
        total += term
    return min(total, 1.0)


def _gamma_quantile(shape: int, probability: float) -> float:
    """Quantile of Gamma(shape, 1) for integer shape, by bisection (P(G <= x) = 1 − P(Pois(x) <= shape−1))."""
    lo, hi = 0.0, max(10.0, 4.0 * shape + 40.0)
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if 1.0 - _poisson_cdf(shape - 1, mid) < probability:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def exact_poisson_interval(count: int, confidence: float = 0.95) -> Interval:
    """Exact Poisson interval for a whole-number count: ``chi2(α/2, 2x)/2`` to ``chi2(1−α/2, 2x+2)/2``."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise MethodError(f"the exact Poisson interval needs a whole count of at least 0, got {count!r}")
    z = _z(confidence)
    alpha = 1.0 - confidence
    lower = 0.0 if count == 0 else _gamma_quantile(count, alpha / 2.0)
    upper = _gamma_quantile(count + 1, 1.0 - alpha / 2.0)
    return Interval(
        method="exact-poisson",
        source=SOURCE_EXACT,
        lower=lower,
        upper=upper,
        confidence=confidence,
        z=z,
        count=float(count),
    )


def byars_interval(
    count: float, confidence: float = 0.95, *, exact_for_small_counts: bool = True
) -> Interval:
    """Byar's interval for a count of events.

    For counts under 10 the exact Poisson interval is returned, as ``phe_rate`` does, unless
    ``exact_for_small_counts`` is False (then Byar's formula is used, as ``byars_lower`` does; a negative
    lower limit, which Byar's gives for tiny counts at high confidence, is refused).

    ``lower = x(1 − 1/(9x) − z/(3√x))³``, ``upper = (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³``.
    """
    x = require_finite("count", count)
    if x < 0:
        raise MethodError(f"a count of events cannot be negative, got {x}")
    if x < BYARS_MIN_COUNT and exact_for_small_counts:
        if x != int(x):
            raise MethodError(f"counts under {BYARS_MIN_COUNT} use the exact method and must be whole: {x}")
        return exact_poisson_interval(int(x), confidence)
    z = _z(confidence)
    lower = 0.0 if x == 0 else x * (1.0 - 1.0 / (9.0 * x) - z / (3.0 * math.sqrt(x))) ** 3
    upper = (x + 1.0) * (1.0 - 1.0 / (9.0 * (x + 1.0)) + z / (3.0 * math.sqrt(x + 1.0))) ** 3
    if lower < 0:
        raise MethodError(f"Byar's method gives no lower limit for a count of {x:g} at {confidence:.1%}")
    return Interval(
        method="byars", source=SOURCE_BYARS, lower=lower, upper=upper, confidence=confidence, z=z, count=x
    )
