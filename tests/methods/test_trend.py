"""Trend marker against Fingertips' TrendMarkerCalculatorTest.cs, and direction of travel."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.methods import (
    Comparison,
    Direction,
    MethodError,
    Polarity,
    TrendMarker,
    TrendPoint,
    cagr,
    direction_of_travel,
    fingertips_trend_marker,
)

# ukhsa-collaboration/fingertips-open PholioVisualisationWS/AnalysisTest/TrendMarkerCalculatorTest.cs
SET_1 = [
    TrendPoint(2018, 30.6, 28.98, 32.25, 1367, 44701),
    TrendPoint(2017, 30.2, 28.63, 31.9, 1332, 44064),
    TrendPoint(2016, 28, 26.44, 29.64, 1199, 42811),
    TrendPoint(2015, 24.6, 23.15, 26.19, 1023, 41527),
    TrendPoint(2014, 24.67, 23.16, 26.25, 994, 40299),
]
SET_2 = [
    TrendPoint(2014, 20.5506, 18.1803, 23.1427, 209, 1017),
    TrendPoint(2015, 19.5952, 17.3444, 22.0602, 213, 1087),
    TrendPoint(2016, 19.0349, 16.8421, 21.4394, 213, 1119),
    TrendPoint(2017, 21.3966, 19.0918, 23.8975, 239, 1117),
    TrendPoint(2018, 18.4372, 16.2925, 20.7941, 210, 1139),
]
PROPORTIONS_SET_2 = [
    TrendPoint(2012, 100, 0, 0, 5, 5),
    TrendPoint(2013, 60, 0, 0, 3, 5),
    TrendPoint(2014, 20, 0, 0, 1, 5),
    TrendPoint(2015, 25, 0, 0, 1, 4),
    TrendPoint(2016, 50, 0, 0, 2, 4),
]


def test_is_significant_returns_true():
    # TestIsSignificantReturnsTrue: Math.Round(ChiSquare, 2) == 46.77
    result = fingertips_trend_marker(SET_1, Polarity.HIGHER_IS_BETTER)
    assert round(result.chi_square, 2) == 46.77
    assert result.marker is TrendMarker.INCREASING
    assert result.judgement is Comparison.BETTER
    assert result.periods_used == (2014, 2015, 2016, 2017, 2018)
    assert len(result.leave_one_out_slopes) == 6 and result.signs_agree


def test_is_significant_returns_false():
    result = fingertips_trend_marker(SET_2, Polarity.HIGHER_IS_BETTER)
    assert result.marker is TrendMarker.NO_SIGNIFICANT_CHANGE
    assert result.judgement is Comparison.NOT_COMPARED


def test_is_significant_for_proportions_returns_true():
    # TestIsSignificantForProportionsReturnsTrue: Math.Round(ChiSquare, 2) == 47.9
    result = fingertips_trend_marker(SET_1, Polarity.LOWER_IS_BETTER, kind="proportion")
    assert round(result.chi_square, 2) == 47.9
    assert result.marker is TrendMarker.INCREASING
    assert result.judgement is Comparison.WORSE


def test_proportions_cannot_be_calculated_when_count_equals_denominator():
    # TestIsSignificantForProportionsCannotBeCalculated
    result = fingertips_trend_marker(PROPORTIONS_SET_2, Polarity.HIGHER_IS_BETTER, kind="proportion")
    assert result.marker is TrendMarker.CANNOT_BE_CALCULATED
    assert result.chi_square is None


def test_no_judgement_gives_direction_only():
    result = fingertips_trend_marker(SET_1, Polarity.NO_JUDGEMENT)
    assert result.judgement is Comparison.HIGHER


def test_fewer_than_five_points():
    result = fingertips_trend_marker(SET_1[:4], Polarity.HIGHER_IS_BETTER)
    assert result.marker is TrendMarker.CANNOT_BE_CALCULATED
    assert "Not enough" in result.message


def test_empty_series():
    assert fingertips_trend_marker([], Polarity.HIGHER_IS_BETTER).marker is TrendMarker.CANNOT_BE_CALCULATED


def test_missing_interval_breaks_the_run():
    # A point without an interval in the most recent five leaves fewer than 5 unbroken valid points.
    broken = [*SET_1[1:], TrendPoint(2018, 30.6)]
    result = fingertips_trend_marker(broken, Polarity.HIGHER_IS_BETTER)
    assert result.marker is TrendMarker.CANNOT_BE_CALCULATED


def test_older_invalid_points_are_ignored_and_only_last_five_used():
    longer = [TrendPoint(2012, 10.0), TrendPoint(2013, 99.0, 98.0, 100.0), *SET_1]
    result = fingertips_trend_marker(longer, Polarity.HIGHER_IS_BETTER)
    assert result.periods_used == (2014, 2015, 2016, 2017, 2018)
    assert round(result.chi_square, 2) == 46.77


def test_an_outlier_that_flips_the_slope_blocks_significance():
    # Flat series with one extreme last point: χ² is large but leaving that point out flips the slope.
    points = [
        TrendPoint(2014, 10.0, 9.9, 10.1),
        TrendPoint(2015, 10.2, 10.1, 10.3),
        TrendPoint(2016, 10.1, 10.0, 10.2),
        TrendPoint(2017, 10.0, 9.9, 10.1),
        TrendPoint(2018, 15.0, 14.9, 15.1),
    ]
    result = fingertips_trend_marker(points, Polarity.HIGHER_IS_BETTER)
    assert result.chi_square > 9.5495
    assert result.signs_agree is False
    assert result.marker is TrendMarker.NO_SIGNIFICANT_CHANGE


def test_duplicate_periods_are_refused():
    with pytest.raises(MethodError):
        fingertips_trend_marker([*SET_1, SET_1[0]], Polarity.HIGHER_IS_BETTER)


# --- direction of travel ------------------------------------------------------------------------------


def test_direction_of_travel_with_cagr():
    result = direction_of_travel([(2015, 100.0), (2016, 104.0), (2017, 121.0)], Polarity.HIGHER_IS_BETTER)
    assert result.direction is Direction.INCREASING
    assert result.judgement is Comparison.BETTER
    assert result.cagr == pytest.approx(0.1)  # (121/100)**(1/2) - 1
    assert result.significance_tested is False
    assert "no claim" in result.explanation


def test_direction_of_travel_lower_is_better_and_threshold():
    down = direction_of_travel([(2019, 8.0), (2023, 6.0)], Polarity.LOWER_IS_BETTER)
    assert (down.direction, down.judgement) == (Direction.DECREASING, Comparison.BETTER)
    flat = direction_of_travel(
        [(2019, 100.0), (2023, 100.4)], Polarity.HIGHER_IS_BETTER, min_relative_change=0.01
    )
    assert flat.direction is Direction.NO_CHANGE


def test_direction_of_travel_zero_base_has_no_cagr():
    result = direction_of_travel([(2019, 0.0), (2023, 5.0)], Polarity.HIGHER_IS_BETTER)
    assert result.cagr is None and result.cagr_note
    assert result.percent_change is None


def test_direction_of_travel_needs_two_points():
    with pytest.raises(MethodError):
        direction_of_travel([(2019, 1.0)], Polarity.HIGHER_IS_BETTER)
    with pytest.raises(MethodError):
        direction_of_travel([], Polarity.HIGHER_IS_BETTER)


@pytest.mark.parametrize(("y0", "y1"), [(0, 5), (5, 0), (-1, 2)])
def test_cagr_undefined_cases(y0, y1):
    assert cagr(y0, y1, 2015, 2020) is None


@given(
    st.floats(min_value=0.01, max_value=1e6),
    st.floats(min_value=-0.5, max_value=0.5),
    st.integers(min_value=1, max_value=40),
)
def test_cagr_inverts_compound_growth(base, rate, years):
    assert cagr(base, base * (1 + rate) ** years, 2000, 2000 + years) == pytest.approx(rate, abs=1e-9)
