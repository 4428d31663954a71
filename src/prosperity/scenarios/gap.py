"""Closing a gap with a benchmark: the growth differential it needs, what closure is worth, and when the trend
closes it. Pure functions on plain numbers.

A benchmark-relative goal ("close the 11% productivity gap with England") is a goal for the *ratio*
``r = area / benchmark``. Growing at ``g_a`` a year against the benchmark's ``g_b`` moves the ratio by the
growth differential ``d = (1 + g_a) / (1 + g_b) − 1`` a year, so ``r_t = r_0 (1 + d)^t``. Hence:

* the differential needed to reach ``r*`` in ``n`` years is ``d = (r*/r_0)^(1/n) − 1`` — the compound rate of
  the Statistics Canada / Open SDG required-rate calculation (:func:`prosperity.methods.required_annual_rate`)
  applied to the ratio;
* on the recent trend ``d̂ = ((A_1/A_0) / (B_1/B_0))^(1/(t_1 − t_0)) − 1``, from chained-volume (real-terms)
  indices of the area and the benchmark, the ratio reaches ``r*`` after ``ln(r*/r_0) / ln(1 + d̂)`` years, or
  never if ``d̂ ≤ 0``;
* what closure is worth follows from the identity GVA = (GVA per hour) × hours (ONS, "A simple guide to
  labour productivity", 2015): closing a £-per-hour gap of ``Δx`` over ``H``
  hours adds ``H · Δx`` of GVA a year, at the prices of the year the levels are measured in.

Levels are compared in current prices (ONS publishes no regional price levels, so the gap in one year is a
ratio of current-price levels) and the trend is measured in chained volume; the two are reported side by side,
each with its own period.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from prosperity.methods._types import MethodError, require_finite
from prosperity.methods.target import required_annual_rate

SOURCE_GAP_CLOSURE = (
    "growth differential on the ratio area ÷ benchmark: the compound required rate of Statistics Canada / "
    "Open SDG (required rate beside observed rate); GVA = GVA per hour × hours (ONS, "
    "'A simple guide to labour productivity', 2015)"
)


@dataclass(frozen=True)
class GapClosure:
    """Everything the gap-closure calculation found, with its inputs."""

    method: str
    source: str
    base_year: int
    ratio: float  # area ÷ benchmark in the base year
    target_ratio: float
    target_year: int
    years: int
    #: the growth differential needed a year (0.01 = the area growing 1% a year faster than the benchmark)
    required_differential: float | None
    #: the differential on the recent real-terms trend, and the years it was measured over
    trend_differential: float | None
    trend_from: int | None
    trend_to: int | None
    #: the first year the ratio reaches the target on the recent trend (None: never, or already there)
    year_closed_on_trend: int | None
    already_closed: bool
    note: str


def ratio_differential(area_from: float, area_to: float, bench_from: float, bench_to: float, years: float) -> float:
    """The yearly growth differential ``((A_1/A_0)/(B_1/B_0))^(1/years) − 1`` between two indices."""
    for name, v in (("area start", area_from), ("area end", area_to), ("benchmark start", bench_from),
                    ("benchmark end", bench_to)):  # fmt: skip
        if require_finite(name, v) <= 0:
            raise MethodError(f"the {name} value must be positive, got {v!r}")
    if years <= 0:
        raise MethodError("the trend needs two different years")
    return ((area_to / area_from) / (bench_to / bench_from)) ** (1.0 / years) - 1.0


def years_to_reach(ratio: float, target_ratio: float, differential: float) -> float | None:
    """Years for ``ratio`` growing by ``differential`` a year to reach ``target_ratio``; None if it never does."""
    ratio, target_ratio = require_finite("ratio", ratio), require_finite("target ratio", target_ratio)
    if ratio <= 0 or target_ratio <= 0:
        raise MethodError("ratios must be positive")
    if ratio >= target_ratio:
        return 0.0
    if differential <= 0:
        return None
    return math.log(target_ratio / ratio) / math.log1p(differential)


def gap_closure(ratio: float, base_year: int, target_year: int, *, target_ratio: float = 1.0,
                trend: tuple[int, float, float, int, float, float] | None = None) -> GapClosure:  # fmt: skip
    """The differential needed to take ``ratio`` (area ÷ benchmark in ``base_year``) to ``target_ratio`` by
    ``target_year``, and the year the recent trend gets there.

    ``trend`` is ``(t0, area_index_t0, benchmark_index_t0, t1, area_index_t1, benchmark_index_t1)`` from
    chained-volume indices; it may end before ``base_year`` (the trend is applied from ``base_year`` on).

    >>> g = gap_closure(0.88, 2023, 2035)
    >>> round(g.required_differential, 5)          # (1 / 0.88) ** (1 / 12) − 1
    0.01071
    """
    ratio = require_finite("ratio", ratio)
    years = target_year - base_year
    required = required_annual_rate(base_year, ratio, target_ratio, target_year).compound_per_year
    trend_d = t_from = t_to = closed_year = None
    already = ratio >= target_ratio
    note = ""
    if years <= 0:
        note = "the target year is not after the base year"
    if trend is not None:
        t0, a0, b0, t1, a1, b1 = trend
        trend_d, t_from, t_to = ratio_differential(a0, a1, b0, b1, t1 - t0), t0, t1
        if not already:
            n = years_to_reach(ratio, target_ratio, trend_d)
            closed_year = None if n is None else base_year + math.ceil(n - 1e-9)
    return GapClosure(method="gap-closure", source=SOURCE_GAP_CLOSURE, base_year=base_year, ratio=ratio,
                      target_ratio=target_ratio, target_year=target_year, years=years,
                      required_differential=required, trend_differential=trend_d, trend_from=t_from, trend_to=t_to,
                      year_closed_on_trend=closed_year, already_closed=already, note=note)  # fmt: skip


def ratio_path(ratio: float, base_year: int, differential: float, to_year: int) -> list[tuple[int, float]]:
    """``(year, ratio)`` from ``base_year`` to ``to_year`` growing by ``differential`` a year."""
    return [(base_year + k, ratio * (1.0 + differential) ** k) for k in range(0, to_year - base_year + 1)]


@dataclass(frozen=True)
class ClosureValue:
    method: str
    source: str
    #: the benchmark's level minus the area's, per unit of the quantity (e.g. £ per hour)
    level_gap: float
    quantity: float
    #: what closing the gap adds a year: quantity × level gap (e.g. £ of GVA)
    value: float


def closure_value(area_level: float, benchmark_level: float, quantity: float) -> ClosureValue:
    """What closing a level gap is worth a year: ``quantity × (benchmark − area)``.

    For productivity in £ per hour and ``quantity`` hours worked a year, this is the GVA a year the area would
    add at the benchmark's productivity with its own hours (GVA = GVA per hour × hours).

    >>> closure_value(30.0, 34.0, 1_000_000).value
    4000000.0
    """
    area_level = require_finite("area level", area_level)
    benchmark_level = require_finite("benchmark level", benchmark_level)
    quantity = require_finite("quantity", quantity)
    if quantity < 0:
        raise MethodError("the quantity (hours, jobs, people) cannot be negative")
    gap = benchmark_level - area_level
    return ClosureValue(method="closure-value", source=SOURCE_GAP_CLOSURE, level_gap=gap, quantity=quantity,
                        value=gap * quantity)  # fmt: skip


def people_per_year(people: float, base_year: int, target_year: int) -> float | None:
    """The people a year (more qualified, more in work) that would close a people gap by ``target_year``,
    holding the denominator at its base-year size."""
    years = target_year - base_year
    return None if years <= 0 else require_finite("people", people) / years


def linear_gap_trend(points: Sequence[tuple[int, float]]) -> float | None:
    """The average yearly change of a gap (benchmark − area) over ``points`` (first and last point, as the
    German sustainability strategy's average annual change); None with fewer than two points."""
    pts = sorted(points)
    if len(pts) < 2 or pts[-1][0] == pts[0][0]:
        return None
    return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])
