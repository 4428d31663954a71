"""Progress towards a target by the Statistics Canada / Open SDG CAGR-ratio method.

A line-for-line port of ``SeriesProgress`` and the module functions of the progress measure in Open
SDG's data builder (public code: open-sdg/sdg-build, commit 139fede7), as described in Open SDG's
"Progress methodology" documentation (released in Open SDG 2.4.0, October 2025). What the port keeps:

* method 1 (no target): ``progress = sign·d·CAGR_observed`` against 1.5% / 0.5% / 0, scaled by the limit
  coefficient C when a natural limit is given; method 2 (target): ``sign·d·CAGR_observed / |CAGR_required|``
  against 0.95 / 0.6 / 0; ``target_achieved`` overrides both;
* "decrease" targets: ``direction="negative"`` (d = −1) is achieved when ``current <= target``;
* a target or base value of 0 is replaced by 0.001 (recorded in ``substitutions``); a base and current
  value of opposite signs, or fewer than two years, gives no progress value (``not_available``);
* the base year falls forward to the next year with data; the current year is the latest;
* scores in [−5, 5] and the indicator status as the mean of series scores.

Where the Python code would crash (no data on or after the base year, a required CAGR of zero, a target
of the opposite sign to the base) this port returns ``not_available`` with a message instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from prosperity.methods._types import MethodError, MethodResult
from prosperity.methods.thresholds import (
    OPEN_SDG_DEFAULT_BASE_YEAR,
    OPEN_SDG_DEFAULT_TARGET_YEAR,
    OPEN_SDG_LIMIT_EXPONENT,
    OPEN_SDG_NO_TARGET_THRESHOLDS,
    OPEN_SDG_SCORE_LIMITED,
    OPEN_SDG_SCORE_MAX,
    OPEN_SDG_SCORE_MIN,
    OPEN_SDG_SCORE_MODERATE,
    OPEN_SDG_SCORE_SUBSTANTIAL,
    OPEN_SDG_TARGET_THRESHOLDS,
    OPEN_SDG_ZERO_SUBSTITUTE,
    ProgressThresholds,
)

SOURCE_OPEN_SDG = (
    "Statistics Canada progress measurement as implemented by Open SDG, open-sdg/sdg-build "
    "sdg/ProgressMeasure.py (commit 139fede7) and open-sdg/open-sdg docs/progress-methodology.md"
)

TARGET_ACHIEVED = "target_achieved"
SUBSTANTIAL = "substantial_progress"
MODERATE = "moderate_progress"
LIMITED = "limited_progress"
DETERIORATION = "deterioration"
NOT_AVAILABLE = "not_available"

#: Open SDG's Canadian labels for each status (docs/progress-methodology.md), in British English.
STATUS_LABELS = {
    TARGET_ACHIEVED: "Target achieved",
    SUBSTANTIAL: "On track",
    MODERATE: "Progress made but acceleration needed",
    LIMITED: "Limited progress",
    DETERIORATION: "Deterioration",
    NOT_AVAILABLE: "Unable to assess",
}


@dataclass(frozen=True, kw_only=True)
class OpenSdgProgress(MethodResult):
    """The ``indicator_calculation_components`` of one series, plus the intermediate growth rates."""

    base_year: int | None
    base_value: float | None
    current_year: int | None
    current_value: float | None
    target: float | None
    target_year: int
    direction: int
    sign: int | None
    limit: float | None
    thresholds: ProgressThresholds
    coefficient: float | None
    cagr_observed: float | None
    cagr_required: float | None
    progress_value: float | None
    target_achieved: bool
    status: str
    score: float | None
    substitutions: tuple[str, ...]
    message: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def growth_calculation(val1: float, val2: float, t1: float, t2: float) -> float:
    """``((val1 / val2) ** (1 / (t1 − t2))) − 1`` exactly as sdg-build writes it."""
    return ((val1 / val2) ** (1 / (t1 - t2))) - 1


def get_progress_status(value: float | None, thresholds: ProgressThresholds, target_achieved: bool) -> str:
    if target_achieved:
        return TARGET_ACHIEVED
    if value is not None:
        if value >= thresholds.high:
            return SUBSTANTIAL
        if thresholds.med <= value < thresholds.high:
            return MODERATE
        if thresholds.low <= value < thresholds.med:
            return LIMITED
        if value < thresholds.low:
            return DETERIORATION
    return NOT_AVAILABLE


def get_progress_status_from_score(score: float | None, target_achieved: bool = False) -> str:
    if target_achieved:
        return TARGET_ACHIEVED
    if score is None:
        return NOT_AVAILABLE
    if OPEN_SDG_SCORE_SUBSTANTIAL <= score <= OPEN_SDG_SCORE_MAX:
        return SUBSTANTIAL
    if OPEN_SDG_SCORE_MODERATE <= score < OPEN_SDG_SCORE_SUBSTANTIAL:
        return MODERATE
    if OPEN_SDG_SCORE_LIMITED <= score < OPEN_SDG_SCORE_MODERATE:
        return LIMITED
    return DETERIORATION


def _limit_coefficient(base_value: float, limit: float) -> float:
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:  # checked first so that C = 1 when base and limit are both zero
        return 1.0
    if b <= lim:
        return 1 - (b / lim) ** OPEN_SDG_LIMIT_EXPONENT
    return 1 - ((2 * lim - b) / lim) ** OPEN_SDG_LIMIT_EXPONENT


def _score(
    value: float | None, method: int, t: ProgressThresholds, coeff: float, achieved: bool
) -> float | None:
    if achieved:
        return OPEN_SDG_SCORE_MAX
    if value is None:
        return None
    if method == 1:
        if value < t.low:
            return max(125 * value - 2.5, OPEN_SDG_SCORE_MIN)
        if coeff == 0:  # base value at the limit and progress >= 0: limit maintained
            return OPEN_SDG_SCORE_MAX
        if value >= t.high:
            return min(500 * value / coeff - 5, OPEN_SDG_SCORE_MAX)
        if value >= t.med:
            return 250 * value / coeff - 1.25
        return 500 * value / coeff - 2.5
    if value >= t.med:
        return min((7.1429 * value) - 4.2857, OPEN_SDG_SCORE_MAX)
    return max((4.1667 * value) - 2.5, OPEN_SDG_SCORE_MIN)


def open_sdg_progress(
    series: Sequence[tuple[int, float | None]],
    *,
    direction: str = "negative",
    base_year: int = OPEN_SDG_DEFAULT_BASE_YEAR,
    target: float | None = None,
    target_year: int = OPEN_SDG_DEFAULT_TARGET_YEAR,
    limit: float | None = None,
    thresholds: ProgressThresholds | None = None,
) -> OpenSdgProgress:
    """Progress status and score of one series, as ``SeriesProgress`` computes them.

    ``series`` is ``(year, value)`` pairs; missing values (None/NaN) are dropped, as sdg-build does.
    ``direction`` is ``"positive"`` (increase desired) or ``"negative"`` (decrease desired; Open SDG's
    default).
    """
    if direction not in ("positive", "negative"):
        raise MethodError(f"direction must be 'positive' or 'negative', got {direction!r}")
    d = 1 if direction == "positive" else -1
    method = 1 if target is None else 2
    substitutions: list[str] = []
    if target == 0:
        substitutions.append(f"target 0 replaced by {OPEN_SDG_ZERO_SUBSTITUTE} (exponential model)")
        target = OPEN_SDG_ZERO_SUBSTITUTE
    defaults = OPEN_SDG_NO_TARGET_THRESHOLDS if method == 1 else OPEN_SDG_TARGET_THRESHOLDS
    chosen = thresholds or defaults
    data = [(int(y), float(v)) for y, v in series if v is not None and not math.isnan(v)]
    years = [y for y, _ in data]
    if len(set(years)) != len(years):
        raise MethodError(f"duplicate value for a year in progress series: {sorted(years)}")
    values = dict(data)

    def result(**kw) -> OpenSdgProgress:
        fields = {
            "base_year": None,
            "base_value": None,
            "current_year": None,
            "current_value": None,
            "sign": None,
            "coefficient": None,
            "cagr_observed": None,
            "cagr_required": None,
            "progress_value": None,
            "target_achieved": False,
            "thresholds": chosen,
            "message": "",
        }
        fields.update(kw)
        status = get_progress_status(
            fields["progress_value"], fields["thresholds"], fields["target_achieved"]
        )
        coeff = 1.0 if fields["coefficient"] is None else fields["coefficient"]
        score = _score(
            fields["progress_value"], method, fields["thresholds"], coeff, fields["target_achieved"]
        )
        return OpenSdgProgress(
            method=f"open-sdg-cagr-{'ratio' if method == 2 else 'no-target'}",
            source=SOURCE_OPEN_SDG,
            target=target,
            target_year=target_year,
            direction=d,
            limit=limit,
            status=status,
            score=score,
            substitutions=tuple(substitutions),
            **fields,
        )

    if not data:
        return result(message="no data found for the progress calculation")
    current_year = max(years)
    current_value = values[current_year]
    if base_year not in values:
        later = [y for y in years if y > base_year]
        if not later:
            return result(
                current_year=current_year,
                current_value=current_value,
                message=f"no data in or after the base year {base_year}",
            )
        base_year = min(later)
    base_value = values[base_year]
    sign = -1 if base_value < 0 else 1
    coeff = None
    if method == 1 and limit is not None:
        coeff = _limit_coefficient(base_value, limit)
        chosen = ProgressThresholds(chosen.high * coeff, chosen.med * coeff, chosen.low * coeff)
    achieved = target is not None and (
        (d == -1 and current_value <= target) or (d == 1 and current_value >= target)
    )
    known = {
        "base_year": base_year,
        "base_value": base_value,
        "current_year": current_year,
        "current_value": current_value,
        "sign": sign,
        "coefficient": coeff,
        "target_achieved": achieved,
        "thresholds": chosen,
    }
    if base_value == 0:
        substitutions.append(f"base value 0 replaced by {OPEN_SDG_ZERO_SUBSTITUTE} (exponential model)")
        base_value = known["base_value"] = OPEN_SDG_ZERO_SUBSTITUTE
    if (base_value > 0 and current_value < 0) or (base_value < 0 and current_value > 0):
        return result(**known, message="base and current values have opposite signs; transform the data")
    if current_year - base_year < 1:
        return result(**known, message="not enough data: at least 2 years are needed")
    cagr_o = growth_calculation(current_value, base_value, current_year, base_year)
    if method == 1:
        progress = sign * d * cagr_o
        return result(**known, cagr_observed=cagr_o, progress_value=progress)
    if (target > 0) != (base_value > 0):  # type: ignore[operator]
        return result(**known, cagr_observed=cagr_o, message="target and base value have opposite signs")
    cagr_r = growth_calculation(target, base_value, target_year, base_year)  # type: ignore[arg-type]
    if cagr_r == 0:
        return result(
            **known,
            cagr_observed=cagr_o,
            cagr_required=0.0,
            message="the target equals the base value, so no growth is required",
        )
    progress = sign * d * cagr_o / abs(cagr_r)
    return result(**known, cagr_observed=cagr_o, cagr_required=cagr_r, progress_value=progress)


@dataclass(frozen=True, kw_only=True)
class OpenSdgIndicatorProgress(MethodResult):
    series: tuple[OpenSdgProgress, ...]
    scores_used: tuple[float, ...]
    score: float | None
    target_achieved: bool
    status: str


def open_sdg_indicator_progress(series: Sequence[OpenSdgProgress]) -> OpenSdgIndicatorProgress:
    """Several series → one status: the mean of the series scores (``IndicatorProgress``)."""
    scored = [s for s in series if s.score is not None]
    scores = tuple(s.score for s in scored)  # type: ignore[misc]
    mean = sum(scores) / len(scores) if scores else None
    achieved = bool(scored) and all(s.target_achieved for s in scored)
    return OpenSdgIndicatorProgress(
        method="open-sdg-indicator-mean-score",
        source=SOURCE_OPEN_SDG,
        series=tuple(series),
        scores_used=scores,
        score=mean,
        target_achieved=achieved,
        status=get_progress_status_from_score(mean, achieved) if scores else NOT_AVAILABLE,
    )


__all__ = [
    "OpenSdgIndicatorProgress",
    "OpenSdgProgress",
    "STATUS_LABELS",
    "get_progress_status",
    "get_progress_status_from_score",
    "growth_calculation",
    "open_sdg_indicator_progress",
    "open_sdg_progress",
]
