"""Recent trend: Fingertips' trend marker where intervals or counts exist, else direction of travel.

* :func:`fingertips_trend_marker` follows Fingertips' trend marker calculation (technical guidance "Trend
  markers"; public code: ukhsa-collaboration/fingertips-open, its trend marker calculator):
  the most recent unbroken run of valid points, of which the last 5 are used (t = 1..5); weighted least
  squares with ``w = 1/se²``, ``se = (UCI95 − LCI95)/3.92`` (or, for proportions, the chi-square test for
  linear trend on counts and denominators); significant when ``χ² > 9.54953570608324`` (p < 0.002) and the
  slope keeps its sign in all six fits (all points, then each point left out).
* :func:`direction_of_travel` is for series without intervals: the change and the compound annual growth
  rate between the first and last points, with polarity turning increasing/decreasing into
  improving/worsening as LG Inform's "direction of travel" does. It makes no significance
  claim. The reference gives no minimum-change threshold for it, so none is applied unless one is passed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from prosperity.methods._types import Comparison, MethodError, MethodResult, Polarity, directional
from prosperity.methods.thresholds import (
    DIRECTION_MATERIAL_CAGR,
    DIRECTION_MIN_POINTS,
    TREND_CHI_SQUARE_CRITICAL,
    TREND_CI_WIDTH_IN_SE,
    TREND_ITERATIONS,
    TREND_POINTS,
)

SOURCE_TREND_MARKER = (
    "OHID Fingertips recent trend marker (public code: ukhsa-collaboration/fingertips-open, its trend marker "
    "calculator); Fingertips technical guidance 'Trend markers'"
)
SOURCE_DIRECTION = (
    "direction of travel with polarity (LG Inform metric value types, help.esd.org.uk/node/821); "
    "compound annual growth rate as in Open SDG sdg/ProgressMeasure.py growth_calculation"
)


class TrendMarker(StrEnum):
    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_SIGNIFICANT_CHANGE = "no_significant_change"
    CANNOT_BE_CALCULATED = "cannot_be_calculated"


class Direction(StrEnum):
    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_CHANGE = "no_change"


@dataclass(frozen=True)
class TrendPoint:
    """One annual, non-overlapping observation. ``period`` orders the points (for example the year)."""

    period: int
    value: float | None
    lower_95: float | None = None
    upper_95: float | None = None
    count: float | None = None
    denominator: float | None = None


@dataclass(frozen=True, kw_only=True)
class TrendMarkerResult(MethodResult):
    marker: TrendMarker
    #: better/worse by polarity (higher/lower with no judgement); ``NOT_COMPARED`` unless significant.
    judgement: Comparison
    polarity: Polarity
    kind: str
    periods_used: tuple[int, ...]
    chi_square: float | None
    slope: float | None
    #: Slopes of the six fits: all points, then leaving out point 1..5.
    leave_one_out_slopes: tuple[float, ...]
    signs_agree: bool
    critical_value: float
    message: str


def _valid(point: TrendPoint, kind: str) -> bool:
    if point.value is None or not math.isfinite(point.value):
        return False
    if kind == "proportion":
        return point.count is not None and point.denominator is not None and point.denominator > 0
    return point.lower_95 is not None and point.upper_95 is not None and point.upper_95 > point.lower_95


def _unbroken_recent(points: Sequence[TrendPoint], kind: str) -> list[TrendPoint]:
    """TrendRequest.GetValidDataList: from the most recent point backwards, stop at the first invalid one."""
    ordered = sorted(points, key=lambda p: p.period, reverse=True)
    run: list[TrendPoint] = []
    for point in ordered:
        if not _valid(point, kind):
            break
        run.append(point)
    return list(reversed(run))


def _wls_slope(rows: Sequence[tuple[float, float, float]]) -> tuple[float, float]:
    """Weighted least squares of y on t with weights w; returns (slope, Σw·Σwt² − (Σwt)²)."""
    s1 = sum(w for _, _, w in rows)
    s2 = sum(w * t * y for t, y, w in rows)
    s3 = sum(w * t for t, _, w in rows)
    s4 = sum(w * y for _, y, w in rows)
    s5 = sum(w * t * t for t, _, w in rows)
    det = s1 * s5 - s3**2
    return (s1 * s2 - s3 * s4) / det, det


def _ols_slope(rows: Sequence[tuple[float, float]]) -> float:
    n = len(rows)
    st = sum(t for t, _ in rows)
    sy = sum(y for _, y in rows)
    sty = sum(t * y for t, y in rows)
    stt = sum(t * t for t, _ in rows)
    return (n * sty - sy * st) / (n * stt - st**2)


def _cannot(kind: str, polarity: Polarity, message: str, periods: tuple[int, ...] = ()) -> TrendMarkerResult:
    return TrendMarkerResult(
        method=f"fingertips-trend-marker-{kind}",
        source=SOURCE_TREND_MARKER,
        marker=TrendMarker.CANNOT_BE_CALCULATED,
        judgement=Comparison.NOT_COMPARED,
        polarity=polarity,
        kind=kind,
        periods_used=periods,
        chi_square=None,
        slope=None,
        leave_one_out_slopes=(),
        signs_agree=False,
        critical_value=TREND_CHI_SQUARE_CRITICAL,
        message=message,
    )


def fingertips_trend_marker(
    points: Sequence[TrendPoint], polarity: Polarity, *, kind: str = "ci"
) -> TrendMarkerResult:
    """Fingertips' recent trend marker.

    ``kind="ci"`` uses values with 95% intervals (weighted least squares); ``kind="proportion"`` uses
    counts and denominators (chi-square test for linear trend; direction from the least-squares slope of
    ``logit(p)`` on t, as the reference describes — the legacy C# never sets that slope, see the report).
    Points must be annual and non-overlapping; t = 1..5 is assigned in order, as Fingertips does.
    """
    if kind not in ("ci", "proportion"):
        raise MethodError(f"kind must be 'ci' or 'proportion', got {kind!r}")
    periods = [p.period for p in points]
    if len(set(periods)) != len(periods):
        raise MethodError("each period may appear only once in a trend series")
    if len(points) < TREND_POINTS:
        return _cannot(kind, polarity, "Not enough data points to calculate recent trend")
    run = _unbroken_recent(points, kind)
    if len(run) < TREND_POINTS:
        need = "intervals" if kind == "ci" else "counts and denominators"
        message = f"Not enough recent data points with valid values and {need} to calculate recent trend"
        return _cannot(kind, polarity, message)
    used = run[-TREND_POINTS:]
    used_periods = tuple(p.period for p in used)
    t_values = range(1, TREND_POINTS + 1)

    if kind == "ci":
        rows = []
        for t, p in zip(t_values, used, strict=True):
            se = (p.upper_95 - p.lower_95) / TREND_CI_WIDTH_IN_SE  # type: ignore[operator]
            rows.append((float(t), float(p.value), 1.0 / se**2))  # type: ignore[arg-type]
        slope, det = _wls_slope(rows)
        s1 = sum(w for _, _, w in rows)
        chi_square = (slope / math.sqrt(s1 / det)) ** 2
        slopes = [slope] + [_wls_slope(rows[:i] + rows[i + 1 :])[0] for i in range(TREND_POINTS)]
    else:
        if any(p.count == p.denominator or p.count <= 0 for p in used):  # type: ignore[operator]
            # TrendRequest.IsPossibleDivideByZeroErrors (count == denominator); a zero count has no logit.
            return _cannot(kind, polarity, "The recent trend cannot be calculated", used_periods)
        counts = [float(p.count) for p in used]  # type: ignore[arg-type]
        denoms = [float(p.denominator) for p in used]  # type: ignore[arg-type]
        n_total, r_total = sum(denoms), sum(counts)
        sum_rt = sum(r * t for r, t in zip(counts, t_values, strict=True))
        sum_nt = sum(n * t for n, t in zip(denoms, t_values, strict=True))
        sum_nt2 = sum(n * t * t for n, t in zip(denoms, t_values, strict=True))
        numerator = n_total * (n_total * sum_rt - r_total * sum_nt) ** 2
        chi_square = numerator / (r_total * (n_total - r_total) * (n_total * sum_nt2 - sum_nt**2))
        logits = [(float(t), math.log(r / (n - r))) for t, r, n in zip(t_values, counts, denoms, strict=True)]
        slopes = [_ols_slope(logits)]
        slopes += [_ols_slope(logits[:i] + logits[i + 1 :]) for i in range(TREND_POINTS)]
        slope = slopes[0]

    # NoOutliersCheck: a slope below zero counts −1, otherwise +1; all six must agree.
    sign_sum = sum(-1 if s < 0 else 1 for s in slopes)
    signs_agree = abs(sign_sum) == TREND_ITERATIONS
    significant = signs_agree and chi_square > TREND_CHI_SQUARE_CRITICAL
    if significant:
        marker = TrendMarker.INCREASING if slope > 0 else TrendMarker.DECREASING
        raw = Comparison.HIGHER if slope > 0 else Comparison.LOWER
        judgement = directional(raw, polarity)
        message = f"Significant {marker.value} trend over {used_periods[0]}–{used_periods[-1]}"
    else:
        marker, judgement = TrendMarker.NO_SIGNIFICANT_CHANGE, Comparison.NOT_COMPARED
        reason = (
            "the slope changes sign when a point is left out"
            if not signs_agree
            else (f"χ² = {chi_square:.2f} is not above {TREND_CHI_SQUARE_CRITICAL:.4f}")
        )
        message = f"No significant change over {used_periods[0]}–{used_periods[-1]}: {reason}"
    return TrendMarkerResult(
        method=f"fingertips-trend-marker-{kind}",
        source=SOURCE_TREND_MARKER,
        marker=marker,
        judgement=judgement,
        polarity=polarity,
        kind=kind,
        periods_used=used_periods,
        chi_square=chi_square,
        slope=slope,
        leave_one_out_slopes=tuple(slopes),
        signs_agree=signs_agree,
        critical_value=TREND_CHI_SQUARE_CRITICAL,
        message=message,
    )


def cagr(first_value: float, last_value: float, first_period: float, last_period: float) -> float | None:
    """Compound annual growth rate ``(y_i / y_0) ** (1 / (t_i − t_0)) − 1`` (Open SDG ``growth_calculation``).

    Returns None where it is undefined: a zero base, values of opposite signs, or no elapsed time.
    """
    years = last_period - first_period
    if years <= 0 or first_value == 0 or (first_value > 0) != (last_value > 0) or last_value == 0:
        return None
    return (last_value / first_value) ** (1.0 / years) - 1.0


@dataclass(frozen=True, kw_only=True)
class DirectionOfTravel(MethodResult):
    direction: Direction
    #: improving/worsening as better/worse (higher/lower with no judgement); ``SIMILAR`` for no change.
    judgement: Comparison
    polarity: Polarity
    first_period: int
    last_period: int
    first_value: float
    last_value: float
    change: float
    percent_change: float | None
    cagr: float | None
    cagr_note: str
    min_relative_change: float
    significance_tested: bool
    explanation: str


def direction_of_travel(
    points: Sequence[tuple[int, float]], polarity: Polarity, *, min_relative_change: float = 0.0
) -> DirectionOfTravel:
    """Direction of travel between the first and last of ``(period, value)`` points, with CAGR.

    A change smaller than ``min_relative_change`` × |first value| counts as no change (default 0: only an
    unchanged value is "no change"; the reference gives no threshold). No significance is claimed.
    """
    clean = sorted((int(t), float(v)) for t, v in points if v is not None and math.isfinite(v))
    if len(clean) < 2:
        raise MethodError("direction of travel needs at least two periods with values")
    if len({t for t, _ in clean}) != len(clean):
        raise MethodError("each period may appear only once in a series")
    (t0, y0), (t1, y1) = clean[0], clean[-1]
    change = y1 - y0
    percent = None if y0 == 0 else change / abs(y0) * 100.0
    if change == 0 or abs(change) < min_relative_change * abs(y0):
        direction, judgement = Direction.NO_CHANGE, Comparison.SIMILAR
    else:
        direction = Direction.INCREASING if change > 0 else Direction.DECREASING
        raw = Comparison.HIGHER if change > 0 else Comparison.LOWER
        judgement = directional(raw, polarity)
    growth = cagr(y0, y1, t0, t1)
    note = "" if growth is not None else "CAGR is undefined: a value is zero or the values change sign"
    growth_text = "" if growth is None else f" (compound annual growth {growth:+.2%})"
    return DirectionOfTravel(
        method="direction-of-travel-cagr",
        source=SOURCE_DIRECTION,
        direction=direction,
        judgement=judgement,
        polarity=polarity,
        first_period=t0,
        last_period=t1,
        first_value=y0,
        last_value=y1,
        change=change,
        percent_change=percent,
        cagr=growth,
        cagr_note=note,
        min_relative_change=min_relative_change,
        significance_tested=False,
        explanation=(
            f"From {t0} to {t1} the value went from {y0:g} to {y1:g}{growth_text}: "
            f"{direction.value.replace('_', ' ')}. No interval is available, so no claim is made that the "
            "change is significant."
        ),
    )


SOURCE_DIRECTION_RULE = (
    "direction with a materiality threshold: compound annual growth between the first and last of at least "
    f"{DIRECTION_MIN_POINTS} comparable points, material at {DIRECTION_MATERIAL_CAGR:.1%} a year or more "
    "(the UN Statistics Division Progress Chart's 'stagnation' boundary for indicators without a target, as "
    "EUSTAT's Open SDG methodology applies it; Open SDG / Statistics Canada method 1 'limited "
    "progress' boundary); polarity turns increasing/decreasing into better/worse as LG "
    "Inform's direction of travel does"
)


class RuleOutcome(StrEnum):
    INCREASING = "increasing"
    DECREASING = "decreasing"
    NO_CLEAR_CHANGE = "no_clear_change"
    TOO_FEW_POINTS = "too_few_points"
    UNDEFINED = "undefined"


@dataclass(frozen=True, kw_only=True)
class DirectionRuleResult(MethodResult):
    outcome: RuleOutcome
    #: better/worse by polarity for a material change (higher/lower with no judgement), else ``NOT_COMPARED``
    judgement: Comparison
    polarity: Polarity
    points: int
    min_points: int
    materiality: float
    first_period: float | None
    last_period: float | None
    first_value: float | None
    last_value: float | None
    change: float | None
    cagr: float | None
    explanation: str


def direction_rule(
    points: Sequence[tuple[float, float]],
    polarity: Polarity,
    *,
    min_points: int = DIRECTION_MIN_POINTS,
    materiality: float = DIRECTION_MATERIAL_CAGR,
) -> DirectionRuleResult:
    """Say a direction only where the data support one: ``(year, value)`` points that are comparable
    (same kind of period, non-overlapping; the caller chooses them), at least ``min_points`` of them, and a
    compound annual change between the first and last of at least ``materiality`` in either direction.

    Fewer points: ``TOO_FEW_POINTS``. A smaller change: ``NO_CLEAR_CHANGE``. A zero value or a change of sign
    (no compound rate): ``UNDEFINED``. No significance is claimed: the rule describes the published values.
    """
    clean = sorted((float(t), float(v)) for t, v in points if v is not None and math.isfinite(v))
    if len({t for t, _ in clean}) != len(clean):
        raise MethodError("each period may appear only once in a series")
    base = {"method": "direction-rule-cagr", "source": SOURCE_DIRECTION_RULE, "polarity": polarity,
            "points": len(clean), "min_points": min_points, "materiality": materiality}  # fmt: skip
    if len(clean) < max(min_points, 2):
        first = clean[0] if clean else (None, None)
        return DirectionRuleResult(
            **base, outcome=RuleOutcome.TOO_FEW_POINTS, judgement=Comparison.NOT_COMPARED,
            first_period=first[0], last_period=clean[-1][0] if clean else None, first_value=first[1],
            last_value=clean[-1][1] if clean else None, change=None, cagr=None,
            explanation=f"{len(clean)} comparable point{'s' if len(clean) != 1 else ''}; the rule needs at least "
                        f"{min_points} to state a direction",
        )  # fmt: skip
    (t0, y0), (t1, y1) = clean[0], clean[-1]
    growth = cagr(y0, y1, t0, t1)
    common = {"first_period": t0, "last_period": t1, "first_value": y0, "last_value": y1, "change": y1 - y0,
              "cagr": growth}  # fmt: skip
    if growth is None:
        return DirectionRuleResult(
            **base, **common, outcome=RuleOutcome.UNDEFINED, judgement=Comparison.NOT_COMPARED,
            explanation="the compound growth rate is undefined (a value is zero or the values change sign)",
        )  # fmt: skip
    if abs(growth) < materiality:
        return DirectionRuleResult(
            **base, **common, outcome=RuleOutcome.NO_CLEAR_CHANGE, judgement=Comparison.NOT_COMPARED,
            explanation=f"a change of {growth:+.2%} a year is smaller than the {materiality:.1%} a year the rule "
                        "treats as material",
        )  # fmt: skip
    outcome = RuleOutcome.INCREASING if growth > 0 else RuleOutcome.DECREASING
    raw = Comparison.HIGHER if growth > 0 else Comparison.LOWER
    return DirectionRuleResult(
        **base, **common, outcome=outcome, judgement=directional(raw, polarity),
        explanation=f"a change of {growth:+.2%} a year over {len(clean)} comparable points is at least the "
                    f"{materiality:.1%} a year the rule treats as material",
    )  # fmt: skip
