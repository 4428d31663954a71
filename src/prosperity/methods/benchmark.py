"""Comparison of an area's value with a benchmark (England, the region, the combined authority).

Follows OHID Fingertips' comparers (public code: ukhsa-collaboration/fingertips-open, its analysis
comparers):

* ``SingleOverlappingCIsForOneCILevelComparer`` (method id 1): the benchmark value inside the area's 95%
  interval (limits included) → similar; otherwise the area is higher or lower, made better or worse by
  polarity (``AdjustForPolarity``).
* ``SingleOverlappingCIsForTwoCILevelsComparer`` (id 17): inside the 95% interval → similar; between the
  95% and 99.8% limits → better/worse; beyond the 99.8% limits → Fingertips' "best"/"worst", reported here
  as better/worse with ``confidence_level=0.998``.
* ``SpcForProportionsComparer`` (id 5): Wilson control limits around the benchmark proportion.

With no judgement (Fingertips' ``BlueOrangeBlue``) the outcome is "higher"/"lower", never better/worse.
Without intervals there is no test: :func:`compare_without_intervals` gives the difference and the ratio
and says that no significance claim is made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from prosperity.methods._types import (
    Comparison,
    InsufficientData,
    MethodError,
    MethodResult,
    Polarity,
    directional,
    require_finite,
)
from prosperity.methods.thresholds import FINGERTIPS_Z_95

SOURCE_ONE_LEVEL = (
    "OHID Fingertips SingleOverlappingCIsForOneCILevelComparer (comparator method 1), "
    "ukhsa-collaboration/fingertips-open PholioVisualisationWS/Analysis"
)
SOURCE_TWO_LEVELS = (
    "OHID Fingertips SingleOverlappingCIsForTwoCILevelsComparer (comparator method 17), "
    "ukhsa-collaboration/fingertips-open PholioVisualisationWS/Analysis"
)
SOURCE_SPC = (
    "OHID Fingertips SpcForProportionsComparer (comparator method 5), "
    "ukhsa-collaboration/fingertips-open PholioVisualisationWS/Analysis"
)
SOURCE_NO_INTERVALS = (
    "this site's rule: without intervals, a difference and a ratio with no claim of "
    "significance (Fingertips returns no significance when an area has no interval: "
    "SingleOverlappingCIsForOneCILevelComparatorTest.TestNoCIsOnLocalDataReturnNoneSignificance)"
)

_POLARITY_WORDS = {
    Polarity.HIGHER_IS_BETTER: "higher is better",
    Polarity.LOWER_IS_BETTER: "lower is better",
    Polarity.NO_JUDGEMENT: "no judgement is made on direction",
}


@dataclass(frozen=True, kw_only=True)
class BenchmarkComparison(MethodResult):
    """An area's value against a benchmark value, with everything used to judge it."""

    value: float
    benchmark: float
    polarity: Polarity
    outcome: Comparison
    #: True only when a test was made and the difference is significant.
    significant: bool
    #: False when no test could be made (no interval): then nothing is claimed about significance.
    significance_tested: bool
    #: The strictest level at which the difference is significant (0.95 or 0.998), if any.
    confidence_level: float | None
    difference: float
    ratio: float | None
    lower_95: float | None = None
    upper_95: float | None = None
    lower_99_8: float | None = None
    upper_99_8: float | None = None
    #: For SPC comparisons: the control limits around the benchmark and the z used.
    control_lower: float | None = None
    control_upper: float | None = None
    z: float | None = None
    explanation: str = ""


def _interval(name: str, lower: float | None, upper: float | None) -> tuple[float, float]:
    if lower is None or upper is None:
        raise InsufficientData(f"the {name} interval needs both a lower and an upper limit")
    lo, hi = require_finite(f"lower {name} limit", lower), require_finite(f"upper {name} limit", upper)
    if lo > hi:
        raise MethodError(f"the lower {name} limit ({lo}) is above the upper limit ({hi})")
    return lo, hi


def _ratio(value: float, benchmark: float) -> float | None:
    return None if benchmark == 0 else value / benchmark


def _raw_direction(value: float, benchmark: float) -> Comparison:
    # Fingertips: `if (data.Value < comparator.Value) Worse else Better` before polarity.
    return Comparison.LOWER if value < benchmark else Comparison.HIGHER


def _sentence(outcome: Comparison, polarity: Polarity, where: str) -> str:
    if outcome is Comparison.SIMILAR:
        return f"The benchmark lies {where}, so the area is similar to it."
    judged = outcome.value
    return f"The benchmark lies {where}, so the area is significantly {judged} ({_POLARITY_WORDS[polarity]})."


def compare_ci_95(
    value: float, benchmark: float, lower_95: float, upper_95: float, polarity: Polarity
) -> BenchmarkComparison:
    """Compare with a benchmark using the area's 95% interval (Fingertips comparator method 1).

    >>> compare_ci_95(3.3, 3.0, 3.2, 3.5, Polarity.HIGHER_IS_BETTER).outcome
    <Comparison.BETTER: 'better'>
    """
    value, benchmark = require_finite("value", value), require_finite("benchmark", benchmark)
    lo, hi = _interval("95%", lower_95, upper_95)
    inside = lo <= benchmark <= hi
    outcome = Comparison.SIMILAR if inside else directional(_raw_direction(value, benchmark), polarity)
    where = "inside" if inside else "outside"
    return BenchmarkComparison(
        method="fingertips-ci-overlap-95",
        source=SOURCE_ONE_LEVEL,
        value=value,
        benchmark=benchmark,
        polarity=polarity,
        outcome=outcome,
        significant=not inside,
        significance_tested=True,
        confidence_level=None if inside else 0.95,
        difference=value - benchmark,
        ratio=_ratio(value, benchmark),
        lower_95=lo,
        upper_95=hi,
        explanation=_sentence(outcome, polarity, f"{where} the area's 95% interval ({lo:g} to {hi:g})"),
    )


def compare_ci_two_levels(
    value: float,
    benchmark: float,
    lower_95: float,
    upper_95: float,
    lower_99_8: float,
    upper_99_8: float,
    polarity: Polarity,
) -> BenchmarkComparison:
    """Compare using the area's 95% and 99.8% intervals (Fingertips comparator method 17).

    Fingertips' "Best"/"Worst" (benchmark beyond the 99.8% limits) are ``BETTER``/``WORSE`` here with
    ``confidence_level=0.998``; "Better"/"Worse" have ``confidence_level=0.95``.
    """
    value, benchmark = require_finite("value", value), require_finite("benchmark", benchmark)
    lo95, hi95 = _interval("95%", lower_95, upper_95)
    lo998, hi998 = _interval("99.8%", lower_99_8, upper_99_8)
    if lo998 > lo95 or hi998 < hi95:
        raise MethodError("the 99.8% interval must contain the 95% interval")
    if lo95 <= benchmark <= hi95:
        level: float | None = None
        outcome = Comparison.SIMILAR
        where = f"inside the area's 95% interval ({lo95:g} to {hi95:g})"
    else:
        # Same order of tests as the C#: between the lower limits, between the upper limits, else beyond.
        if lo998 <= benchmark <= lo95:
            raw, level = Comparison.HIGHER, 0.95
        elif hi95 <= benchmark <= hi998:
            raw, level = Comparison.LOWER, 0.95
        else:
            raw, level = _raw_direction(value, benchmark), 0.998
        outcome = directional(raw, polarity)
        band = "99.8%" if level == 0.998 else "95% (but not the 99.8%)"
        where = f"outside the area's {band} interval"
    return BenchmarkComparison(
        method="fingertips-ci-overlap-95-99.8",
        source=SOURCE_TWO_LEVELS,
        value=value,
        benchmark=benchmark,
        polarity=polarity,
        outcome=outcome,
        significant=level is not None,
        significance_tested=True,
        confidence_level=level,
        difference=value - benchmark,
        ratio=_ratio(value, benchmark),
        lower_95=lo95,
        upper_95=hi95,
        lower_99_8=lo998,
        upper_99_8=hi998,
        explanation=_sentence(outcome, polarity, where),
    )


def compare_without_intervals(value: float, benchmark: float, polarity: Polarity) -> BenchmarkComparison:
    """Difference and ratio only. No test is made, so the outcome is always ``NOT_COMPARED``.

    The result never says "significantly"; it says that no significance claim is made.
    """
    value, benchmark = require_finite("value", value), require_finite("benchmark", benchmark)
    difference = value - benchmark
    ratio = _ratio(value, benchmark)
    side = "equal to" if difference == 0 else ("above" if difference > 0 else "below")
    ratio_text = "" if ratio is None else f", a ratio of {ratio:.3g}"
    return BenchmarkComparison(
        method="difference-and-ratio-no-significance",
        source=SOURCE_NO_INTERVALS,
        value=value,
        benchmark=benchmark,
        polarity=polarity,
        outcome=Comparison.NOT_COMPARED,
        significant=False,
        significance_tested=False,
        confidence_level=None,
        difference=difference,
        ratio=ratio,
        explanation=(
            f"The value is {side} the benchmark by {abs(difference):g}{ratio_text}. The data have no "
            "confidence interval, so no claim is made about whether the difference is significant."
        ),
    )


def spc_proportion_limits(benchmark_proportion: float, denominator: float, z: float) -> tuple[float, float]:
    """Wilson control limits around a benchmark proportion P0 for an area's denominator N.

    ``E = N·P0``, ``B = z·sqrt(z² + 4E(1 − E/N))``, limits ``(2E + z² ∓ B) / (2(N + z²))``
    (Fingertips' SPC comparer for proportions).
    """
    e = denominator * benchmark_proportion
    b = z * math.sqrt(z**2 + 4.0 * e * (1.0 - e / denominator))
    a = 2.0 * e + z**2
    c = 2.0 * (denominator + z**2)
    return (a - b) / c, (a + b) / c


def compare_spc_proportion(
    value: float,
    denominator: float,
    benchmark: float,
    polarity: Polarity,
    *,
    z: float = FINGERTIPS_Z_95,
    unit: float = 100.0,
) -> BenchmarkComparison:
    """Compare a proportion with a benchmark by SPC (funnel) limits (Fingertips comparator method 5).

    ``value`` and ``benchmark`` are in ``unit`` (100 for a percentage). The area is better/worse when its
    proportion lies above the upper / below the lower control limit, then adjusted for polarity.
    """
    value, benchmark = require_finite("value", value), require_finite("benchmark", benchmark)
    n = require_finite("denominator", denominator)
    if n <= 0:
        raise InsufficientData(f"an SPC comparison needs a positive denominator, got {denominator!r}")
    p1, p0 = value / unit, benchmark / unit
    lower, upper = spc_proportion_limits(p0, n, z)
    if upper < p1:
        outcome = directional(Comparison.HIGHER, polarity)
    elif lower > p1:
        outcome = directional(Comparison.LOWER, polarity)
    else:
        outcome = Comparison.SIMILAR
    significant = outcome is not Comparison.SIMILAR
    where = "outside" if significant else "inside"
    return BenchmarkComparison(
        method="fingertips-spc-proportions",
        source=SOURCE_SPC,
        value=value,
        benchmark=benchmark,
        polarity=polarity,
        outcome=outcome,
        significant=significant,
        significance_tested=True,
        confidence_level=None,
        difference=value - benchmark,
        ratio=_ratio(value, benchmark),
        control_lower=lower * unit,
        control_upper=upper * unit,
        z=z,
        explanation=(
            f"The area's value lies {where} the control limits ({lower * unit:.4g} to {upper * unit:.4g}) "
            f"around the benchmark for a denominator of {n:g} (z = {z:g}); "
            + ("similar." if not significant else f"significantly {outcome.value}.")
        ),
    )


def compare_with_benchmark(
    value: float,
    benchmark: float,
    polarity: Polarity,
    *,
    lower_95: float | None = None,
    upper_95: float | None = None,
    lower_99_8: float | None = None,
    upper_99_8: float | None = None,
) -> BenchmarkComparison:
    """Choose the comparison the data allow: two CI levels, one CI level, or no intervals at all."""
    has_95 = lower_95 is not None and upper_95 is not None
    has_998 = lower_99_8 is not None and upper_99_8 is not None
    if has_95 and has_998:
        return compare_ci_two_levels(
            value,
            benchmark,
            lower_95,
            upper_95,
            lower_99_8,
            upper_99_8,
            polarity,  # type: ignore[arg-type]
        )
    if has_95:
        return compare_ci_95(value, benchmark, lower_95, upper_95, polarity)  # type: ignore[arg-type]
    return compare_without_intervals(value, benchmark, polarity)
