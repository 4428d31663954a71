"""Synthetic control on a real panel: the fast solver agrees with pysyncon; placebo arithmetic; refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prosperity.evaluate import diagnostics as dg
from prosperity.evaluate import synthetic as sc
from prosperity.warehouse import Warehouse


@pytest.fixture(scope="module")
def claimants(warehouse_path) -> pd.DataFrame:
    """Claimant count (% of residents 16–64), 2004–2019, every English metropolitan district: a real panel."""
    with Warehouse.open(warehouse_path) as wh:
        rows = wh.query("""SELECT o.area_code, CAST(substr(o.period, 1, 4) AS INTEGER) AS y, o.value
                           FROM latest_observations o JOIN areas a ON a.code = o.area_code
                           WHERE o.indicator_id = 'claimant-count' AND o.breakdown = ''
                             AND a.level = 'metropolitan-district' AND o.period LIKE '%-01-01/P1Y'""")
    df = pd.DataFrame(rows).pivot(index="y", columns="area_code", values="value")
    return df.loc[2004:2019].dropna(axis=1)


def test_nnls_solution_agrees_with_pysyncon(claimants) -> None:
    from pysyncon import Synth

    treated, donors = "E08000015", [c for c in claimants.columns if c != "E08000015"][:25]
    pre = claimants.loc[:2014, [treated, *donors]]
    fit = sc.fit_outcome_path(claimants, treated, donors, 2015)
    s = Synth()
    s.fit(X0=pre[donors], X1=pre[treated], Z0=pre[donors], Z1=pre[treated], custom_V=np.ones(len(pre)))
    ours = np.array([fit.weights[d] for d in donors])
    assert np.abs(ours - s.W).max() < 1e-3
    scaled = pre.divide(pre.std(axis=1), axis=0)
    loss = lambda w: float(((scaled[treated] - scaled[donors].to_numpy() @ w) ** 2).sum())  # noqa: E731
    assert loss(ours) <= loss(s.W) + 1e-9
    assert abs(sum(fit.weights.values()) - 1) < 1e-9 and min(fit.weights.values()) >= 0


def test_placebo_p_value_is_rank_over_units(claimants) -> None:
    treated = "E08000012"
    donors = [c for c in claimants.columns if c != treated][:15]
    fit = sc.fit_outcome_path(claimants, treated, donors, 2015)
    placebos = sc.in_space_placebos(claimants, treated, donors, 2015)
    assert len(placebos) == 15 and all(treated not in p.weights for p in placebos)
    p = sc.placebo_p_value(fit, placebos)
    higher = sum(1 for q in placebos if q.ratio >= fit.ratio)
    assert p == (1 + higher) / 16


def test_refusals_on_constructed_weak_designs(claimants) -> None:
    cols = list(claimants.columns)
    # Too few donors: 5 comparison areas cannot reach p ≤ 0.10.
    few = dg.design_refusals(claimants, cols[0], cols[1:6], 2015)
    assert [r.code for r in few] == ["too-few-donors"]
    # Too short a pre-period: three years before the start.
    short = dg.design_refusals(claimants.loc[2012:], cols[0], cols[1:20], 2015)
    assert "too-few-pre-periods" in [r.code for r in short]
    # Outside the donors' range: the district with the highest average claimant rate, against the others.
    top = claimants.loc[:2014].mean().idxmax()
    out = dg.design_refusals(claimants, top, [c for c in cols if c != top], 2015)
    assert [r.code for r in out] == ["outside-range"] and "above the highest" in out[0].reason
    # Poor fit: a district's own series in reverse year order (falling where every district rose) has an
    # ordinary level, so it passes the range check, but a shape no weighted average of districts can follow.
    panel = claimants.copy()
    panel["REVERSED"] = panel[cols[0]].to_numpy()[::-1]
    assert dg.design_refusals(panel, "REVERSED", cols[1:], 2015) == []
    refusal = dg.fit_refusal(sc.fit_outcome_path(panel, "REVERSED", cols[1:], 2015))
    assert refusal is not None and refusal.code == "poor-fit" and "not a credible counterfactual" in refusal.reason


def test_grade_controls_the_wording() -> None:
    assert dg.grade(False, 0.05, []).causal_wording
    assert not dg.grade(False, 0.30, []).causal_wording and dg.grade(False, 0.30, []).level == 3
    g2 = dg.grade(False, 0.01, ["pre-trend rejected"])
    assert g2.level == 2 and not g2.causal_wording
    assert dg.grade(True, None, []).level is None
    # A check added after results were seen lowers the grade, and the grade keeps what the prior rules gave.
    g3 = dg.grade(False, 0.04, [], ["outside the range"])
    assert g3.level == 2 and not g3.causal_wording and g3.post_hoc_downgrades == ["outside the range"]
    assert g3.prior_level == 3 and g3.prior_causal_wording and g3.downgrades == ["outside the range"]
    g4 = dg.grade(False, 0.04, ["pre-trend rejected"], ["outside the range"])
    assert g4.prior_level == 2 and not g4.prior_causal_wording
