"""Wilson and Byar's intervals against PHEindicatormethods' published unit-test values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.methods import MethodError, byars_interval, exact_poisson_interval, wilson_interval

# PHEindicatormethods tests/testthat/testdata_Byars_Wilson.xlsx (ukhsa-collaboration/PHEindicatormethods
# @ 093fd288): x, n, lower, upper, confidence.
BYARS_CASES = [
    (65, 50.163187710459454, 82.84913854593984, 0.95),
    (1045, 982.5932018073325, 1110.33121298565, 0.95),
    (65, 42.8802614714802, 94.00029084431802, 0.998),
    (1045, 947.9407035610374, 1148.806160988033, 0.998),
    (10, 2.916318374695686, 24.193724927880535, 0.998),
]
WILSON_CASES = [
    (65, 100, 0.5525444329688797, 0.7363575175690247, 0.95),
    (1045, 5000, 0.19795549880013297, 0.22049130373189027, 0.95),
    (0.445, 1, 0.04381744772058822, 0.9334621276979156, 0.95),
    (65, 100, 0.4954946574070431, 0.7783540614089697, 0.998),
    (1045, 5000, 0.19179381799015244, 0.22731562902525818, 0.998),
    (0.445, 1, 0.019347006132900975, 0.9702259947019541, 0.998),
]


@pytest.mark.parametrize(("count", "lower", "upper", "confidence"), BYARS_CASES)
def test_byars_matches_phe_indicator_methods(count, lower, upper, confidence):
    result = byars_interval(count, confidence)
    assert result.method == "byars"
    assert result.lower == pytest.approx(lower, rel=1e-9)
    assert result.upper == pytest.approx(upper, rel=1e-9)


def test_byars_formula_for_one_event_when_exact_is_off():
    # Same test data, x = 1 at 95%: PHEindicatormethods' byars_lower/byars_upper apply Byar's formula.
    result = byars_interval(1, exact_for_small_counts=False)
    assert result.lower == pytest.approx(0.01307213290150435, rel=1e-9)
    assert result.upper == pytest.approx(5.5637555824752605, rel=1e-9)
    with pytest.raises(MethodError):  # the test data give no lower limit for x = 1 at 99.8%
        byars_interval(1, 0.998, exact_for_small_counts=False)


@pytest.mark.parametrize(("count", "denominator", "lower", "upper", "confidence"), WILSON_CASES)
def test_wilson_matches_phe_indicator_methods(count, denominator, lower, upper, confidence):
    result = wilson_interval(count, denominator, confidence)
    assert result.lower == pytest.approx(lower, rel=1e-9)
    assert result.upper == pytest.approx(upper, rel=1e-9)


def test_exact_poisson_for_small_counts():
    # Garwood's exact 95% limits for 5 events are 1.6235 and 11.6683 (standard tables).
    result = byars_interval(5)
    assert result.method == "exact-poisson"
    assert result.lower == pytest.approx(1.6235, abs=1e-4)
    assert result.upper == pytest.approx(11.6683, abs=1e-4)
    zero = exact_poisson_interval(0)
    assert zero.lower == 0.0
    assert zero.upper == pytest.approx(3.6889, abs=1e-4)


@pytest.mark.parametrize(("count", "denominator"), [(-1, 10), (11, 10), (1, 0)])
def test_wilson_rejects_impossible_proportions(count, denominator):
    with pytest.raises(MethodError):
        wilson_interval(count, denominator)


def test_byars_rejects_fractional_small_counts():
    with pytest.raises(MethodError):
        byars_interval(2.5)


@given(st.integers(min_value=1, max_value=10**6), st.data())
def test_wilson_interval_contains_the_proportion(denominator, data):
    count = data.draw(st.integers(min_value=0, max_value=denominator))
    result = wilson_interval(count, denominator)
    assert -1e-12 <= result.lower <= count / denominator + 1e-12
    assert count / denominator <= result.upper + 1e-12 <= 1.0 + 2e-12


@given(st.floats(min_value=10, max_value=1e7))
def test_byars_interval_contains_the_count(count):
    result = byars_interval(count)
    assert result.lower < count < result.upper
