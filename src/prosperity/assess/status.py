"""The assessment statuses, and the written rules that give them. Every output reads them from here.

One name per status, everywhere (command line, API, dashboard, report):

========================  ===================================================================================
``on track``              a current target: the cited method projects it will be met on time
``off track``             a current target: the cited method projects it will be missed
``met``                   a target: the latest value (or the value at a passed deadline) meets it
``missed``                a target whose deadline has passed: the value for the deadline year does not meet it
``improving``             no target to judge: the trend rule finds a change in the better direction
``worsening``             no target to judge: the trend rule finds a change in the worse direction
``no clear change``       the trend rule finds no significant or material change
``too few points to judge``  fewer comparable points than the trend rule needs
``not judged``            a figure is shown but no judgement is made: money in cash terms with no real-terms
                          series, a figure for another area standing in, an indicator with no better
                          direction, or a growth rate that is undefined
``no data``               no figure
========================  ===================================================================================

The trend rules (:func:`judge_trend`):

1. **With 95% intervals**, Fingertips' recent trend marker, only where Fingertips would compute it
   (:func:`fingertips_eligibility`): at least five points, annual and non-overlapping (no marker on
   overlapping multi-year periods such as 3-year pooled life expectancy), consecutive years with intervals
   (a suppressed or missing year breaks the run; it is never bridged), within one series. A significant
   marker (χ² > 9.5495 and a stable sign) is improving or worsening by polarity; otherwise no clear change.
   (``TrendMarkerCalculator.cs``; Fingertips technical guidance "Trend markers"; reference §2.4.)
2. **Otherwise** (no intervals, or not eligible for the marker), a direction only with at least three
   comparable points in the last ten years and a compound change of at least 0.5% a year
   (:func:`prosperity.methods.trend.direction_rule`); a smaller change is no clear change, fewer points are
   too few points to judge. Comparable points: the same kind of period, non-overlapping; for a monthly or
   quarterly series, the same month or quarter of each year (a monthly series is not a series break).
3. **Money** is judged only in real terms: a series in current prices (cash) is described "in cash terms"
   and not judged, unless a real-terms series (chained volume measures, a real-terms index) is bound to it
   (``real_terms.yaml``), in which case the trend of that series is judged by rule 2.
4. **A figure for another area** (a stand-in) is never judged as the area's own: not judged.

The target rules (:func:`target_status`): the German sustainability strategy's linear projection (sun and
sun behind a cloud are "on-track", cloud and thunderstorm "off-track", dns-indikatoren.de/en/status) and the
Statistics Canada / Open SDG CAGR ratio (target achieved → met; substantial progress → on track; moderate,
limited progress or deterioration → off track); a target whose date is not after the latest data is met or
missed on the value for its deadline year (UN Progress Chart, reference §9.3).

The overall status of an assessment (:func:`overall_status`): no data; else not judged for a stand-in; else
the current target's status where it has one; else the trend status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prosperity.methods import DirectionRuleResult, Polarity, RuleOutcome, TrendMarkerResult
from prosperity.methods.thresholds import DIRECTION_MATERIAL_CAGR, DIRECTION_MIN_POINTS, TREND_POINTS

ON_TRACK = "on track"
OFF_TRACK = "off track"
MET = "met"
MISSED = "missed"
IMPROVING = "improving"
WORSENING = "worsening"
NO_CLEAR_CHANGE = "no clear change"
TOO_FEW_POINTS = "too few points to judge"
NOT_JUDGED = "not judged"
NO_DATA = "no data"

#: Every status, in the order outputs list and count them.
STATUSES: tuple[str, ...] = (ON_TRACK, OFF_TRACK, MET, MISSED, IMPROVING, WORSENING, NO_CLEAR_CHANGE,
                             TOO_FEW_POINTS, NOT_JUDGED, NO_DATA)  # fmt: skip
TARGET_STATUSES: tuple[str, ...] = (ON_TRACK, OFF_TRACK, MET, MISSED)
TREND_STATUSES: tuple[str, ...] = (IMPROVING, WORSENING, NO_CLEAR_CHANGE, TOO_FEW_POINTS)
#: The statuses that are a judgement of the area (counted as "judged" in summaries).
JUDGED: tuple[str, ...] = (ON_TRACK, OFF_TRACK, MET, MISSED, IMPROVING, WORSENING, NO_CLEAR_CHANGE)

#: One plain sentence per status, for legends, the methodology page and the API.
DEFINITIONS: dict[str, str] = {
    ON_TRACK: "a current target that the cited method projects will be met on time",
    OFF_TRACK: "a current target that the cited method projects will be missed",
    MET: "a target that the latest figure (or the figure for its passed deadline) meets",
    MISSED: "a target whose deadline has passed and whose figure for that year does not meet it",
    IMPROVING: "no target to judge; a significant (with intervals) or material (0.5% a year or more, over at "
               "least three comparable points) change in the better direction",
    WORSENING: "no target to judge; a significant or material change in the worse direction",
    NO_CLEAR_CHANGE: "no significant change by Fingertips' trend test, or a change of less than 0.5% a year",
    TOO_FEW_POINTS: "fewer comparable periods than the trend rule needs (five with intervals, three without)",
    NOT_JUDGED: "a figure without a judgement: money in cash terms, a figure for another area standing in, "
                "an indicator with no better direction, or an undefined growth rate",
    NO_DATA: "no figure",
}


#: A few words per status, for legends where space is short (the report's one-page summary).
SHORT: dict[str, str] = {
    ON_TRACK: "a target the cited method projects will be met on time",
    OFF_TRACK: "a target the cited method projects will be missed",
    MET: "a target the figures meet",
    MISSED: "a target missed at its passed deadline",
    IMPROVING: "no target to judge; a significant or material change for the better",
    WORSENING: "no target to judge; a significant or material change for the worse",
    NO_CLEAR_CHANGE: "no significant change, or less than 0.5% a year",
    TOO_FEW_POINTS: "too few comparable periods to judge a trend",
    NOT_JUDGED: "cash terms, another area's figure, or no better direction",
    NO_DATA: "no figure for this area",
}


def css_class(status: str | None) -> str:
    """A CSS class name for a status: ``on-track``, ``too-few-points-to-judge``…"""
    return (status if status in STATUSES else NO_DATA).replace(" ", "-")


# ---- money and its price basis ----------------------------------------------------------------------------
_REAL = re.compile(r"chained volume|real terms|constant prices|\b\d{4} prices|\b\d{4} money value|deflated", re.I)
_CASH = re.compile(r"current (basic |market )?prices|cash terms|nominal", re.I)


def is_money(unit: str) -> bool:
    """Whether a unit is an amount of money (pounds)."""
    return (unit or "").strip().startswith("£")


def price_basis(unit: str) -> str | None:
    """``"real terms"`` or ``"current prices"`` for money, else None.

    A money unit that names no basis is in current prices: publishers state a real-terms basis (chained volume
    measures, "2019 prices") whenever they remove the effect of inflation.
    """
    if not is_money(unit):
        return None
    return "real terms" if _REAL.search(unit) else "current prices"


# ---- the trend rules -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str


def fingertips_eligibility(kinds: list[tuple[int, int]], years: list[int], with_intervals: list[bool]) -> Eligibility:
    """Whether Fingertips would compute its recent trend marker on a series.

    ``kinds`` gives each point's period length (unit months: 12 for a year) and ``years`` its year, oldest
    first; ``with_intervals`` whether it has a 95% interval. Fingertips' rules (technical guidance "Trend
    markers"): at least five points, annual and independent (non-overlapping) periods, no series break,
    intervals required. A missing or suppressed year breaks the run: the five must be consecutive.
    """
    if len(years) < TREND_POINTS:
        return Eligibility(False, f"fewer than {TREND_POINTS} periods")
    months = {m for m, _ in kinds}
    if months != {12}:
        if any(m > 12 for m in months):
            return Eligibility(False, "the periods are overlapping multi-year periods, on which Fingertips gives no "
                                      "trend marker")  # fmt: skip
        return Eligibility(False, "the periods are not annual")
    last = years[-TREND_POINTS:]
    if any(b - a != 1 for a, b in zip(last, last[1:], strict=False)):
        return Eligibility(False, "a year is missing or suppressed among the last five (never bridged)")
    if not all(with_intervals[-TREND_POINTS:]):
        return Eligibility(False, "a 95% interval is missing among the last five periods")
    return Eligibility(True, "")


@dataclass(frozen=True)
class TrendJudgement:
    status: str
    #: which rule decided: "fingertips-marker", "direction-rule", "cash-terms", "stand-in", "no-polarity"
    rule: str
    reason: str


def judge_trend(
    polarity: Polarity,
    *,
    marker: TrendMarkerResult | None = None,
    direction: DirectionRuleResult | None = None,
    cash_terms: bool = False,
    stand_in: bool = False,
) -> TrendJudgement:
    """The trend status by the rules above. ``marker`` is Fingertips' marker where the series is eligible;
    ``direction`` the direction rule's result on the series judged (the real-terms series for money)."""
    if stand_in:
        return TrendJudgement(NOT_JUDGED, "stand-in", "the figures are for another area standing in")
    if cash_terms:
        return TrendJudgement(NOT_JUDGED, "cash-terms", "money in cash terms (current prices) with no real-terms "
                                                        "series: a change in cash is not judged")  # fmt: skip
    if marker is not None:
        if marker.marker.value in ("increasing", "decreasing"):
            if polarity is Polarity.NO_JUDGEMENT:
                return TrendJudgement(NOT_JUDGED, "no-polarity", "a significant change, but the indicator has no "
                                                                 "better direction")  # fmt: skip
            better = marker.judgement.value == "better"
            return TrendJudgement(IMPROVING if better else WORSENING, "fingertips-marker", marker.message)
        if marker.marker.value == "no_significant_change":
            return TrendJudgement(NO_CLEAR_CHANGE, "fingertips-marker", marker.message)
    if direction is None:
        return TrendJudgement(TOO_FEW_POINTS, "direction-rule", "only one period")
    if direction.outcome is RuleOutcome.TOO_FEW_POINTS:
        return TrendJudgement(TOO_FEW_POINTS, "direction-rule", direction.explanation)
    if direction.outcome is RuleOutcome.NO_CLEAR_CHANGE:
        return TrendJudgement(NO_CLEAR_CHANGE, "direction-rule", direction.explanation)
    if direction.outcome is RuleOutcome.UNDEFINED:
        return TrendJudgement(NOT_JUDGED, "direction-rule", direction.explanation)
    if polarity is Polarity.NO_JUDGEMENT:
        return TrendJudgement(NOT_JUDGED, "no-polarity", f"{direction.explanation}, but the indicator has no "
                                                         "better direction")  # fmt: skip
    better = direction.judgement.value == "better"
    return TrendJudgement(IMPROVING if better else WORSENING, "direction-rule", direction.explanation)


RULE_TEXT = (
    f"with 95% intervals, Fingertips' recent trend marker where Fingertips would compute it ({TREND_POINTS} "
    "consecutive annual, non-overlapping periods); otherwise a direction only with at least "
    f"{DIRECTION_MIN_POINTS} comparable periods in the last ten years and a change of at least "
    f"{DIRECTION_MATERIAL_CAGR:.1%} a year; money only in real terms"
)


# ---- the target rules ------------------------------------------------------------------------------------
#: German sustainability strategy weather symbols → status (dns-indikatoren.de/en/status).
DNS_STATUS: dict[str, str | None] = {"sun": ON_TRACK, "sun_behind_cloud": ON_TRACK, "cloud": OFF_TRACK,
                                     "thunderstorm": OFF_TRACK, "not_assessed": None}  # fmt: skip
#: Statistics Canada / Open SDG progress status → status (docs/progress-methodology.md).
OPEN_SDG_STATUS: dict[str, str | None] = {"target_achieved": MET, "substantial_progress": ON_TRACK,
                                          "moderate_progress": OFF_TRACK, "limited_progress": OFF_TRACK,
                                          "deterioration": OFF_TRACK, "not_available": None}  # fmt: skip


def target_status(*, method: str, outcome: str, achieved: bool = False, deadline_met: bool | None = None) -> str | None:
    """A target's status from its method's outcome (a weather symbol or an Open SDG status).

    A target whose deadline has passed is met or missed (``deadline_met``); one already achieved is met.
    None means the method could not assess it (too few points).
    """
    if deadline_met is not None:
        return MET if deadline_met else MISSED
    if achieved:
        return MET
    table = DNS_STATUS if method == "dns-linear-projection" else OPEN_SDG_STATUS
    return table.get(outcome)


def overall_status(value: Any, *, stand_in: bool, target: str | None, trend: str | None) -> str:
    """The one status of an assessment: no data; not judged (stand-in); the target's; else the trend's."""
    if value is None:
        return NO_DATA
    if stand_in:
        return NOT_JUDGED
    if target in TARGET_STATUSES:
        return target  # type: ignore[return-value]
    return trend if trend in STATUSES else NOT_JUDGED


__all__ = [
    "DEFINITIONS", "JUDGED", "SHORT", "MET", "MISSED", "NOT_JUDGED", "NO_CLEAR_CHANGE", "NO_DATA", "OFF_TRACK", "ON_TRACK",
    "RULE_TEXT", "STATUSES", "TARGET_STATUSES", "TOO_FEW_POINTS", "TREND_STATUSES", "WORSENING", "IMPROVING",
    "Eligibility", "TrendJudgement", "css_class", "fingertips_eligibility", "is_money", "judge_trend",
    "overall_status", "price_basis", "target_status",
]
