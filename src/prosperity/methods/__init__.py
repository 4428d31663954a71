"""Pure statistical methods, each following a named, published source.

Every function takes plain numbers or small records and returns a frozen result dataclass that records
the method id, the source, the inputs and the intermediate values. Nothing here reads files, the
warehouse or the network. Thresholds live in :mod:`prosperity.methods.thresholds`.
"""

from prosperity.methods._types import (
    Comparison,
    IncompleteCoverage,
    InsufficientData,
    MethodError,
    MethodResult,
    NotAggregable,
    Polarity,
)
from prosperity.methods.benchmark import (
    BenchmarkComparison,
    compare_ci_95,
    compare_ci_two_levels,
    compare_spc_proportion,
    compare_with_benchmark,
    compare_without_intervals,
    spc_proportion_limits,
)
from prosperity.methods.intervals import Interval, byars_interval, exact_poisson_interval, wilson_interval
from prosperity.methods.trend import (
    Direction,
    DirectionOfTravel,
    TrendMarker,
    TrendMarkerResult,
    TrendPoint,
    cagr,
    direction_of_travel,
    fingertips_trend_marker,
)

__all__ = [
    "Direction",
    "DirectionOfTravel",
    "TrendMarker",
    "TrendMarkerResult",
    "TrendPoint",
    "cagr",
    "direction_of_travel",
    "fingertips_trend_marker",
    "BenchmarkComparison",
    "Comparison",
    "IncompleteCoverage",
    "InsufficientData",
    "Interval",
    "MethodError",
    "MethodResult",
    "NotAggregable",
    "Polarity",
    "byars_interval",
    "compare_ci_95",
    "compare_ci_two_levels",
    "compare_spc_proportion",
    "compare_with_benchmark",
    "compare_without_intervals",
    "exact_poisson_interval",
    "spc_proportion_limits",
    "wilson_interval",
]
