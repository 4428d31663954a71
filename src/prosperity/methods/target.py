"""Progress to a dated target: target kinds, the rate needed, the year the trend reaches the target, and
the choice between the CAGR-ratio method (Open SDG / Statistics Canada) and linear projection (German DNS).

Target kinds:

* ``level`` — reach a value (e.g. an employment rate of 75%);
* ``change_from_baseline`` — change by a share (``+0.10`` = +10%) or an amount from a baseline year's value;
* ``ratio_to_benchmark`` — reach a ratio of a benchmark (``1.0`` = 100% of England); progress is measured
  on the series of area ÷ benchmark for the years both have;
* ``zero`` — reach 0 (net zero): CAGR cannot handle it, so linear projection is used;
* ``range`` — be within ``[lower, upper]``; outside it, progress is towards the nearer bound;
* ``close_gap`` — a target relative to a benchmark ("close the 11% productivity gap with England", "above the
  UK average"): the area's value as a percentage of the benchmark's (benchmark = 100) should reach ``value``
  (100 by default), by a date or with none; see :func:`assess_gap_target`.

A target whose date has passed is judged met or missed from the value for the deadline year
(:func:`deadline_status`), as the UN Statistics Division Progress Chart method evaluates "a past target year at that year".

The rate needed is set beside the rate observed, and the year the current trend reaches the target is given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from prosperity.methods._types import InsufficientData, MethodError, MethodResult, Polarity, meets, require_finite
from prosperity.methods.progress_linear import (
    LinearProjection,
    average_annual_change,
    linear_projection_status,
)
from prosperity.methods.progress_opensdg import OpenSdgProgress, open_sdg_progress
from prosperity.methods.thresholds import OPEN_SDG_DEFAULT_BASE_YEAR, TREND_WINDOW_YEARS
from prosperity.methods.trend import DirectionRuleResult, direction_rule

SOURCE_TARGET = (
    "this site's target kinds; CAGR as in Open SDG sdg/ProgressMeasure.py; linear trend as in "
    "the German DNS"
)

Series = Sequence[tuple[int, float | None]]


class TargetKind(StrEnum):
    LEVEL = "level"
    CHANGE_FROM_BASELINE = "change_from_baseline"
    RATIO_TO_BENCHMARK = "ratio_to_benchmark"
    ZERO = "zero"
    RANGE = "range"
    CLOSE_GAP = "close_gap"


@dataclass(frozen=True)
class Target:
    """A dated target. ``value`` means: the level; the change (a share if ``relative``, else an amount);
    or the ratio to the benchmark. Ranges use ``lower`` and ``upper``; zero needs no value."""

    kind: TargetKind
    target_year: int | None
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
    elif kind in (TargetKind.RATIO_TO_BENCHMARK, TargetKind.CLOSE_GAP):
        gap = kind is TargetKind.CLOSE_GAP
        value = 100.0 if gap and target.value is None else require_finite("target ratio", target.value)  # type: ignore[arg-type]
        if benchmark_series is None:
            raise InsufficientData("a target relative to a benchmark needs the benchmark's series")
        bench = dict(_clean(benchmark_series))
        scale = 100.0 if gap else 1.0
        own = [(t, scale * v / bench[t]) for t, v in own if bench.get(t)]
        if not own:
            raise InsufficientData("the area and the benchmark have no year in common with a non-zero value")
        by = f" by {target.target_year}" if target.target_year else ""
        text = (f"reach {value:g}% of the benchmark's figure{by}" if gap
                else f"reach {value:.0%} of the benchmark{by}")
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
class DeadlineStatus(MethodResult):
    target_value: float
    target_year: int
    polarity: Polarity
    #: the value for the deadline year, if the series has one
    value: float | None
    #: True: met at the deadline; False: missed; None: the series has no value for the deadline year
    met: bool | None
    note: str


def deadline_status(series: Series, target_value: float, target_year: int, polarity: Polarity) -> DeadlineStatus:
    """Met or missed: a target whose date has passed is judged on the value for its deadline year.

    The UN Statistics Division Progress Chart, as EUSTAT applies it, evaluates "a past target
    year at that year"; a target is met when that value is at or beyond the target in the desired direction.
    """
    target_value = require_finite("target value", target_value)
    values = dict(_clean(series))
    base = {"method": "deadline-met-or-missed", "source": SOURCE_TARGET + "; UN Progress Chart",
            "target_value": target_value, "target_year": target_year, "polarity": polarity}  # fmt: skip
    if target_year not in values:
        return DeadlineStatus(**base, value=None, met=None,
                              note=f"the figures have no value for {target_year}, the target's deadline")  # fmt: skip
    v = values[target_year]
    return DeadlineStatus(**base, value=v, met=meets(v, target_value, polarity), note="")


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
    #: for a target whose date is not after the latest data: met or missed at the deadline
    deadline: DeadlineStatus | None
    note: str


def assess_target(
    target: Target,
    series: Series,
    polarity: Polarity,
    *,
    benchmark_series: Series | None = None,
    base_year: int = OPEN_SDG_DEFAULT_BASE_YEAR,
    non_negative: bool = False,
) -> TargetAssessment:
    """Assess progress to a target with every method that can handle it, and say which one to show.

    The CAGR-ratio method is preferred where it is valid (target and values non-zero and of one sign);
    otherwise, as for net zero, the linear projection is shown. A target of the ``close_gap`` kind is
    projected linearly (the gap to the benchmark, in points of the benchmark = 100). A no-judgement polarity
    is refused: a target always has a desired direction. ``non_negative`` stops projections at zero. When the
    target's year is not after the latest data, ``deadline`` says whether it was met.
    """
    if target.target_year is None:
        raise MethodError("a dated target is needed here; an undated gap target is assessed by assess_gap_target")
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
    floor = 0.0 if non_negative else None
    linear = linear_projection_status(data, value, target.target_year, pol, floor=floor)
    cagr_ok = (value != 0 and all(v != 0 and (v > 0) == (value > 0) for _, v in data)
               and target.kind is not TargetKind.CLOSE_GAP)
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
    if target.kind is TargetKind.CLOSE_GAP:
        note = "a gap to a benchmark is projected linearly, in points of the benchmark (= 100)"
    deadline = None
    if target.target_year <= current_year:
        deadline = deadline_status(data, value, target.target_year, pol)
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
        deadline=deadline,
        note=note,
    )


@dataclass(frozen=True, kw_only=True)
class GapTargetAssessment(MethodResult):
    resolved: ResolvedTarget
    #: the latest year and the area's value as a percentage of the benchmark's (benchmark = 100)
    year: int
    index: float
    #: index − 100: negative when the area is below the benchmark
    gap: float
    #: the trend of the index over the last ``TREND_WINDOW_YEARS`` years, by the written direction rule
    trend: DirectionRuleResult
    #: the year the recent linear trend would reach the target index (German DNS average annual change)
    year_reached: YearReached
    achieved: bool
    #: for a dated target: the dated assessment (linear projection, met or missed at the deadline)
    dated: TargetAssessment | None


def assess_gap_target(
    target: Target, series: Series, polarity: Polarity, benchmark_series: Series
) -> GapTargetAssessment:
    """A target relative to a benchmark, assessed as the gap and its trend, and the year the gap would close.

    The area's value is expressed as a percentage of the benchmark's for each year both have (benchmark =
    100); the gap is that index − 100. Its trend is judged by the written direction rule
    (:func:`~prosperity.methods.trend.direction_rule`) over the last ten years, and the year it would reach
    the target index by the DNS linear trend of the last five years. With a date,
    the target also gets the DNS status for that date (:func:`assess_target`).
    """
    if target.kind is not TargetKind.CLOSE_GAP:
        raise MethodError(f"assess_gap_target is for close_gap targets, not {target.kind.value}")
    if polarity is Polarity.NO_JUDGEMENT:
        raise MethodError("a gap target needs a polarity (higher or lower is better)")
    resolved = resolve_target(target, series, polarity, benchmark_series)
    index = list(resolved.series)
    year, latest = index[-1]
    recent = [(t, v) for t, v in index if t >= year - TREND_WINDOW_YEARS]
    achieved = meets(latest, resolved.value, polarity)
    dated = None
    if target.target_year is not None:
        dated = assess_target(target, series, polarity, benchmark_series=benchmark_series)
    return GapTargetAssessment(
        method="target-close-gap",
        source=SOURCE_TARGET,
        resolved=resolved,
        year=year,
        index=latest,
        gap=latest - 100.0,
        trend=direction_rule(recent, polarity),
        year_reached=year_target_reached(index, resolved.value),
        achieved=achieved,
        dated=dated,
    )
