"""The written rules (prosperity.assess.status) and the methods they use, on the sources' own definitions."""

from __future__ import annotations

import pytest

from prosperity.assess import status as st
from prosperity.methods import (
    Polarity,
    RuleOutcome,
    Target,
    TargetKind,
    WeatherSymbol,
    assess_gap_target,
    assess_target,
    deadline_status,
    direction_rule,
    linear_projection_status,
)
from prosperity.methods.deprivation import IOD2019_LSOAS, extent_weight, national_percentile

HIGH, LOW = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER


# --- German sustainability strategy (dns-indikatoren.de/en/status): the projected miss as a share of the gap ---
@pytest.mark.parametrize(("annual_change", "symbol", "status"), [
    (-1.0, WeatherSymbol.SUN, st.ON_TRACK),  # reaches the target: "reached or missed by less than 5%" (on-track)
    (-0.96, WeatherSymbol.SUN, st.ON_TRACK),  # misses by 4% of the gap
    (-0.95, WeatherSymbol.SUN_BEHIND_CLOUD, st.ON_TRACK),  # misses by 5%: "at least 5% ... (on-track indicator)"
    (-0.80, WeatherSymbol.SUN_BEHIND_CLOUD, st.ON_TRACK),  # misses by 20%: "no more than 20%" (on-track)
    (-0.79, WeatherSymbol.CLOUD, st.OFF_TRACK),  # misses by 21%: "desired direction ... more than 20%" (off-track)
    (0.10, WeatherSymbol.THUNDERSTORM, st.OFF_TRACK),  # "not developing in the desired direction" (off-track)
])
def test_dns_symbols_and_their_status(annual_change, symbol, status):
    # From 10 in 2020, six annual points, to a target of 0 in 2030: the gap is 10, ten years to go.
    series = [(2015 + i, 10 - annual_change * (5 - i)) for i in range(6)]
    r = linear_projection_status(series, 0.0, 2030, LOW)
    assert r.symbol is symbol
    assert st.target_status(method=r.method, outcome=r.symbol.value, achieved=r.target_achieved) == status


def test_dns_needs_four_points_in_the_last_five_years():
    assert linear_projection_status([(2018, 5.0), (2019, 4.0), (2020, 3.0)], 0, 2030, LOW).symbol \
        is WeatherSymbol.NOT_ASSESSED  # fmt: skip
    assert linear_projection_status([(2017, 5.0), (2018, 4.5), (2019, 4.0), (2020, 3.0)], 0, 2030, LOW).symbol \
        is not WeatherSymbol.NOT_ASSESSED  # fmt: skip


def test_a_quantity_that_cannot_be_negative_is_projected_no_lower_than_zero():
    series = [(2015 + i, 6.0 - i) for i in range(6)]  # 1.0 in 2020, falling 1 a year
    free = linear_projection_status(series, 0.0, 2030, LOW)
    floored = linear_projection_status(series, 0.0, 2030, LOW, floor=0.0)
    assert free.projected_value == pytest.approx(-9.0) and floored.projected_value == 0.0
    assert floored.symbol is WeatherSymbol.SUN


def test_open_sdg_statuses_map_to_the_agreed_words():
    assert st.target_status(method="open-sdg-cagr-ratio", outcome="target_achieved") == st.MET
    assert st.target_status(method="open-sdg-cagr-ratio", outcome="substantial_progress") == st.ON_TRACK
    for outcome in ("moderate_progress", "limited_progress", "deterioration"):
        assert st.target_status(method="open-sdg-cagr-ratio", outcome=outcome) == st.OFF_TRACK
    assert st.target_status(method="open-sdg-cagr-ratio", outcome="not_available") is None


# --- UN Progress Chart (EUSTAT, reference §9.3): "a past target year is evaluated at that year" ----------------
def test_a_past_deadline_is_met_or_missed_on_the_deadline_year():
    series = [(2016, 50.0), (2017, 55.0), (2018, 58.0), (2019, 61.0), (2020, 64.0), (2021, 70.0)]
    missed = deadline_status(series, 65.0, 2020, HIGH)
    assert missed.value == 64.0 and missed.met is False
    assert deadline_status(series, 60.0, 2020, HIGH).met is True
    assert deadline_status(series, 60.0, 2014, HIGH).met is None  # no figure for the deadline year
    r = assess_target(Target(TargetKind.LEVEL, 2020, value=65.0), series, HIGH)
    assert r.deadline is not None and r.deadline.met is False
    assert st.target_status(method="x", outcome="substantial_progress", deadline_met=r.deadline.met) == st.MISSED


# --- the direction rule (three comparable points, 0.5% a year) ----------------------------------------------
def test_direction_rule_needs_three_points_and_a_material_change():
    assert direction_rule([(2023, 28.82), (2024, 28.81)], LOW).outcome is RuleOutcome.TOO_FEW_POINTS
    flat = direction_rule([(2013, 102.2), (2017, 100.6), (2021, 101.5)], HIGH)  # ONS TLD7 real-terms index
    assert flat.outcome is RuleOutcome.NO_CLEAR_CHANGE and flat.cagr == pytest.approx((101.5 / 102.2) ** 0.125 - 1)
    up = direction_rule([(2010, 100.0), (2015, 103.0), (2020, 106.0)], HIGH)
    assert up.outcome is RuleOutcome.INCREASING and up.judgement.value == "better"
    assert direction_rule([(2010, 100.0), (2015, 103.0), (2020, 106.0)], LOW).judgement.value == "worse"
    assert direction_rule([(2010, 1.0), (2015, 0.0), (2020, -1.0)], HIGH).outcome is RuleOutcome.UNDEFINED


def test_judge_trend_follows_the_written_rules():
    up = direction_rule([(2010, 100.0), (2015, 103.0), (2020, 106.0)], HIGH)
    assert st.judge_trend(HIGH, direction=up).status == st.IMPROVING
    assert st.judge_trend(HIGH, direction=up, cash_terms=True).status == st.NOT_JUDGED
    assert st.judge_trend(HIGH, direction=up, stand_in=True).status == st.NOT_JUDGED
    assert st.judge_trend(Polarity.NO_JUDGEMENT, direction=direction_rule(
        [(2010, 100.0), (2015, 103.0), (2020, 106.0)], Polarity.NO_JUDGEMENT)).status == st.NOT_JUDGED
    assert st.judge_trend(HIGH, direction=None).status == st.TOO_FEW_POINTS


def test_fingertips_eligibility():
    annual = [(12, 0)] * 5
    assert st.fingertips_eligibility(annual, [2019, 2020, 2021, 2022, 2023], [True] * 5).eligible
    gap = st.fingertips_eligibility(annual, [2018, 2019, 2021, 2022, 2023], [True] * 5)
    assert not gap.eligible and "never bridged" in gap.reason
    overlap = st.fingertips_eligibility([(36, 0)] * 5, [2019, 2020, 2021, 2022, 2023], [True] * 5)
    assert not overlap.eligible and "overlapping" in overlap.reason
    assert not st.fingertips_eligibility(annual[:4], [2020, 2021, 2022, 2023], [True] * 4).eligible
    assert not st.fingertips_eligibility(annual, [2019, 2020, 2021, 2022, 2023], [True, True, False, True, True]).eligible


def test_price_basis():
    assert st.price_basis("£ per hour, current prices") == "current prices"
    assert st.price_basis("£ per week") == "current prices"  # a money unit without a stated basis is cash
    assert st.price_basis("£ million, chained volume measures in 2019 money value") == "real terms"
    assert st.price_basis("£ million (2019 prices)") == "real terms"
    assert st.price_basis("% of children") is None


# --- targets relative to a benchmark ----------------------------------------------------------------------
def test_close_gap_target_gives_the_gap_its_trend_and_the_year_it_closes():
    area = [(2015 + i, 90.0 + i) for i in range(9)]  # 90 ... 98
    bench = [(2015 + i, 100.0) for i in range(9)]
    g = assess_gap_target(Target(TargetKind.CLOSE_GAP, None, value=100.0), area, HIGH, bench)
    assert g.index == 98.0 and g.gap == -2.0 and not g.achieved
    assert g.trend.outcome is RuleOutcome.INCREASING
    assert g.year_reached.year == 2025 and g.dated is None
    dated = assess_gap_target(Target(TargetKind.CLOSE_GAP, 2030, value=100.0), area, HIGH, bench)
    assert dated.dated is not None and dated.dated.linear.symbol is WeatherSymbol.SUN


# --- MHCLG extent (IoD2019 Technical report, Appendix N) ------------------------------------------------------
def test_extent_weights():
    n = IOD2019_LSOAS
    assert national_percentile(3284, n) == 10 and national_percentile(3285, n) == 11
    assert extent_weight(1, n) == 1.0 and extent_weight(3284, n) == 1.0
    assert extent_weight(3285, n) == pytest.approx(0.95)  # the 11th percentile
    assert extent_weight(9853, n) == pytest.approx(0.05)  # the 30th percentile
    assert extent_weight(9854, n) == 0.0
