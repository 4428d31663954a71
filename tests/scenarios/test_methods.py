"""The scenario methods on hand-worked examples and their exact identities."""

from __future__ import annotations

import doctest
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prosperity.methods._types import MethodError
from prosperity.scenarios import claims, emissions, gap, shiftshare


@pytest.mark.parametrize("module", [gap, claims, shiftshare, emissions])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# ---- gap closure -------------------------------------------------------------------------------------------------
def test_required_differential_by_hand():
    # 80% of the benchmark, parity in 10 years: (1 / 0.8) ** (1 / 10) − 1 = 1.25 ** 0.1 − 1
    g = gap.gap_closure(0.8, 2020, 2030)
    assert g.required_differential == pytest.approx(0.0225651, abs=1e-7)
    assert g.years == 10 and not g.already_closed and g.trend_differential is None
    # the required path reaches the target exactly in the target year
    path = gap.ratio_path(0.8, 2020, g.required_differential, 2030)
    assert path[0] == (2020, 0.8) and path[-1][0] == 2030 and path[-1][1] == pytest.approx(1.0, abs=1e-12)


def test_trend_differential_and_year_closed_by_hand():
    # area index 100 → 121 and benchmark 100 → 110 over two years: (1.21 / 1.10) ** 0.5 − 1 = 1.1 ** 0.5 − 1
    d = gap.ratio_differential(100, 121, 100, 110, 2)
    assert d == pytest.approx(math.sqrt(1.1) - 1, abs=1e-12)
    # ratio 0.9 gaining 1% a year: ln(1/0.9)/ln(1.01) = 10.59 years, so the gap closes in the 11th year
    assert gap.years_to_reach(0.9, 1.0, 0.01) == pytest.approx(10.5886, abs=1e-4)
    g = gap.gap_closure(0.9, 2023, 2035, trend=(2011, 100.0, 100.0, 2021, 100.0 * 1.01**10, 100.0))
    assert g.trend_differential == pytest.approx(0.01, abs=1e-12)
    assert g.year_closed_on_trend == 2034


def test_gap_never_closes_when_the_area_grows_slower():
    g = gap.gap_closure(0.88, 2023, 2035, trend=(2011, 104.0, 95.0, 2021, 101.5, 100.0))
    assert g.trend_differential < 0 and g.year_closed_on_trend is None
    assert gap.years_to_reach(0.88, 1.0, -0.01) is None


def test_already_closed_and_bad_input():
    g = gap.gap_closure(1.05, 2023, 2035, trend=(2011, 1.0, 1.0, 2021, 1.0, 1.0))
    assert g.already_closed and g.year_closed_on_trend is None
    with pytest.raises(MethodError):
        gap.ratio_differential(0, 1, 1, 1, 1)
    with pytest.raises(MethodError):
        gap.closure_value(30, 34, -1)


def test_closure_value_is_the_gva_identity():
    # £5.06 more an hour over 1.04 billion hours is £5.26 billion a year
    v = gap.closure_value(37.33, 42.39, 1.04e9)
    assert v.level_gap == pytest.approx(5.06) and v.value == pytest.approx(5.06 * 1.04e9)


def test_people_per_year_and_gap_trend():
    assert gap.people_per_year(59_000, 2020, 2040) == pytest.approx(2950)
    assert gap.people_per_year(59_000, 2040, 2040) is None
    assert gap.linear_gap_trend([(2017, 5.0), (2019, 4.0), (2021, 3.0)]) == pytest.approx(-0.5)
    assert gap.linear_gap_trend([(2021, 3.0)]) is None


# ---- R&D claim ---------------------------------------------------------------------------------------------------
def test_returns_to_rd_by_hand():
    # R&D intensity from 2% to 5% of GVA of £1,000 over 3 years: extra R&D 0, 10, 20, 30, then 30 a year
    path = claims.intensity_path(2020, 0.02, 2023, 0.05, 2025)
    extra = claims.extra_rd(path, 0.02, 1000.0)
    assert [round(v, 9) for _, v in extra] == [0.0, 10.0, 20.0, 30.0, 30.0, 30.0]
    # at 40% a year with no lag the stock is 0, 10, 30, 60, 90, 120, so extra GVA is 0, 4, 12, 24, 36, 48
    gva = claims.returns_to_rd(extra, 0.4)
    assert [round(v, 9) for _, v in gva] == [0.0, 4.0, 12.0, 24.0, 36.0, 48.0]
    assert claims.cumulative(gva, 2021, 2025) == pytest.approx(124.0)
    # a two-year lag shifts the returns: 0, 0, 0, 4, 12, 24
    lagged = claims.returns_to_rd(extra, 0.4, lag=2)
    assert [round(v, 9) for _, v in lagged] == [0.0, 0.0, 0.0, 4.0, 12.0, 24.0]
    # 10% depreciation: stock 0, 10, 29, 56.1 … extra GVA at 20% in 2023 is 11.22
    dep = claims.returns_to_rd(extra, 0.2, depreciation=0.1)
    assert dep[3][1] == pytest.approx(11.22)


def test_rate_needed_reproduces_a_cumulative_total():
    extra = claims.extra_rd(claims.intensity_path(2020, 0.02, 2023, 0.05, 2025), 0.02, 1000.0)
    rate = claims.rate_for_cumulative(124.0, extra, 2021, 2025)
    assert rate == pytest.approx(0.4)
    assert claims.rate_for_cumulative(1.0, extra, 2021, 2022, lag=10) is None


def test_elasticity_and_what_the_claim_implies():
    # doubling intensity with an elasticity of 0.13: 2 ** 0.13 − 1
    assert claims.elasticity_uplift(0.025, 0.05, 0.13) == pytest.approx(2**0.13 - 1)
    assert claims.elasticity_for_uplift(0.025, 0.05, 2**0.13 - 1) == pytest.approx(0.13)
    assert claims.elasticity_for_uplift(0.05, 0.05, 0.1) is None
    # "a 6.5% increase in jobs (44,000)" and "10% … £3 GVA per hour"
    assert claims.implied_base(44_000, 0.065) == pytest.approx(676_923.077, abs=1e-3)
    assert claims.implied_base(3, 0.10) == pytest.approx(30.0)
    assert claims.gva_uplift(0.10, 0.065) == pytest.approx(0.1715)
    assert claims.closest_year([(2016, 29.8), (2017, 30.1), (2018, 30.8)], 30.0) == (2017, 30.1)
    assert claims.closest_year([(2016, 29.0), (2017, 31.0)], 30.0) == (2016, 29.0)  # a tie: the earlier year


def test_within_the_published_range():
    assert claims.Within(0.3, 0.2, 0.5).verdict == "within the published range"
    assert claims.Within(1.01, 0.2, 0.5).verdict == "above the published range"
    assert claims.Within(0.1, 0.2, 0.5).verdict == "below the published range"
    assert claims.Within(None, 0.2, 0.5).verdict == "cannot be reproduced"


def test_bad_claim_input():
    with pytest.raises(MethodError):
        claims.intensity_path(2030, 0.02, 2030, 0.05, 2035)
    with pytest.raises(MethodError):
        claims.returns_to_rd([(2020, 1.0), (2022, 1.0)], 0.2)
    with pytest.raises(MethodError):
        claims.returns_to_rd([(2020, 1.0)], 0.2, depreciation=1.0)
    with pytest.raises(MethodError):
        claims.elasticity_uplift(0, 0.05, 0.1)


# ---- shift-share -------------------------------------------------------------------------------------------------
def test_shift_share_hand_worked_three_industries():
    # Region: industry a 20 output / 2 labour (x 10), b 30 / 6 (x 5), c 40 / 2 (x 20); total 90 / 10, x_r = 9.
    # Benchmark: a 60 / 4 (x 15), b 24 / 4 (x 6), c 50 / 2 (x 25); total 134 / 10, x_N = 13.4. Gap −4.4.
    # Shares p_r = .2 .6 .2, p_N = .4 .4 .2.
    # mix         = (.2−.4)·15 + (.6−.4)·6 + 0·25       = −3 + 1.2 + 0   = −1.8
    # within      = .4·(10−15) + .4·(5−6) + .2·(20−25)  = −2 − .4 − 1    = −3.4
    # interaction = (−.2)·(−5) + (.2)·(−1) + 0·(−5)     = 1 − .2 + 0     = 0.8
    s = shiftshare.shift_share({"a": (20, 2), "b": (30, 6), "c": (40, 2)}, {"a": (60, 4), "b": (24, 4), "c": (50, 2)})
    assert s.area_productivity == pytest.approx(9.0) and s.benchmark_productivity == pytest.approx(13.4)
    assert s.gap == pytest.approx(-4.4)
    assert (s.mix, s.within, s.interaction) == (pytest.approx(-1.8), pytest.approx(-3.4), pytest.approx(0.8))
    assert abs(s.residual) < 1e-12
    # counterfactuals: the region with the benchmark's mix, Σ p_N x_r = .4·10 + .4·5 + .2·20 = 10;
    # the benchmark's productivity with the region's mix, Σ p_r x_N = .2·15 + .6·6 + .2·25 = 11.6
    assert s.area_with_benchmark_mix == pytest.approx(10.0)
    assert s.benchmark_with_area_mix == pytest.approx(11.6)
    assert s.share_of_gap(s.within) == pytest.approx(3.4 / 4.4)


def test_shift_share_industry_missing_in_the_region():
    s = shiftshare.shift_share({"a": (10, 1), "b": (0, 0)}, {"a": (10, 1), "b": (30, 1)})
    b = next(t for t in s.industries if t.industry == "b")
    assert b.area_productivity is None and b.within == 0 and b.interaction == 0
    assert s.gap == pytest.approx(10 - 20) and abs(s.residual) < 1e-12


def test_shift_share_refuses_unmatched_industries():
    with pytest.raises(MethodError, match="unmatched: b"):
        shiftshare.shift_share({"a": (1, 1), "b": (1, 1)}, {"a": (1, 1)})
    with pytest.raises(MethodError):
        shiftshare.shift_share({"a": (1, 1)}, {"a": (1, 0)})


positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(positive, positive, positive, positive), min_size=1, max_size=20))
def test_shift_share_parts_add_up_to_the_gap(rows):
    area = {f"i{n}": (r[0], r[1]) for n, r in enumerate(rows)}
    bench = {f"i{n}": (r[2], r[3]) for n, r in enumerate(rows)}
    s = shiftshare.shift_share(area, bench)
    # exact up to floating-point rounding, relative to the size of the terms that are added up
    size = max(1.0, *(abs(v) for t in s.industries for v in (t.mix, t.within, t.interaction, t.benchmark_productivity)))
    assert abs(s.residual) <= 1e-9 * size


# ---- emissions ---------------------------------------------------------------------------------------------------
def test_kaya_lmdi_hand_worked():
    # C 100 → 90, P 10 → 11, Y 50 → 60. L(90, 100) = −10 / ln(0.9) = 94.91222
    # population:  94.91222 · ln(1.1)             =   9.04610
    # GVA per head: 94.91222 · ln(5.454545 / 5)   =   8.25844
    # intensity:    94.91222 · ln(1.5 / 2)        = −27.30454   → sum −10 exactly
    d = emissions.kaya_lmdi([(0, 100.0), (1, 90.0)], [(0, 10.0), (1, 11.0)], [(0, 50.0), (1, 60.0)])
    assert d.effects == (pytest.approx(9.04610, abs=1e-5), pytest.approx(8.25844, abs=1e-5),
                         pytest.approx(-27.30454, abs=1e-5))  # fmt: skip
    assert d.change == pytest.approx(-10.0) and abs(d.residual) < 1e-12
    assert emissions.log_mean(5.0, 5.0) == 5.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(positive, positive, positive), min_size=2, max_size=15), st.booleans())
def test_kaya_lmdi_has_no_residual(rows, chained):
    c = [(t, r[0]) for t, r in enumerate(rows)]
    p = [(t, r[1]) for t, r in enumerate(rows)]
    y = [(t, r[2]) for t, r in enumerate(rows)]
    d = emissions.kaya_lmdi(c, p, y, chained=chained)
    # exact up to floating-point rounding, relative to the size of what is added up
    size = max(1.0, *(abs(v) for _, v in c), *(abs(e) for st_ in d.steps for e in st_.effects))
    assert abs(d.residual) <= 1e-9 * size


def test_kaya_refuses_zero():
    with pytest.raises(MethodError, match="positive"):
        emissions.kaya_lmdi([(0, 0.0), (1, 1.0)], [(0, 1.0), (1, 1.0)], [(0, 1.0), (1, 1.0)])
    with pytest.raises(MethodError, match="fewer than two"):
        emissions.kaya_lmdi([(0, 1.0)], [(0, 1.0)], [(0, 1.0)])


def test_net_zero_paths_by_hand():
    # 100 in 2020, net zero by 2040: 5 a year by a straight line, which emits 100 · 19 / 2 = 950 after 2020;
    # the constant rate with the same budget is 2 / 21, and 100 (1 − r) / r = 950.
    p = emissions.net_zero_path([(2015, 120.0), (2020, 100.0)], 2040)
    assert p.linear_per_year == 5.0 and p.linear_share == pytest.approx(0.05)
    assert p.budget == pytest.approx(950.0) and p.constant_rate == pytest.approx(2 / 21)
    assert 100 * (1 - p.constant_rate) / p.constant_rate == pytest.approx(p.budget)
    assert emissions.budget_rate(100.0, 950.0) == pytest.approx(p.constant_rate)
    assert p.path_linear()[-1] == (2040, 0.0)
    # achieved: 4 a year (−3.58% a year) — both methods say off track, and agree
    assert p.achieved_per_year == pytest.approx(-4.0) and p.achieved_rate == pytest.approx((100 / 120) ** 0.2 - 1)
    assert (p.on_track_linear, p.on_track_constant, p.agree) == (False, False, True)


def test_net_zero_methods_can_disagree():
    # 150 → 100 over five years: 10 a year (≥ 5 needed) but 7.8% a year (< 9.5% needed)
    p = emissions.net_zero_path([(2015, 150.0), (2020, 100.0)], 2040)
    assert p.on_track_linear is True and p.on_track_constant is False and p.agree is False


def test_net_zero_edge_cases():
    late = emissions.net_zero_path([(2020, 100.0)], 2020)
    assert late.linear_per_year is None and "not after" in late.note
    one = emissions.net_zero_path([(2020, 100.0)], 2035)
    assert one.achieved_per_year is None and one.agree is None and "too few" in one.note


def test_log_mean_of_values_whose_logarithms_are_equal():
    # Hypothesis found a pair like this: 1e10 and the next float above it differ, but their logarithms
    # (about 23.03, where one step of a float is far larger than the difference) are equal
    a, b = 1e10, math.nextafter(1e10, 2e10)
    assert math.log(a) == math.log(b) and a != b
    assert emissions.log_mean(a, b) == pytest.approx(1e10)
