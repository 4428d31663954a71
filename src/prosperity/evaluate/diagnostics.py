"""Diagnostics before claims: the checks every estimate carries, the refusals, and the graded strength of evidence.

The rules below are the product's, stated once, each with the literature it follows:

* **Refusals** (no number is given, only the reason): fewer than :data:`MIN_DONORS` comparison areas with
  complete data (with ``J`` donors the smallest placebo p-value is ``1/(J+1)``, which must be able to reach
  :data:`P_THRESHOLD`); fewer than :data:`MIN_PRE_PERIODS` periods before the intervention or no period
  after it (Abadie, Diamond & Hainmueller 2015, p. 500: synthetic controls need a long pre-period); the
  treated area's pre-period level outside the range of the donors' (a convex combination cannot reach it;
  Abadie 2021, *J. Econ. Lit.* 59(2), §3.2); and a poor pre-treatment fit, a pre-period RMSPE above
  :data:`MAX_FIT_RATIO` of the treated area's own pre-period standard deviation (Abadie 2021, §3.2: "the
  synthetic control should not be used" when the fit is poor).
* **Placebos**: in space (each donor treated in turn; p = rank of the post/pre RMSPE ratio over ``J + 1``;
  ADH 2010 §2.4, 2015 §3), in time (the start backdated, ADH 2015 §4), and leave-one-out (each donor with
  weight dropped in turn, ADH 2015 §4). The *placebo band* is the 90th percentile of the absolute average
  gap among placebos whose pre-period MSPE is at most five times the treated area's (ADH 2010, Fig. 7): an
  estimate inside it is of a size that chance alone produces among comparable areas.
* **Evidence strength**: the Maryland Scientific Methods Scale as the What Works Centre for Local Economic
  Growth applies it ("Guide to scoring evidence using the Maryland Scientific Methods Scale", 2016):
  level 3 is a comparison over time with a comparison group shown to be similar (difference-in-differences,
  synthetic control with a good pre-period fit); a comparison whose similarity checks fail is level 2.
  Only level :data:`CAUSAL_LEVEL` or above may be worded as an effect of the intervention, and only when
  the placebo p-value is at most :data:`P_THRESHOLD`; anything below is worded "associated with".
* **Rules added after results were seen.** One check was added to these rules after the first results of the
  shipped evaluations had been seen: a difference-in-differences whose treated area lies outside the
  comparison areas' range before the start is lowered to level 2 (:data:`POST_HOC_RULES`). It was not fixed in
  advance, so wherever it changes a grade the result says so and gives the grade and wording under the rules
  fixed beforehand (``Grade.prior_level``, ``Grade.prior_causal_wording``); nothing is hidden.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from prosperity.evaluate.did import DidResult
from prosperity.evaluate.synthetic import SyntheticFit

MIN_DONORS = 9
MIN_PRE_PERIODS = 5
MAX_FIT_RATIO = 0.5
P_THRESHOLD = 0.10
PLACEBO_MSPE_FILTER = 5.0
CAUSAL_LEVEL = 3
SOURCE_SMS = ("Maryland Scientific Methods Scale as scored by the What Works Centre for Local Economic Growth, "
              "'Guide to scoring evidence using the Maryland Scientific Methods Scale' (2016)")
SMS_LEVELS = {
    1: "a before-and-after or cross-section comparison with no comparison group",
    2: "a comparison with other areas whose similarity to the treated area is not shown",
    3: "a comparison over time with a comparison group shown to be similar before the intervention",
    4: "quasi-random assignment (an instrument or a discontinuity)",
    5: "a randomised controlled trial",
}


@dataclass(frozen=True)
class Refusal:
    code: str  #: too-few-donors, too-few-pre-periods, no-post-period, outside-range, poor-fit
    reason: str


def design_refusals(panel: pd.DataFrame, treated: str, donors: Sequence[str], start: int) -> list[Refusal]:
    """The reasons (if any) why no counterfactual estimate should be made for ``treated`` from these data."""
    out = []
    pre = [p for p in panel.index if p < start]
    post = [p for p in panel.index if p >= start]
    if len(donors) < MIN_DONORS:
        out.append(Refusal("too-few-donors", f"only {len(donors)} comparison area(s) have complete data; at least "
                           f"{MIN_DONORS} are needed for a placebo test to be able to reach p ≤ {P_THRESHOLD:.2f} "
                           f"(the smallest possible p with {len(donors)} is 1/{len(donors) + 1})"))  # fmt: skip
    if len(pre) < MIN_PRE_PERIODS:
        out.append(Refusal("too-few-pre-periods", f"only {len(pre)} period(s) before the intervention; at least "
                           f"{MIN_PRE_PERIODS} are needed to judge whether the comparison tracks the area"))  # fmt: skip
    if not post:
        out.append(Refusal("no-post-period", f"no figures yet for {start} or later"))
    if donors and pre and treated in panel.columns:
        means = panel.loc[pre, list(donors)].mean()
        own = float(panel.loc[pre, treated].mean())
        if own > float(means.max()) or own < float(means.min()):
            side = "above the highest" if own > float(means.max()) else "below the lowest"
            out.append(Refusal("outside-range", f"the area's average before the intervention ({own:,.2f}) is {side} "
                               f"of the comparison areas ({float(means.max() if own > means.max() else means.min()):,.2f}),"
                               " so no weighted average of them can reproduce it"))  # fmt: skip
    return out


def fit_refusal(fit: SyntheticFit) -> Refusal | None:
    pre = [a for p, a in zip(fit.periods, fit.actual, strict=True) if p < fit.start]
    sd = statistics.pstdev(pre) if len(pre) > 1 else 0.0
    if sd == 0 or fit.pre_rmspe > MAX_FIT_RATIO * sd:
        return Refusal("poor-fit", f"the synthetic comparison missed the area's actual figures by {fit.pre_rmspe:,.2f} "
                       f"on average (root mean square) before the intervention, more than {MAX_FIT_RATIO:g} × the "
                       f"series' own variation ({sd:,.2f}), so its path after the intervention is not a credible "
                       "counterfactual")  # fmt: skip
    return None


def outside_range_years(panel: pd.DataFrame, treated: str, donors: Sequence[str], start: int) -> list[int]:
    pre = panel.loc[panel.index < start]
    lo, hi = pre[list(donors)].min(axis=1), pre[list(donors)].max(axis=1)
    return [int(p) for p in pre.index if pre.at[p, treated] > hi[p] or pre.at[p, treated] < lo[p]]


def placebo_band(fit: SyntheticFit, placebos: Sequence[SyntheticFit]) -> tuple[float, int]:
    """The 90th percentile of |average post-period gap| among placebos with comparable pre-period fit."""
    limit = PLACEBO_MSPE_FILTER * fit.pre_rmspe**2
    kept = [abs(p.att) for p in placebos if p.pre_rmspe**2 <= limit]
    if len(kept) < MIN_DONORS:
        kept = [abs(p.att) for p in placebos]
    return (float(np.quantile(kept, 0.9)) if kept else math.nan), len(kept)


def balance_table(fit: SyntheticFit, panel: pd.DataFrame, donors: Sequence[str]) -> list[dict[str, Any]]:
    """Predictor balance (ADH 2010, Table 1): treated, synthetic and the donors' simple average.

    The predictors are the outcome's averages over the early, middle and late thirds of the pre-period, and
    its level in the last pre-period year.
    """
    pre = [p for p in fit.periods if p < fit.start]
    act = dict(zip(fit.periods, fit.actual, strict=True))
    syn = dict(zip(fit.periods, fit.synthetic, strict=True))
    avg = panel[list(donors)].mean(axis=1)
    rows = []
    thirds = [list(chunk) for chunk in np.array_split(np.array(pre), 3) if len(chunk)]
    for chunk in thirds:
        label = f"average {chunk[0]}–{chunk[-1]}" if len(chunk) > 1 else f"{chunk[0]}"
        rows.append({"predictor": label, "treated": float(np.mean([act[p] for p in chunk])),
                     "synthetic": float(np.mean([syn[p] for p in chunk])),
                     "donor_average": float(np.mean([avg[p] for p in chunk]))})  # fmt: skip
    last = pre[-1]
    rows.append({"predictor": f"level in {last}", "treated": act[last], "synthetic": syn[last],
                 "donor_average": float(avg[last])})  # fmt: skip
    return rows


#: Checks added after results had been seen (pre-registration matters: each is disclosed where it bites).
POST_HOC_RULES = {
    "did-outside-range": "a difference-in-differences whose treated area's level before the start lies outside the "
                         "comparison areas' range is lowered to level 2; this rule was added after the first results "
                         "of the shipped evaluations (among them the devolution deal's employment-rate estimate) "
                         "had been seen",
}  # fmt: skip


@dataclass(frozen=True)
class Grade:
    level: int | None  #: Maryland SMS level, ``None`` when refused
    meaning: str
    causal_wording: bool  #: may the product word the estimate as an effect?
    significant: bool
    downgrades: list[str] = field(default_factory=list)
    #: downgrades from checks added after results were seen (see :data:`POST_HOC_RULES`), also in ``downgrades``
    post_hoc_downgrades: list[str] = field(default_factory=list)
    prior_level: int | None = None  #: the level under the rules fixed before any result was seen
    prior_causal_wording: bool = False  #: the wording allowed under those rules

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "scale": "Maryland Scientific Methods Scale", "source": SOURCE_SMS}


def grade(refused: bool, p: float | None, checks_failed: Sequence[str], post_hoc_failed: Sequence[str] = ()) -> Grade:
    """Level 3 for a comparison over time with a similar comparison group; level 2 when a similarity check failed.

    ``post_hoc_failed`` are failed checks of rules added after results were seen: they lower the grade like the
    others, and the grade also records the level and wording under the rules fixed beforehand."""
    if refused:
        return Grade(None, "no estimate", False, False)
    significant = p is not None and p <= P_THRESHOLD
    prior = CAUSAL_LEVEL if not checks_failed else 2
    level = CAUSAL_LEVEL if not (checks_failed or post_hoc_failed) else 2
    return Grade(level, SMS_LEVELS[level], level >= CAUSAL_LEVEL and significant, significant,
                 [*checks_failed, *post_hoc_failed], list(post_hoc_failed), prior,
                 prior >= CAUSAL_LEVEL and significant)  # fmt: skip


def synthetic_checks(fit: SyntheticFit, in_time: SyntheticFit | None, loo: Sequence[tuple[str, SyntheticFit]],
                     band: float, names: Mapping[str, str] | None = None) -> list[str]:  # fmt: skip
    """The similarity checks of a synthetic control that, failing, lower its grade to level 2."""
    failed = []
    if in_time is not None and math.isfinite(band) and abs(in_time.att) > band:
        failed.append(f"the backdated (in-time) placebo starting {in_time.start} shows a gap of {in_time.att:+,.2f}, "
                      f"as large as chance produces among comparison areas (±{band:,.2f})")  # fmt: skip
    if fit.att and any(math.copysign(1, f.att) != math.copysign(1, fit.att) for _, f in loo):
        flips = [d for d, f in loo if math.copysign(1, f.att) != math.copysign(1, fit.att)]
        failed.append(f"leaving {(names or {}).get(flips[0], flips[0])} out of the comparison reverses the sign of the "
                      "estimate")
    return failed


def did_checks(result: DidResult, outside_range: Refusal | None = None) -> tuple[list[str], list[str]]:
    """The similarity checks of a difference-in-differences that, failing, lower its grade to level 2:
    ``(failed checks fixed in advance, failed checks added after results were seen)``.

    A pre-trend test that rejects parallel trends (fixed in advance); and a treated area whose pre-period level
    lies outside the comparison areas' range, where a common trend is an assumption no similar area can check
    (areas far below the rest tend to catch up, or fall further, for reasons of their own). The second was
    added after results had been seen (:data:`POST_HOC_RULES`)."""
    failed: list[str] = []
    post_hoc: list[str] = []
    es = result.event_study
    if es is not None and es.pre_trend_p is not None and es.pre_trend_p <= P_THRESHOLD:
        failed.append(f"the treated and comparison areas were already diverging before the intervention (pre-trend "
                      f"test p = {es.pre_trend_p:.2f})")  # fmt: skip
    if outside_range is not None:
        post_hoc.append(outside_range.reason.replace("so no weighted average of them can reproduce it",
                                                     "so none of them shows how an area at its level would have "
                                                     "moved"))  # fmt: skip
    return failed, post_hoc
