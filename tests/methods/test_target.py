"""Progress to target: Open SDG's published score cut-offs, decrease targets, DNS linear projection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.methods import (
    InsufficientData,
    MethodError,
    Polarity,
    Target,
    TargetKind,
    WeatherSymbol,
    assess_target,
    linear_projection_status,
    open_sdg_indicator_progress,
    open_sdg_progress,
    required_annual_rate,
    resolve_target,
    year_target_reached,
)
from prosperity.methods.progress_opensdg import get_progress_status_from_score

HIGH, LOW = Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER


def _growth_series(rate: float, years: int = 5, base: float = 100.0, start: int = 2015):
    return [(start + i, base * (1 + rate) ** i) for i in range(years + 1)]


# --- Open SDG: the score transformation published in docs/progress-methodology.md (Figures 1 and 2) ----


@pytest.mark.parametrize(
    ("cagr", "score", "status"),
    [
        (0.02, 5.0, "substantial_progress"),  # "Beyond progress values of 2% ... the score is 5"
        (0.0175, 3.75, "substantial_progress"),  # linear from 2.5 at 1.5% to 5 at 2%
        (0.01, 1.25, "moderate_progress"),  # linear from 0 at 0.5% to 2.5 at 1.5%
        (0.0025, -1.25, "limited_progress"),  # linear from -2.5 at 0% to 0 at 0.5%
        (0.0, -2.5, "limited_progress"),
        (-0.02, -5.0, "deterioration"),  # "less than or equal to -2%, the score is -5"
    ],
)
def test_no_target_score_figure_1(cagr, score, status):
    result = open_sdg_progress(_growth_series(cagr), direction="positive")
    assert result.method == "open-sdg-cagr-no-target"
    assert result.progress_value == pytest.approx(cagr, abs=1e-12)
    assert result.score == pytest.approx(score, abs=1e-6)
    assert result.status == status


@pytest.mark.parametrize(
    ("ratio", "score"),
    [(1.3, 5.0), (0.6, 0.0), (0.0, -2.5), (-0.6, -5.0)],  # "130% → +5", "60% → 0", "-60% → -5"
)
def test_target_score_figure_2(ratio, score):
    # Required CAGR 2%/yr from 100 in 2015 to the 2030 target; observed CAGR = ratio × 2%.
    target = 100 * 1.02**15
    result = open_sdg_progress(_growth_series(0.02 * ratio), direction="positive", target=target)
    assert result.cagr_required == pytest.approx(0.02)
    assert result.progress_value == pytest.approx(ratio, abs=1e-9)
    assert result.score == pytest.approx(score, abs=1e-3)


def test_indicator_score_of_one_is_moderate():
    # docs: "the aggregate progress status for an indicator with an overall score of +1 is 'Progress made
    # but acceleration needed'".
    assert get_progress_status_from_score(1.0) == "moderate_progress"


def test_increase_target_worked_example():
    result = open_sdg_progress([(2015, 100.0), (2020, 110.0)], direction="positive", target=150.0)
    assert result.cagr_observed == pytest.approx(1.1**0.2 - 1)
    assert result.cagr_required == pytest.approx(1.5 ** (1 / 15) - 1)
    assert result.progress_value == pytest.approx(0.70238, abs=1e-5)
    assert result.status == "moderate_progress"
    assert result.label == "Progress made but acceleration needed"


def test_decrease_target_direction_negative():
    result = open_sdg_progress([(2015, 20.0), (2020, 16.0)], direction="negative", target=10.0)
    # sign·d·CAGR_o/|CAGR_r| = 1·(−1)·(0.8^0.2 − 1)/|0.5^(1/15) − 1|
    assert result.progress_value == pytest.approx(-(0.8**0.2 - 1) / abs(0.5 ** (1 / 15) - 1))
    assert result.status == "substantial_progress"
    achieved = open_sdg_progress([(2015, 20.0), (2020, 9.0)], direction="negative", target=10.0)
    assert achieved.status == "target_achieved" and achieved.score == 5


def test_zero_target_and_base_are_substituted_and_recorded():
    result = open_sdg_progress([(2015, 100.0), (2020, 80.0)], direction="negative", target=0)
    assert result.target == 0.001
    assert any("target 0" in s for s in result.substitutions)
    base_zero = open_sdg_progress([(2015, 0.0), (2020, 5.0)], direction="positive")
    assert base_zero.base_value == 0.001 and base_zero.substitutions


def test_base_year_moves_forward_and_opposite_signs_are_refused():
    result = open_sdg_progress([(2017, 10.0), (2020, 12.0)], direction="positive")
    assert result.base_year == 2017
    flipped = open_sdg_progress([(2015, 10.0), (2020, -2.0)], direction="positive")
    assert flipped.status == "not_available" and flipped.progress_value is None


def test_one_point_and_empty_are_not_available():
    assert open_sdg_progress([(2020, 5.0)], direction="positive").status == "not_available"
    assert open_sdg_progress([], direction="positive").status == "not_available"
    with pytest.raises(MethodError):
        open_sdg_progress([(2020, 5.0), (2020, 6.0)])


def test_limit_at_base_value_gives_full_score():
    # docs: base value equal to the natural limit → C = 0; CAGR >= 0 → "On track", score +5.
    result = open_sdg_progress([(2015, 100.0), (2020, 100.0)], direction="positive", limit=100.0)
    assert result.coefficient == 0
    assert (result.status, result.score) == ("substantial_progress", 5.0)


def test_indicator_needs_all_series_achieved():
    a = open_sdg_progress([(2015, 20.0), (2020, 9.0)], target=10.0)
    b = open_sdg_progress([(2015, 20.0), (2020, 16.0)], target=10.0)
    both = open_sdg_indicator_progress([a, b])
    assert both.target_achieved is False
    assert both.score == pytest.approx((5 + b.score) / 2)
    assert open_sdg_indicator_progress([a, a]).status == "target_achieved"


# --- German DNS linear projection -----------------------------------------------------------------------


def test_net_zero_gets_a_status_by_linear_projection():
    emissions = [(2015, 100.0), (2016, 95.0), (2017, 90.0), (2018, 85.0), (2019, 80.0), (2020, 75.0)]
    result = assess_target(Target(TargetKind.ZERO, 2040), emissions, LOW)
    assert result.open_sdg is None  # CAGR cannot handle zero
    assert result.preferred == "dns-linear-projection"
    assert result.linear.annual_change == -5.0
    assert result.linear.projected_value == -25.0
    assert result.linear.symbol is WeatherSymbol.SUN and result.linear.on_track
    assert result.year_reached.year == 2035
    assert result.required.absolute_per_year == pytest.approx(-75 / 20)
    assert result.required.compound_per_year is None


@pytest.mark.parametrize(
    ("last", "symbol"),
    [
        (90.0, WeatherSymbol.CLOUD),
        (69.0, WeatherSymbol.SUN_BEHIND_CLOUD),  # misses by 7: 10% of the gap of 69
        (67.0, WeatherSymbol.SUN),  # misses by 1: 1.5% of the gap
        (101.0, WeatherSymbol.THUNDERSTORM),
    ],
)
def test_dns_symbols(last, symbol):
    # Six points from 100 to `last`, target 0 in 2030: projection 3·last − 200,
    # so the miss is (3·last − 200)/last of the gap.
    series = [(2015 + i, 100 + (last - 100) * i / 5) for i in range(6)]
    result = linear_projection_status(series, 0.0, 2030, LOW)
    assert result.symbol is symbol


def test_dns_needs_four_points_in_five_years():
    result = linear_projection_status([(2010, 5.0), (2019, 4.0), (2020, 3.0)], 0.0, 2030, LOW)
    assert result.symbol is WeatherSymbol.NOT_ASSESSED


# --- target kinds, required rate, year reached -------------------------------------------------------------


def test_change_from_baseline():
    resolved = resolve_target(
        Target(TargetKind.CHANGE_FROM_BASELINE, 2030, value=0.10, baseline_year=2019),
        [(2019, 200.0), (2022, 205.0)],
        HIGH,
    )
    assert resolved.value == pytest.approx(220.0)
    with pytest.raises(InsufficientData):
        resolve_target(Target(TargetKind.CHANGE_FROM_BASELINE, 2030, 0.1, 2018), [(2019, 1.0)], HIGH)


def test_ratio_to_benchmark_uses_the_benchmark_series():
    area = [(2019, 70.0), (2020, 71.0), (2021, 72.0), (2022, 73.0), (2023, 74.0)]
    england = [(2019, 75.0), (2020, 75.0), (2021, 75.0), (2022, 75.0), (2023, 75.0)]
    result = assess_target(
        Target(TargetKind.RATIO_TO_BENCHMARK, 2030, value=1.0),
        area,
        HIGH,
        benchmark_series=england,
        base_year=2019,
    )
    assert result.resolved.series[0] == (2019, pytest.approx(70 / 75))
    assert result.preferred == "open-sdg-cagr-ratio"
    assert result.open_sdg.status == "substantial_progress"
    with pytest.raises(InsufficientData):
        resolve_target(Target(TargetKind.RATIO_TO_BENCHMARK, 2030, value=1.0), area, HIGH)


def test_range_target():
    inside = assess_target(
        Target(TargetKind.RANGE, 2030, lower=2.0, upper=3.0),
        [(2019, 2.5), (2020, 2.6), (2021, 2.5), (2022, 2.4)],
        Polarity.NO_JUDGEMENT,
    )
    assert inside.within_range is True
    below = resolve_target(Target(TargetKind.RANGE, 2030, lower=2.0, upper=3.0), [(2022, 1.0)], LOW)
    assert (below.value, below.polarity) == (2.0, HIGH)


def test_required_rate_worked_example():
    rate = required_annual_rate(2023, 70.0, 75.0, 2030)
    assert rate.absolute_per_year == pytest.approx(5 / 7)
    assert rate.compound_per_year == pytest.approx((75 / 70) ** (1 / 7) - 1)
    assert required_annual_rate(2023, 70.0, 75.0, 2020).absolute_per_year is None


def test_year_reached_compound_and_never():
    series = _growth_series(0.10, base=100.0, start=2015)  # 161.05 in 2020
    assert year_target_reached(series, 200.0, model="compound").year == 2023  # 1.1^8 = 2.14
    assert year_target_reached([(2015 + i, 10.0 - i) for i in range(6)], 20.0).year is None


def test_no_judgement_target_is_refused():
    with pytest.raises(MethodError):
        assess_target(Target(TargetKind.LEVEL, 2030, 1.0), [(2020, 1.0)], Polarity.NO_JUDGEMENT)


@given(st.floats(min_value=1, max_value=1e6), st.floats(min_value=1, max_value=1e6), st.integers(1, 30))
def test_required_rates_reach_the_target(current, target, years):
    rate = required_annual_rate(2020, current, target, 2020 + years)
    assert current + rate.absolute_per_year * years == pytest.approx(target)
    assert current * (1 + rate.compound_per_year) ** years == pytest.approx(target)
