"""Checking a strategy's quantified claim about R&D: what the published evidence on returns to R&D supports,
and what the claim's own numbers imply. Pure functions on plain numbers.

Two published ways of turning more R&D into more output are used, each with its source:

* **Rates of return.** A pound of R&D yields ``ρ`` pounds of extra output a year from ``lag`` years after it is
  spent, for as long as the knowledge lasts (depreciation ``δ``; 0 = "in perpetuity"). So extra R&D
  ``ΔR_τ`` builds a stock ``K_t = Σ_{τ ≤ t} ΔR_τ (1 − δ)^(t − τ)`` and extra GVA in year ``t`` is ``ρ K_{t − lag}``.
  Sources: Frontier Economics for BIS, *Rates of return to investment in science and innovation* (July 2014):
  "every £1 spent by government yields a return of between 20 to 50 pence per year in perpetuity"; Frontier
  Economics for DSIT, *Understanding the returns to R&D*: a private rate of return of "around 20% per year",
  social returns "around twice as high as private returns"; Frontier Economics for DSIT, *Returns to Public
  Research and Development*: "an average rate of return to public R&D of 40% 6 years after the investment".
* **Elasticities.** Output (multi-factor productivity) rises by ``β`` per cent for each per cent more R&D
  capital. With GVA held at its base level, the R&D stock in the long run is proportional to R&D intensity, so
  raising intensity from ``s_0`` to ``s_1`` raises productivity by ``(s_1 / s_0)^β − 1``. Source: Guellec and van
  Pottelsberghe de la Potterie, *R&D and productivity growth: panel data analysis of 16 OECD countries*, OECD
  Economic Studies 33 (2001/II), pp. 103–126: "an increase of 1% in business R&D generates 0.13% in
  productivity growth … 1% more in public R&D generates 0.17%".

And the identity GVA = (GVA per job) × jobs: a productivity uplift ``p`` with a jobs uplift ``j`` is a GVA
uplift of ``(1 + p)(1 + j) − 1`` (ONS, *A simple guide to labour productivity*, 2015).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from prosperity.methods._types import MethodError, require_finite

SOURCE_RETURNS = (
    "rate of return to R&D: Frontier Economics for BIS, 'Rates of return to investment in science and "
    "innovation' (2014); Frontier Economics for DSIT, 'Understanding the returns to R&D' and 'Returns to Public "
    "Research and Development'"
)
SOURCE_ELASTICITY = (
    "output elasticity of R&D capital: Guellec and van Pottelsberghe de la Potterie, 'R&D and productivity "
    "growth: panel data analysis of 16 OECD countries', OECD Economic Studies 33 (2001/II), pp. 103-126"
)
SOURCE_IDENTITY = "GVA = productivity × labour input (ONS, 'A simple guide to labour productivity', 2015)"

Series = list[tuple[int, float]]


def intensity_path(base_year: int, base_intensity: float, target_year: int, target_intensity: float,
                   to_year: int) -> Series:  # fmt: skip
    """R&D intensity rising in a straight line from ``base_intensity`` in ``base_year`` to ``target_intensity``
    in ``target_year`` and held there until ``to_year`` (intensities as fractions: 0.05 = 5% of GVA).

    >>> intensity_path(2020, 0.02, 2023, 0.05, 2024)
    [(2020, 0.02), (2021, 0.03), (2022, 0.04), (2023, 0.05), (2024, 0.05)]
    """
    s0, s1 = require_finite("base intensity", base_intensity), require_finite("target intensity", target_intensity)
    if target_year <= base_year:
        raise MethodError(f"the target year {target_year} must be after the base year {base_year}")
    if to_year < base_year:
        raise MethodError("the path must end at or after the base year")
    span = target_year - base_year
    return [(t, round(s0 + (s1 - s0) * min(t - base_year, span) / span, 15)) for t in range(base_year, to_year + 1)]


def extra_rd(path: Sequence[tuple[int, float]], base_intensity: float, gva: float) -> Series:
    """R&D spending above the base intensity each year, ``(s_t − s_0) × GVA``, with GVA held at its base level."""
    gva = require_finite("GVA", gva)
    return [(t, (s - base_intensity) * gva) for t, s in path]


def returns_to_rd(extra: Sequence[tuple[int, float]], rate: float, *, lag: int = 0, depreciation: float = 0.0) -> Series:
    """Extra GVA each year from extra R&D: ``ρ K_{t − lag}`` with ``K_t = Σ_{τ ≤ t} ΔR_τ (1 − δ)^(t − τ)``.

    >>> returns_to_rd([(2020, 0.0), (2021, 100.0), (2022, 100.0)], 0.2)
    [(2020, 0.0), (2021, 20.0), (2022, 40.0)]
    >>> returns_to_rd([(2020, 100.0), (2021, 0.0), (2022, 0.0)], 0.4, lag=1)
    [(2020, 0.0), (2021, 40.0), (2022, 40.0)]
    """
    rate = require_finite("rate of return", rate)
    depreciation = require_finite("depreciation", depreciation)
    if lag < 0:
        raise MethodError("the lag cannot be negative")
    if not 0 <= depreciation < 1:
        raise MethodError("depreciation must be at least 0 and below 1")
    years = [t for t, _ in extra]
    if years and years != list(range(years[0], years[0] + len(years))):
        raise MethodError("the extra R&D must be given for consecutive years")
    stock: dict[int, float] = {}
    k = 0.0
    for t, r in extra:
        k = k * (1 - depreciation) + require_finite(f"extra R&D in {t}", r)
        stock[t] = k
    return [(t, rate * stock.get(t - lag, 0.0)) for t in years]


def cumulative(series: Sequence[tuple[int, float]], from_year: int, to_year: int) -> float:
    """The sum of ``series`` over ``from_year``..``to_year`` inclusive."""
    return sum(v for t, v in series if from_year <= t <= to_year)


def rate_for_cumulative(target: float, extra: Sequence[tuple[int, float]], from_year: int, to_year: int, *,
                        lag: int = 0, depreciation: float = 0.0) -> float | None:  # fmt: skip
    """The rate of return that makes cumulative extra GVA over ``from_year``..``to_year`` equal ``target``.

    Extra GVA is proportional to the rate, so the answer is ``target / cumulative(rate = 1)``; None when no
    return arrives in the window (e.g. a lag longer than the window).

    >>> rate_for_cumulative(60.0, [(2020, 0.0), (2021, 100.0), (2022, 100.0)], 2021, 2022)
    0.2
    """
    per_unit = cumulative(returns_to_rd(extra, 1.0, lag=lag, depreciation=depreciation), from_year, to_year)
    return None if per_unit <= 0 else require_finite("target", target) / per_unit


def elasticity_uplift(base_intensity: float, target_intensity: float, elasticity: float) -> float:
    """The long-run productivity uplift ``(s_1 / s_0)^β − 1`` from raising R&D intensity from ``s_0`` to ``s_1``.

    >>> round(elasticity_uplift(0.025, 0.05, 0.13), 6)   # doubling intensity with β = 0.13: 2^0.13 − 1
    0.094294
    """
    s0, s1 = require_finite("base intensity", base_intensity), require_finite("target intensity", target_intensity)
    if s0 <= 0 or s1 <= 0:
        raise MethodError("R&D intensities must be positive")
    return (s1 / s0) ** require_finite("elasticity", elasticity) - 1.0


def elasticity_for_uplift(base_intensity: float, target_intensity: float, uplift: float) -> float | None:
    """The elasticity ``β = ln(1 + uplift) / ln(s_1 / s_0)`` that gives ``uplift``; None if intensity is unchanged.

    >>> round(elasticity_for_uplift(0.025, 0.05, 0.10), 4)
    0.1375
    """
    s0, s1 = require_finite("base intensity", base_intensity), require_finite("target intensity", target_intensity)
    if s0 <= 0 or s1 <= 0:
        raise MethodError("R&D intensities must be positive")
    if s1 == s0:
        return None
    return math.log1p(require_finite("uplift", uplift)) / math.log(s1 / s0)


def implied_base(amount: float, share: float) -> float:
    """The base a claim implies when it states both an amount and a share: ``amount / share``.

    "A 6.5% increase in jobs (44,000)" implies a base of 44,000 / 0.065 = 676,923 jobs.

    >>> round(implied_base(44_000, 0.065))
    676923
    """
    share = require_finite("share", share)
    if share == 0:
        raise MethodError("a share of zero implies no base")
    return require_finite("amount", amount) / share


def closest_year(series: Sequence[tuple[int, float]], value: float) -> tuple[int, float] | None:
    """The ``(year, value)`` of ``series`` closest to ``value`` (the earlier year on a tie)."""
    pts = sorted(series)
    if not pts:
        return None
    return min(pts, key=lambda p: (abs(p[1] - value), p[0]))


def gva_uplift(productivity_uplift: float, jobs_uplift: float) -> float:
    """GVA uplift from a productivity (per job) uplift and a jobs uplift: ``(1 + p)(1 + j) − 1``.

    >>> round(gva_uplift(0.10, 0.065), 4)
    0.1715
    """
    return (1 + require_finite("productivity uplift", productivity_uplift)) * (
        1 + require_finite("jobs uplift", jobs_uplift)) - 1  # fmt: skip


@dataclass(frozen=True)
class Within:
    """Whether a value needed to reproduce a claim lies within the range the published evidence gives."""

    needed: float | None
    low: float
    high: float

    @property
    def verdict(self) -> str:
        if self.needed is None:
            return "cannot be reproduced"
        if self.needed < self.low:
            return "below the published range"
        if self.needed > self.high:
            return "above the published range"
        return "within the published range"
