"""Inequality between an area's member places, and whether the gap is narrowing.

The max/min ratio, the range and the coefficient of variation between the six places are given, and whether
gaps are narrowing; the public monitoring tools this site follows (Fingertips, Explore Local Statistics,
Oflog) do not compute these, so the definitions are the standard ones, stated here: range = max − min; ratio =
max ÷ min; coefficient of variation = population standard deviation ÷ mean (unweighted: each place counts
once). A gap is narrowing when the chosen measure is smaller in the last period than in the first; every
period must cover the same places.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from prosperity.methods._types import InsufficientData, MethodError, MethodResult, require_finite

SOURCE_INEQUALITY = (
    "range, max/min ratio and coefficient of variation (population SD / mean, unweighted) between member "
    "places"
)
MEASURES = ("cv", "range", "ratio")


@dataclass(frozen=True, kw_only=True)
class Dispersion(MethodResult):
    places: tuple[str, ...]
    n: int
    minimum: float
    minimum_place: str
    maximum: float
    maximum_place: str
    range: float
    ratio: float | None
    mean: float
    standard_deviation: float
    coefficient_of_variation: float | None


def dispersion(values: Mapping[str, float]) -> Dispersion:
    """Range, max/min ratio and coefficient of variation across places. Needs two or more places."""
    clean = {k: require_finite(f"value for {k}", v) for k, v in values.items()}
    if len(clean) < 2:
        raise InsufficientData("inequality needs values for at least two places")
    low = min(clean, key=lambda k: (clean[k], k))
    high = max(clean, key=lambda k: (clean[k], k))
    mean = statistics.fmean(clean.values())
    sd = statistics.pstdev(clean.values())
    ratio = clean[high] / clean[low] if clean[low] > 0 else None
    return Dispersion(
        method="dispersion-range-ratio-cv",
        source=SOURCE_INEQUALITY,
        places=tuple(sorted(clean)),
        n=len(clean),
        minimum=clean[low],
        minimum_place=low,
        maximum=clean[high],
        maximum_place=high,
        range=clean[high] - clean[low],
        ratio=ratio,
        mean=mean,
        standard_deviation=sd,
        coefficient_of_variation=sd / mean if mean > 0 else None,
    )


@dataclass(frozen=True, kw_only=True)
class GapTrend(MethodResult):
    measure: str
    periods: tuple[str, ...]
    values: tuple[float, ...]
    first_period: str
    last_period: str
    change: float
    direction: str  # "narrowing", "widening" or "unchanged"
    places: tuple[str, ...]
    explanation: str


def gap_trend(by_period: Mapping[str, Mapping[str, float]], measure: str = "cv") -> GapTrend:
    """Whether the gap between places is narrowing, by ``measure`` ("cv", "range" or "ratio").

    ``by_period`` maps a period label (sorted as text, e.g. ISO dates or years) to place → value. The
    first and last periods are compared; every period must have the same places.
    """
    if measure not in MEASURES:
        raise MethodError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    periods = tuple(sorted(by_period))
    if len(periods) < 2:
        raise InsufficientData("a gap trend needs two or more periods")
    places = set(by_period[periods[0]])
    for period in periods[1:]:
        if set(by_period[period]) != places:
            missing = sorted(places ^ set(by_period[period]))
            raise InsufficientData(
                f"periods {periods[0]} and {period} cover different places ({', '.join(missing)}); "
                "compare like with like"
            )
    series = []
    for period in periods:
        d = dispersion(by_period[period])
        value = {"cv": d.coefficient_of_variation, "range": d.range, "ratio": d.ratio}[measure]
        if value is None or math.isnan(value):
            raise InsufficientData(
                f"the {measure} is undefined in {period} (a mean or minimum is not positive)"
            )
        series.append(value)
    change = series[-1] - series[0]
    direction = "unchanged" if change == 0 else ("narrowing" if change < 0 else "widening")
    names = {"cv": "coefficient of variation", "range": "range", "ratio": "max/min ratio"}
    return GapTrend(
        method=f"gap-trend-{measure}",
        source=SOURCE_INEQUALITY,
        measure=measure,
        periods=periods,
        values=tuple(series),
        first_period=periods[0],
        last_period=periods[-1],
        change=change,
        direction=direction,
        places=tuple(sorted(places)),
        explanation=(
            f"The {names[measure]} between {len(places)} places went from {series[0]:.4g} in {periods[0]} "
            f"to {series[-1]:.4g} in {periods[-1]}: the gap is {direction}."
        ),
    )
