"""Difference-in-differences and event studies on area panels, through pyfixest; Callaway–Sant'Anna through moderndid.

* :func:`twfe` — the two-way fixed-effects estimate ``y_it = α_i + λ_t + β·D_it + ε_it`` with standard errors
  clustered by area (pyfixest ``feols``, MIT licence, a port of R's ``fixest``), and the event study
  ``y_it = α_i + λ_t + Σ_k β_k·1[t − g_i = k] + ε_it`` with the year before the intervention as reference,
  whose leads give the pre-trend test (Angrist & Pischke 2009, §5.2; Roth 2022, *AER: Insights* 4(3)).
* Inference. Clustered standard errors need many treated clusters; with fewer than
  :data:`MIN_TREATED_FOR_CLUSTERED` treated areas the p-values come from randomisation inference instead:
  the treatment is given in turn to each comparison area (with the same dates) and the treated estimate is
  ranked among the placebo estimates (Conley & Taber 2011, *REStat* 93(1); MacKinnon & Webb 2020).
* :func:`callaway_santanna` — group-time average treatment effects for staggered adoption (Callaway &
  Sant'Anna 2021, *J. Econometrics* 225(2)) with never-treated comparison areas, from moderndid (MIT), a port
  of the R ``did`` package; its test reproduces the package's minimum-wage example.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from prosperity.errors import ProsperityError

SOURCE_TWFE = ("two-way fixed effects difference-in-differences and event study (Angrist & Pischke 2009, §5.2); "
               "estimated with pyfixest (MIT), a port of R's fixest; randomisation inference after Conley & "
               "Taber (2011) when treated areas are few")
SOURCE_CS = ("Callaway & Sant'Anna (2021), 'Difference-in-differences with multiple time periods', J. Econometrics "
             "225(2); estimated with moderndid (MIT), a port of the R did package")
METHOD_TWFE = "difference-in-differences"
METHOD_CS = "did-callaway-santanna"
#: Below this many treated areas clustered standard errors are unreliable (Cameron & Miller 2015, J. Human
#: Resources 50(2), §VI) and randomisation inference is used instead.
MIN_TREATED_FOR_CLUSTERED = 10


class DidError(ProsperityError):
    """A difference-in-differences cannot be estimated on these data (the message says why)."""


@dataclass(frozen=True)
class EventStudy:
    event_times: tuple[int, ...]  #: periods relative to the start (−1 is the reference, left out)
    coefficients: tuple[float, ...]
    std_errors: tuple[float, ...]  #: clustered by area (shown for reference when treated areas are few)
    pre_trend_statistic: float  #: the Wald statistic of the leads (clustered), or the mean squared lead (RI)
    pre_trend_p: float | None  #: the pre-trend test's p-value; ``None`` without at least one lead
    pre_trend_method: str


@dataclass(frozen=True)
class DidResult:
    estimate: float
    std_error: float
    p_value: float
    inference: str  #: "clustered" or "randomisation"
    treated: tuple[str, ...]
    controls: tuple[str, ...]
    n_obs: int
    event_study: EventStudy | None
    placebo_estimates: dict[str, float] = field(default_factory=dict)  #: comparison area → its placebo β


def _long(panel: pd.DataFrame, starts: Mapping[str, int]) -> pd.DataFrame:
    """The wide panel (periods × areas) as long rows with the treatment indicator and event time."""
    df = panel.rename_axis(index="period", columns="area").stack().rename("y").reset_index()
    df["period"] = df["period"].astype(int)
    g = df["area"].map(lambda a: starts.get(a, 0)).astype(int)
    df["treated_post"] = ((g > 0) & (df["period"] >= g)).astype(float)
    df["event_time"] = np.where(g > 0, df["period"] - g, np.iinfo(np.int32).min)
    return df


def _event_columns(df: pd.DataFrame, window: tuple[int, int]) -> list[str]:
    """Dummies for each event time in ``window`` except the reference (the last year before the start that the
    panel has, normally −1), binned at the ends."""
    lo, hi = window
    cols = []
    et = df["event_time"].to_numpy()
    treated = et > np.iinfo(np.int32).min
    ref = max(int(k) for k in set(et[treated]) if k < 0)
    for k in range(lo, hi + 1):
        if k == ref:
            continue
        name = f"ev_m{-k}" if k < 0 else f"ev_p{k}"
        if k == lo:
            hit = treated & (et <= k)
        elif k == hi:
            hit = treated & (et >= k)
        else:
            hit = treated & (et == k)
        df[name] = hit.astype(float)
        cols.append(name)
    return [c for c in cols if df[c].any()]


def _feols(formula: str, df: pd.DataFrame) -> Any:
    import pyfixest as pf

    with warnings.catch_warnings():
        # pyfixest's own deprecation notices about pandas, and its note when a binned event dummy is collinear
        # (the dummy is then left out, which is what the event study needs), are not the user's business.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=r"\s*\d+ variables? dropped due to multicollinearity")
        return pf.feols(formula, data=df, vcov={"CRV1": "area"})


def _beta(df: pd.DataFrame) -> tuple[float, float]:
    fit = _feols("y ~ treated_post | area + period", df)
    return float(fit.coef()["treated_post"]), float(fit.se()["treated_post"])


def _events(df: pd.DataFrame, window: tuple[int, int]) -> tuple[list[int], list[float], list[float], Any]:
    cols = _event_columns(df, window)
    fit = _feols("y ~ " + " + ".join(cols) + " | area + period", df)
    coefs = fit.coef()
    ses = fit.se()
    cols = [c for c in cols if c in coefs.index]  # a dummy pyfixest dropped as collinear has no coefficient
    times = [-int(c[4:]) if c.startswith("ev_m") else int(c[4:]) for c in cols]
    order = np.argsort(times)
    return ([times[i] for i in order], [float(coefs[cols[i]]) for i in order], [float(ses[cols[i]]) for i in order],
            fit)  # fmt: skip


def twfe(panel: pd.DataFrame, starts: Mapping[str, int], controls: Sequence[str],
         event_window: tuple[int, int] | None = None) -> DidResult:  # fmt: skip
    """Two-way fixed-effects DiD of the areas in ``starts`` (area → first treated period) against ``controls``.

    ``panel`` is wide (periods × areas) and complete for the areas used. ``event_window`` (leads, lags) adds the
    event study; by default every available lead (down to −5) and lag.
    """
    treated = [a for a in starts if a in panel.columns]
    controls = [c for c in controls if c in panel.columns and c not in starts]
    if not treated:
        raise DidError("no treated area has data")
    if len(controls) < 2:
        raise DidError("fewer than two comparison areas have data")
    used = panel[[*treated, *controls]]
    if used.isna().to_numpy().any():
        raise DidError("the panel has gaps; drop areas or periods with missing values first")
    first = min(starts[a] for a in treated)
    if not (used.index < first).any() or not (used.index >= first).any():
        raise DidError("the panel needs periods both before and after the intervention")
    df = _long(used, {a: starts[a] for a in treated})
    beta, se = _beta(df)
    periods = sorted(int(p) for p in used.index)
    if event_window is None:
        leads = max(-5, min(periods) - max(starts[a] for a in treated))
        lags = max(periods) - min(starts[a] for a in treated)
        event_window = (leads, lags)
    times, coefs, ses, fit = _events(df, event_window)
    leads = [i for i, t in enumerate(times) if t < 0]

    placebo: dict[str, float] = {}
    clustered = len(treated) >= MIN_TREATED_FOR_CLUSTERED
    if clustered:
        p = float(2 * (1 - _t_cdf(abs(beta / se), len(set(df["area"])) - 1))) if se > 0 else math.nan
        if leads:
            r = np.zeros((len(leads), len(times)))
            for row, i in enumerate(leads):
                r[row, i] = 1.0
            wald = fit.wald_test(R=r)
            pre_stat, pre_p = float(wald["statistic"]), float(wald["pvalue"])
        else:
            pre_stat, pre_p = math.nan, None
        pre_method = "joint Wald test of the leads, standard errors clustered by area"
    else:
        # Randomisation inference: each comparison area in turn takes the treated areas' dates.
        share = {a: starts[a] for a in treated}
        stat = float(np.mean([coefs[i] ** 2 for i in leads])) if leads else math.nan
        stats = []
        for c in controls:
            others = [x for x in controls if x != c]
            fake = _long(panel[[c, *others]], {c: min(share.values())})
            placebo[c] = _beta(fake)[0]
            if leads:
                ft, fc, _, _ = _events(fake, event_window)
                stats.append(float(np.mean([v ** 2 for t, v in zip(ft, fc, strict=True) if t < 0])))
        betas = list(placebo.values())
        p = (1 + sum(1 for b in betas if abs(b) >= abs(beta))) / (len(betas) + 1)
        pre_stat = stat
        pre_p = (1 + sum(1 for s in stats if s >= stat)) / (len(stats) + 1) if leads else None
        pre_method = ("randomisation inference on the mean squared lead: the treated area's pre-period departures "
                      "ranked among each comparison area's")  # fmt: skip
    es = EventStudy(tuple(times), tuple(coefs), tuple(ses), pre_stat, pre_p, pre_method)
    return DidResult(estimate=beta, std_error=se, p_value=p, inference="clustered" if clustered else "randomisation",
                     treated=tuple(treated), controls=tuple(controls), n_obs=len(df), event_study=es,
                     placebo_estimates=placebo)  # fmt: skip


def _t_cdf(t: float, dof: int) -> float:
    from scipy.stats import t as student

    return float(student.cdf(t, max(dof, 1)))


@dataclass(frozen=True)
class GroupTimeEffects:
    """Callaway–Sant'Anna ATT(g, t) and their simple and event-time aggregations."""

    groups: tuple[int, ...]
    times: tuple[int, ...]
    att: tuple[float, ...]
    se: tuple[float, ...]
    overall_att: float
    overall_se: float
    event_times: tuple[int, ...]
    event_att: tuple[float, ...]
    event_se: tuple[float, ...]


def callaway_santanna(data: Any, yname: str, tname: str, idname: str, gname: str,
                      control_group: str = "nevertreated", est_method: str = "dr") -> GroupTimeEffects:  # fmt: skip
    """Group-time ATTs for staggered adoption (Callaway & Sant'Anna 2021), with analytical standard errors.

    ``data`` is a long table (pandas or polars) with a unit id, a period, the outcome and ``gname``, the first
    treated period (0 for never treated).
    """
    import moderndid as md

    try:
        r = md.att_gt(data=data, yname=yname, tname=tname, idname=idname, gname=gname, est_method=est_method,
                      control_group=control_group, boot=False)  # fmt: skip
        simple = md.aggte(r, type="simple", boot=False)
        dynamic = md.aggte(r, type="dynamic", boot=False)
    except (ValueError, KeyError) as e:
        raise DidError(f"Callaway–Sant'Anna could not be estimated: {e}") from None
    return GroupTimeEffects(
        groups=tuple(int(g) for g in r.groups), times=tuple(int(t) for t in r.times),
        att=tuple(float(v) for v in r.att_gt), se=tuple(float(v) for v in r.se_gt),
        overall_att=float(simple.overall_att), overall_se=float(simple.overall_se),
        event_times=tuple(int(e) for e in dynamic.event_times), event_att=tuple(float(v) for v in dynamic.att_by_event),
        event_se=tuple(float(v) for v in dynamic.se_by_event),
    )  # fmt: skip
