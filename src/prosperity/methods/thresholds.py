"""Every threshold and constant the methods use, in one place, each with where it comes from.

Each constant's comment names its published source (shown on the methodology page).
Change a value here only when the source changes; the tests pin the published figures that depend on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

# --- Confidence intervals and benchmark comparison (Fingertips) -------------------------

#: Two-sided 95% normal quantile, as PHEindicatormethods computes it (``qnorm(0.975)``).
Z_95: float = NormalDist().inv_cdf(0.975)
#: z used by Fingertips' SPC comparers for 99.8% (``ComparatorConfidence``; its tests use 3.0902).
FINGERTIPS_Z_99_8: float = 3.0902
#: z used by Fingertips' SPC comparers for 95% (its tests use 1.96).
FINGERTIPS_Z_95: float = 1.96
#: Byar's method is used from this count upward; below it PHEindicatormethods uses the exact Poisson method.
BYARS_MIN_COUNT: int = 10

# --- Recent trend (Fingertips trend markers) -----------------------------

#: Number of most recent points the trend marker uses.
TREND_POINTS: int = 5
#: Fits made by the robustness check: all points, then leaving out each point in turn.
TREND_ITERATIONS: int = TREND_POINTS + 1
#: Chi-square critical value, 1 degree of freedom, p = 0.002 (99.8%).
TREND_CHI_SQUARE_CRITICAL: float = 9.54953570608324
#: Width of a 95% interval in standard errors (2 × 1.96); Fingertips derives se = (UCI − LCI) / 3.92.
TREND_CI_WIDTH_IN_SE: float = 3.92


# --- Progress to target (Open SDG / Statistics Canada progress measure) ------


@dataclass(frozen=True)
class ProgressThresholds:
    """Open SDG's ``progress_thresholds``: ``high``/``med``/``low`` cut-offs of the progress value."""

    high: float
    med: float
    low: float


#: Method 1 (no quantitative target): thresholds on the observed CAGR.
OPEN_SDG_NO_TARGET_THRESHOLDS = ProgressThresholds(high=0.015, med=0.005, low=0.0)
#: Method 2 (quantitative target): thresholds on the ratio of observed to required CAGR.
OPEN_SDG_TARGET_THRESHOLDS = ProgressThresholds(high=0.95, med=0.6, low=0.0)
#: Exponent ``a`` of the limit scaling coefficient C.
OPEN_SDG_LIMIT_EXPONENT: float = 4.44
#: Open SDG replaces a target or base value of exactly zero by this.
OPEN_SDG_ZERO_SUBSTITUTE: float = 0.001
OPEN_SDG_DEFAULT_BASE_YEAR: int = 2015
OPEN_SDG_DEFAULT_TARGET_YEAR: int = 2030
#: Score bands of the aggregated indicator status (``get_progress_status_from_score``).
OPEN_SDG_SCORE_SUBSTANTIAL: float = 2.5
OPEN_SDG_SCORE_MODERATE: float = 0.0
OPEN_SDG_SCORE_LIMITED: float = -2.5
OPEN_SDG_SCORE_MIN: float = -5.0
OPEN_SDG_SCORE_MAX: float = 5.0

# --- Linear projection (German Sustainable Development Strategy "weather symbols") -------

#: The average annual change is taken over the last five years (six data points) ...
DNS_WINDOW_YEARS: int = 5
#: ... and needs at least four data points in that window.
DNS_MIN_POINTS: int = 4
#: Projected miss below 5% of the gap between target and current value: sun.
DNS_SUN_MAX_MISS: float = 0.05
#: Projected miss from 5% to 20% of that gap: sun behind a cloud. Beyond 20% (right direction): cloud.
DNS_SUN_CLOUD_MAX_MISS: float = 0.20

# --- Position among peers (ONS Subnational Indicators Explorer and Oflog) -------------

#: Oflog's ``MADs_from_median`` divides by the raw median absolute deviation (checked against its data).
OFLOG_MAD_SCALE: float = 1.0
#: ONS's explorer scales the MAD by 1.4826 so that it estimates a standard deviation (``R/script.R``).
ONS_MAD_SCALE: float = 1.4826
#: ONS explorer: within ±1 scaled MAD of the median is "average" (``app/config.json`` ``threshold: 1``).
ONS_AVERAGE_BAND: float = 1.0
#: Beyond ±7.5 MADs a value is an outlier (ONS ``outlierLimits``; Oflog writes those sentences by hand).
MAD_OUTLIER_LIMIT: float = 7.5

#: Oflog's rules table (automated-text prototype): (lower, upper, phrase when higher is better,
#: phrase with no judgement). A value x falls in a band when ``lower <= x < upper``, as in its
#: ``+page.svelte``. ``None`` is Oflog's "[Manually written]".
OFLOG_BANDS: tuple[tuple[float, float, str | None, str | None], ...] = (
    (7.5, float("inf"), None, None),
    (3.0, 7.5, "much better than", "much higher than"),
    (1.5, 3.0, "better than", "higher than"),
    (0.5, 1.5, "slightly better than", "slightly higher than"),
    (-0.5, 0.5, "broadly similar to", "broadly similar to"),
    (-1.5, -0.5, "slightly worse than", "slightly lower than"),
    (-3.0, -1.5, "worse than", "lower than"),
    (-7.5, -3.0, "much worse than", "much lower than"),
    (float("-inf"), -7.5, None, None),
)

# --- Direction of travel without intervals (the written rule of ``prosperity.assess.status``) ------------

#: A direction is stated only with at least this many comparable (non-overlapping, same-kind) points.
DIRECTION_MIN_POINTS: int = 3
#: ... and only when the compound annual change is at least this large (0.5% a year) in either direction.
#: It is the boundary the UN Statistics Division Progress Chart draws for "stagnation" of indicators without a
#: target (EUSTAT's Open SDG methodology page: CAGR < 0.5% in the desired direction) and the
#: Open SDG / Statistics Canada "limited progress" boundary for method 1 (Open SDG progress measure: med = 0.005),
#: applied here symmetrically: a smaller change, up or down, is "no clear change".
DIRECTION_MATERIAL_CAGR: float = 0.005
#: The trend looks back at most this many years from the latest period: a stated choice between Eurostat's
#: short-term (5 years) and long-term (15 years) assessment windows.
TREND_WINDOW_YEARS: int = 10
