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
from prosperity.methods.aggregate import (
    Aggregate,
    AggregationRule,
    aggregate,
    aggregate_ratio_of_sums,
    aggregate_sum,
    aggregate_weighted_mean,
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
from prosperity.methods.deprivation import (
    IOD2019_LSOAS,
    IOD2025_LSOAS,
    DeprivationSummary,
    LsoaRecord,
    deprivation_summary,
)
from prosperity.methods.gap import PeopleGap, gap_in_people
from prosperity.methods.inequality import Dispersion, GapTrend, dispersion, gap_trend
from prosperity.methods.intervals import Interval, byars_interval, exact_poisson_interval, wilson_interval
from prosperity.methods.peers import (
    MadBand,
    PeerRank,
    mad_band,
    ons_explorer_band,
    rank_among_peers,
    robust_z,
)
from prosperity.methods.progress_linear import LinearProjection, WeatherSymbol, linear_projection_status
from prosperity.methods.progress_opensdg import (
    OpenSdgIndicatorProgress,
    OpenSdgProgress,
    open_sdg_indicator_progress,
    open_sdg_progress,
)
from prosperity.methods.target import (
    RequiredRate,
    ResolvedTarget,
    Target,
    TargetAssessment,
    TargetKind,
    YearReached,
    assess_target,
    required_annual_rate,
    resolve_target,
    year_target_reached,
)
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
    "IOD2019_LSOAS",
    "IOD2025_LSOAS",
    "Aggregate",
    "AggregationRule",
    "DeprivationSummary",
    "Dispersion",
    "GapTrend",
    "LsoaRecord",
    "MadBand",
    "PeerRank",
    "PeopleGap",
    "aggregate",
    "aggregate_ratio_of_sums",
    "aggregate_sum",
    "aggregate_weighted_mean",
    "deprivation_summary",
    "dispersion",
    "gap_in_people",
    "gap_trend",
    "mad_band",
    "ons_explorer_band",
    "rank_among_peers",
    "robust_z",
    "LinearProjection",
    "OpenSdgIndicatorProgress",
    "OpenSdgProgress",
    "RequiredRate",
    "ResolvedTarget",
    "Target",
    "TargetAssessment",
    "TargetKind",
    "WeatherSymbol",
    "YearReached",
    "assess_target",
    "linear_projection_status",
    "open_sdg_indicator_progress",
    "open_sdg_progress",
    "required_annual_rate",
    "resolve_target",
    "year_target_reached",
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
