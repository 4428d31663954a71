"""Benchmark comparison: Fingertips' own unit tests reproduced, plus the no-interval rule.

The worked examples are those of ``ukhsa-collaboration/fingertips-open``,
``PholioVisualisationWS/AnalysisTest/SingleOverlappingCIsForOneCILevelComparatorTest.cs``,
``SingleOverlappingCIsForTwoCILevelsComparerTest.cs`` and ``SpcForProportionsComparerTest.cs``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.methods import (
    Comparison,
    InsufficientData,
    MethodError,
    Polarity,
    compare_ci_95,
    compare_ci_two_levels,
    compare_spc_proportion,
    compare_with_benchmark,
    compare_without_intervals,
)
from prosperity.methods.thresholds import FINGERTIPS_Z_99_8

HIGH = Polarity.HIGHER_IS_BETTER
LOW = Polarity.LOWER_IS_BETTER
NONE = Polarity.NO_JUDGEMENT


# --- SingleOverlappingCIsForOneCILevelComparatorTest ------------------------------------------------


def test_one_level_same_exactly():
    for polarity in (LOW, HIGH):
        assert compare_ci_95(11, 11, 10, 12, polarity).outcome is Comparison.SIMILAR


def test_one_level_same():
    result = compare_ci_95(3.05, 3.0, 2.7, 3.1, LOW)
    assert result.outcome is Comparison.SIMILAR
    assert result.significant is False
    assert result.method == "fingertips-ci-overlap-95"


def test_one_level_higher():
    assert compare_ci_95(3.3, 3.0, 3.2, 3.5, LOW).outcome is Comparison.WORSE
    assert compare_ci_95(3.3, 3.0, 3.2, 3.5, HIGH).outcome is Comparison.BETTER


def test_one_level_lower():
    assert compare_ci_95(2.5, 3.0, 2.2, 2.8, LOW).outcome is Comparison.BETTER
    assert compare_ci_95(2.5, 3.0, 2.2, 2.8, HIGH).outcome is Comparison.WORSE


def test_one_level_no_judgement_says_higher_or_lower():
    assert compare_ci_95(3.3, 3.0, 3.2, 3.5, NONE).outcome is Comparison.HIGHER
    assert compare_ci_95(2.5, 3.0, 2.2, 2.8, NONE).outcome is Comparison.LOWER
    assert "better" not in compare_ci_95(3.3, 3.0, 3.2, 3.5, NONE).explanation


def test_benchmark_on_the_limit_is_inside():
    # Fingertips: `val <= data.UpperCI95 && val >= data.LowerCI95`.
    assert compare_ci_95(3.3, 3.2, 3.2, 3.5, HIGH).outcome is Comparison.SIMILAR


def test_one_level_needs_both_limits():
    # TestNoCIsOnLocalDataReturnNoneSignificance: an interval with one limit cannot be used.
    with pytest.raises(InsufficientData):
        compare_ci_95(4.0, 3.0, None, 3.0, HIGH)  # type: ignore[arg-type]


# --- SingleOverlappingCIsForTwoCILevelsComparerTest (data: 2.3 / 2.5 / 2.6 / 2.7 / 2.9) -----------------


def _two(benchmark: float, polarity: Polarity):
    return compare_ci_two_levels(2.6, benchmark, 2.5, 2.7, 2.3, 2.9, polarity)


@pytest.mark.parametrize(
    ("benchmark", "low_is_good", "high_is_good", "level"),
    [
        (3.0, Comparison.BETTER, Comparison.WORSE, 0.998),  # Fingertips: Best / Worst
        (2.8, Comparison.BETTER, Comparison.WORSE, 0.95),  # Better / Worse
        (2.6, Comparison.SIMILAR, Comparison.SIMILAR, None),  # Same
        (2.4, Comparison.WORSE, Comparison.BETTER, 0.95),  # Worse / Better
        (2.2, Comparison.WORSE, Comparison.BETTER, 0.998),  # Worst / Best
    ],
)
def test_two_levels_fingertips_cases(benchmark, low_is_good, high_is_good, level):
    low, high = _two(benchmark, LOW), _two(benchmark, HIGH)
    assert (low.outcome, high.outcome) == (low_is_good, high_is_good)
    assert low.confidence_level == level == high.confidence_level


def test_two_levels_rejects_inconsistent_intervals():
    with pytest.raises(MethodError):
        compare_ci_two_levels(2.6, 3.0, 2.5, 2.7, 2.55, 2.9, HIGH)


# --- SpcForProportionsComparerTest -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "denominator", "at_95", "at_99_8"),
    [
        (7.7065767284991562, 5930, Comparison.BETTER, Comparison.BETTER),  # 5PP
        (9.8988121425428961, 2273, Comparison.SIMILAR, Comparison.SIMILAR),  # 5PN
        (12.474645030425965, 1972, Comparison.WORSE, Comparison.WORSE),  # 5PR
    ],
)
def test_spc_indicator_1_year_2010(value, denominator, at_95, at_99_8):
    benchmark = 8.9611086876279327
    assert compare_spc_proportion(value, denominator, benchmark, LOW).outcome is at_95
    assert compare_spc_proportion(value, denominator, benchmark, LOW, z=FINGERTIPS_Z_99_8).outcome is at_99_8


@pytest.mark.parametrize(
    ("value", "denominator", "at_95"),
    [(10.9783420463032, 1339, Comparison.BETTER), (15.9065628476085, 899, Comparison.WORSE)],  # 5PY, 5GC
)
def test_spc_indicator_514_year_2010_differs_by_level(value, denominator, at_95):
    benchmark = 12.8379546895717
    assert compare_spc_proportion(value, denominator, benchmark, LOW).outcome is at_95
    assert compare_spc_proportion(value, denominator, benchmark, LOW, z=FINGERTIPS_Z_99_8).outcome is (
        Comparison.SIMILAR
    )


@pytest.mark.parametrize("denominator", [0, -1])
def test_spc_denominator_invalid(denominator):
    with pytest.raises(InsufficientData):
        compare_spc_proportion(10, denominator, 10, LOW)


# --- Without intervals: never significant ------------------------------------------------------------


def test_without_intervals_reports_difference_and_ratio_only():
    result = compare_without_intervals(70.0, 75.0, HIGH)
    assert result.difference == -5.0
    assert result.ratio == pytest.approx(70 / 75)
    assert result.outcome is Comparison.NOT_COMPARED
    assert result.significance_tested is False
    assert "no claim" in result.explanation
    assert "significantly" not in result.explanation


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@given(value=finite, benchmark=finite, polarity=st.sampled_from(list(Polarity)))
def test_without_intervals_is_never_significant(value, benchmark, polarity):
    result = compare_with_benchmark(value, benchmark, polarity)
    assert result.significant is False
    assert result.outcome is Comparison.NOT_COMPARED
    assert result.confidence_level is None


def test_dispatcher_picks_the_richest_method():
    one = compare_with_benchmark(3.3, 3.0, HIGH, lower_95=3.2, upper_95=3.5)
    assert one.method == "fingertips-ci-overlap-95"
    two = compare_with_benchmark(2.6, 3.0, HIGH, lower_95=2.5, upper_95=2.7, lower_99_8=2.3, upper_99_8=2.9)
    assert two.method == "fingertips-ci-overlap-95-99.8"
    # One limit alone is not an interval: no significance claim.
    assert compare_with_benchmark(3.3, 3.0, HIGH, lower_95=3.2).significance_tested is False


@given(
    centre=st.floats(min_value=-1e6, max_value=1e6),
    half=st.floats(min_value=0, max_value=1e6),
    benchmark=st.floats(min_value=-1e6, max_value=1e6),
)
def test_polarity_swaps_better_and_worse(centre, half, benchmark):
    high = compare_ci_95(centre, benchmark, centre - half, centre + half, HIGH).outcome
    low = compare_ci_95(centre, benchmark, centre - half, centre + half, LOW).outcome
    swap = {Comparison.BETTER: Comparison.WORSE, Comparison.WORSE: Comparison.BETTER}
    assert low == swap.get(high, high)


def test_rejects_non_numbers():
    with pytest.raises(MethodError):
        compare_without_intervals(float("nan"), 1.0, HIGH)
