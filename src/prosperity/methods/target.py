"""Progress to a dated target: target kinds, the rate needed, the year the trend reaches the target, and
the choice between the CAGR-ratio method (Open SDG / Statistics Canada) and linear projection (German DNS).

Target kinds (DESIGN.md "target"; reference §14.3):

* ``level`` — reach a value (e.g. an employment rate of 75%);
* ``change_from_baseline`` — change by a share (``+0.10`` = +10%) or an amount from a baseline year's value;
* ``ratio_to_benchmark`` — reach a ratio of a benchmark (``1.0`` = 100% of England); progress is measured
  on the series of area ÷ benchmark for the years both have;
* ``zero`` — reach 0 (net zero): CAGR cannot handle it, so linear projection is used;
* ``range`` — be within ``[lower, upper]``; outside it, progress is towards the nearer bound.

The rates needed and the year reached answer the reference's "required rate vs observed rate" and "year
target reached at current trend" (§13).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from prosperity.methods._types import InsufficientData, MethodError, MethodResult, Polarity, require_finite
from prosperity.methods.progress_linear import (
    LinearProjection,
    average_annual_change,
    linear_projection_status,
)
from prosperity.methods.progress_opensdg import OpenSdgProgress, open_sdg_progress
from prosperity.methods.thresholds import OPEN_SDG_DEFAULT_BASE_YEAR

SOURCE_TARGET = (
    "prosperity target kinds (DESIGN.md; reference §14.3 and §13 'required rate vs observed rate, year "
    "target reached at current trend'); CAGR as in Open SDG sdg/ProgressMeasure.py; linear trend as in "
    "the German DNS (reference §9.4)"
)

Series = Sequence[tuple[int, float | None]]


class TargetKind(StrEnum):
    LEVEL = "level"
    CHANGE_FROM_BASELINE = "change_from_baseline"
    RATIO_TO_BENCHMARK = "ratio_to_benchmark"
    ZERO = "zero"
    RANGE = "range"


@dataclass(frozen=True)
class Target:
    """A dated target. ``value`` means: the level; the change (a share if ``relative``, else an amount);
    or the ratio to the benchmark. Ranges use ``lower`` and ``upper``; zero needs no value."""

    kind: TargetKind
    target_year: int
    value: float | None = None
    baseline_year: int | None = None
    relative: bool = True
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True, kw_only=True)
class ResolvedTarget(MethodResult):
    target: Target
    #: the value the assessed series must reach (for a ratio target, the ratio)
    value: float
    #: the series assessed: the indicator itself, or area ÷ benchmark for a ratio target
    series: tuple[tuple[int, float], ...]
    polarity: Polarity
    description: str


def _clean(series: Series) -> list[tuple[int, float]]:
    out = sorted((int(t), float(v)) for t, v in series if v is not None and math.isfinite(v))
    if len({t for t, _ in out}) != len(out):
        raise MethodError("each period may appear only once in a series")
    return out


def resolve_target(
    target: Target, series: Series, polarity: Polarity, benchmark_series: Series | None = None
) -> ResolvedTarget:
    """Turn a target of any kind into one value to reach, the series to assess and its polarity."""
    own = _clean(series)
    if not own:
        raise InsufficientData("the series has no values")
    kind = target.kind
    if kind is TargetKind.LEVEL:
        value = require_finite("target value", target.value)  # type: ignore[arg-type]
        text = f"reach {value:g} by {target.target_year}"
    elif kind is TargetKind.ZERO:
        value, text = 0.0, f"reach zero by {target.target_year}"
    elif kind is TargetKind.CHANGE_FROM_BASELINE:
        change = require_finite("target change", target.value)  # type: ignore[arg-type]
        values = dict(own)
        if target.baseline_year not in values:
            raise InsufficientData(f"the series has no value for the baseline year {target.baseline_year}")
        base = values[target.baseline_year]
        value = base * (1 + change) if target.relative else base + change
        amount = f"{change:+.1%}" if target.relative else f"{change:+g}"
        text = f"{amount} from {base:g} in {target.baseline_year}, i.e. {value:g}, by {target.target_year}"
    elif kind is TargetKind.RATIO_TO_BENCHMARK:
        value = require_finite("target ratio", target.value)  # type: ignore[arg-type]
        if benchmark_series is None:
            raise InsufficientData("a ratio-to-benchmark target needs the benchmark's series")
        bench = dict(_clean(benchmark_series))
        own = [(t, v / bench[t]) for t, v in own if bench.get(t)]
        if not own:
            raise InsufficientData("the area and the benchmark have no year in common with a non-zero value")
        text = f"reach {value:.0%} of the benchmark by {target.target_year}"
    elif kind is TargetKind.RANGE:
        if target.lower is None or target.upper is None or target.lower > target.upper:
            raise MethodError("a range target needs lower <= upper")
        current = own[-1][1]
        if current < target.lower:
            value, polarity = target.lower, Polarity.HIGHER_IS_BETTER
        elif current > target.upper:
            value, polarity = target.upper, Polarity.LOWER_IS_BETTER
        else:
            value = current
        text = f"be between {target.lower:g} and {target.upper:g} by {target.target_year}"
    else:  # pragma: no cover - StrEnum is closed
        raise MethodError(f"unknown target kind {kind!r}")
    return ResolvedTarget(
        method=f"target-{kind.value}",
        source=SOURCE_TARGET,
        target=target,
        value=value,
        series=tuple(own),
        polarity=polarity,
        description=text,
    )


@dataclass(frozen=True, kw_only=True)
class RequiredRate(MethodResult):
    current_year: int
    current_value: float
    target_value: float
    target_year: int
    years: int
    absolute_per_year: float | None
    compound_per_year: float | None
    note: str


def required_annual_rate(
    current_year: int, current_value: float, target_value: float, target_year: int
) -> RequiredRate:
    """The change a year needed from the latest value to reach the target on time: absolute and compound.

    The compound rate is undefined when either value is zero or they have opposite signs.
    """
    current_value = require_finite("current value", current_value)
    target_value = require_finite("target value", target_value)
    years = target_year - current_year
    note = ""
    absolute = compound = None
    if years <= 0:
        note = "the target year is not after the latest data"
    else:
        absolute = (target_value - current_value) / years
        if current_value == 0 or target_value == 0 or (current_value > 0) != (target_value > 0):
            note = "no compound rate: a value is zero or the values have opposite signs"
        else:
            compound = (target_value / current_value) ** (1 / years) - 1
    return RequiredRate(
        method="required-annual-rate",
        source=SOURCE_TARGET,
        current_year=current_year,
        current_value=current_value,
        target_value=target_value,
        target_year=target_year,
        years=years,
        absolute_per_year=absolute,
        compound_per_year=compound,
        note=note,
    )


@dataclass(frozen=True, kw_only=True)
class YearReached(MethodResult):
    model: str
    target_value: float
    rate: float | None
    from_year: int | None
    from_value: float | None
    #: the first whole year in which the trend reaches the target; None if it never does
    year: int | None
    note: str


def year_target_reached(series: Series, target_value: float, *, model: str = "linear") -> YearReached:
    """The year the recent trend would reach ``target_value``.

    ``model="linear"`` extends the DNS average annual change of the last five years; ``"compound"``
    extends the compound annual growth rate over the same window.
    """
    if model not in ("linear", "compound"):
        raise MethodError(f"model must be 'linear' or 'compound', got {model!r}")
    target_value = require_finite("target value", target_value)
    linear, window = average_annual_change(series)
    base = {
        "method": f"year-reached-{model}",
        "source": SOURCE_TARGET,
        "model": model,
        "target_value": target_value,
    }
    if linear is None:
        return YearReached(
            **base,
            rate=None,
            from_year=None,
            from_value=None,
            year=None,
            note="too few points in the last five years",
        )
    (t0, y0), (t1, y1) = window[0], window[-1]
    gap = target_value - y1
    if gap == 0:
        return YearReached(**base, rate=linear, from_year=t1, from_value=y1, year=t1, note="already reached")
    if model == "linear":
        rate = linear
        years = gap / rate if rate else -1.0
    else:
        if y0 == 0 or y1 == 0 or target_value == 0 or len({y0 > 0, y1 > 0, target_value > 0}) > 1:
            return YearReached(
                **base,
                rate=None,
                from_year=t1,
                from_value=y1,
                year=None,
                note="no compound trend: a value is zero or the values change sign",
            )
        rate = (y1 / y0) ** (1 / (t1 - t0)) - 1
        years = math.log(target_value / y1) / math.log1p(rate) if rate else -1.0
    if years < 0:
        return YearReached(
            **base,
            rate=rate,
            from_year=t1,
            from_value=y1,
            year=None,
            note="the trend is moving away from the target, or is flat",
        )
    return YearReached(
        **base, rate=rate, from_year=t1, from_value=y1, year=t1 + math.ceil(years - 1e-9), note=""
    )


@dataclass(frozen=True, kw_only=True)
class TargetAssessment(MethodResult):
    resolved: ResolvedTarget
    open_sdg: OpenSdgProgress | None
    linear: LinearProjection
    #: the method whose status should be shown: "open-sdg-cagr-ratio" or "dns-linear-projection"
    preferred: str
    within_range: bool | None
    year_reached: YearReached
    required: RequiredRate
    note: str


def assess_target(
    target: Target,
    series: Series,
    polarity: Polarity,
    *,
    benchmark_series: Series | None = None,
    base_year: int = OPEN_SDG_DEFAULT_BASE_YEAR,
) -> TargetAssessment:
    """Assess progress to a target with every method that can handle it, and say which one to show.

    The CAGR-ratio method is preferred where it is valid (target and values non-zero and of one sign);
    otherwise, as for net zero, the linear projection is shown. A no-judgement polarity is refused: a
    target always has a desired direction.
    """
    if polarity is Polarity.NO_JUDGEMENT and target.kind is not TargetKind.RANGE:
        raise MethodError(
            "a target needs a polarity (higher or lower is better) to say what meeting it means"
        )
    resolved = resolve_target(target, series, polarity, benchmark_series)
    data, value, pol = list(resolved.series), resolved.value, resolved.polarity
    current_year, current = data[-1]
    within = None
    if target.kind is TargetKind.RANGE:
        within = target.lower <= current <= target.upper  # type: ignore[operator]
        if pol is Polarity.NO_JUDGEMENT:  # inside the range: keep it there
            pol = Polarity.HIGHER_IS_BETTER
    linear = linear_projection_status(data, value, target.target_year, pol)
    cagr_ok = value != 0 and all(v != 0 and (v > 0) == (value > 0) for _, v in data)
    open_sdg = None
    note = ""
    if cagr_ok:
        open_sdg = open_sdg_progress(
            data,
            direction="positive" if pol is Polarity.HIGHER_IS_BETTER else "negative",
            base_year=base_year,
            target=value,
            target_year=target.target_year,
        )
    else:
        note = "CAGR cannot handle a target or value of zero, or a change of sign: linear projection is used"
    preferred = (
        open_sdg.method if open_sdg is not None and open_sdg.progress_value is not None else linear.method
    )
    if open_sdg is not None and preferred == linear.method:
        note = f"the CAGR-ratio method gave no value ({open_sdg.message}): linear projection is used"
    return TargetAssessment(
        method="target-assessment",
        source=SOURCE_TARGET,
        resolved=resolved,
        open_sdg=open_sdg,
        linear=linear,
        preferred=preferred,
        within_range=within,
        year_reached=year_target_reached(data, value),
        required=required_annual_rate(current_year, current, value, target.target_year),
        note=note,
    )
