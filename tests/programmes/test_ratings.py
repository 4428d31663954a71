"""The computed ratings: pure functions reproducing the funds' published tolerances and the worked bands."""

from __future__ import annotations

from datetime import date

import pytest

from prosperity.programmes import ratings as r
from prosperity.programmes.funds import funds


@pytest.mark.parametrize(("fund", "change", "beyond"), [
    ("ukspf", 0.19, False), ("ukspf", 0.21, True),  # UKSPF: more than 20% needs a project adjustment request
    ("towns-fund", 0.29, False), ("towns-fund", 0.31, True),  # Towns Fund: more than 30% needs the Department
])  # fmt: skip
def test_change_against_the_funds_tolerance(fund: str, change: float, beyond: bool) -> None:
    share, breached = r.change_against_tolerance(100.0, 100.0 * (1 - change), funds()[fund].tolerance)
    assert share == pytest.approx(change)
    assert breached is beyond


def test_no_published_tolerance_means_no_verdict() -> None:
    assert funds()["integrated-settlement"].tolerance is None
    assert r.change_against_tolerance(100, 50, None) == (0.5, None)
    v = r.forecast_variance(100_00, 150_00, None)
    assert (v.value, v.rag) == (0.5, None)
    assert "not rated" in v.text


@pytest.mark.parametrize(("outturn", "rag"), [(104_00, "green"), (95_01, "green"), (105_00, "amber"),
                                              (119_00, "amber"), (120_00, "red"), (70_00, "red")])  # fmt: skip
def test_forecast_variance_bands(outturn: int, rag: str) -> None:
    assert r.forecast_variance(100_00, outturn, 0.20).rag == rag


def test_capital_slip_is_red_where_the_fund_forbids_it() -> None:
    slip = r.capital_slip("2025-26", budget=100_00, outturn=80_00, later_budget=50_00, later_forecast=75_00)
    assert slip is not None and slip.amount == 20_00
    assert r.capital_slip("2025-26", 100_00, 80_00, 50_00, 50_00) is None  # the underspend does not reappear later
    assert r.forecast_variance(100_00, 99_00, 0.20, capital_slip=True, no_slip_rule=True).rag == "red"
    assert r.forecast_variance(100_00, 99_00, 0.30, capital_slip=True, no_slip_rule=False).rag == "green"


@pytest.mark.parametrize(("actual", "rag"), [(90, "green"), (89, "amber"), (75, "amber"), (74, "red"), (130, "green"),
                                             (131, "red")])  # fmt: skip
def test_spend_against_profile(actual: int, rag: str) -> None:
    assert r.spend_profile_index(actual * 100, 100_00, 0.30).rag == rag


@pytest.mark.parametrize(("achieved", "rag"), [(9, "green"), (8, "amber"), (7, "amber"), (6, "red")])
def test_outputs_against_profile(achieved: int, rag: str) -> None:
    assert r.output_delivery_index(achieved, 10, "jobs").rag == rag
    assert r.output_delivery_index(achieved, 0, "jobs").rag is None


@pytest.mark.parametrize(("impact", "likelihood", "rag"), [(5, 3, "red"), (6, 4, "red"), (4, 2, "amber"), (2, 4, "amber"),
                                                           (3, 2, "green")])  # fmt: skip
def test_risk_scores(impact: int, likelihood: int, rag: str) -> None:
    assert r.risk_rating(impact, likelihood).rag == rag


def test_declared_and_computed_disagree_only_at_opposite_ends() -> None:
    assert r.disagrees("green", "red") and r.disagrees("amber/green", "red") and r.disagrees("red", "green")
    assert not r.disagrees("amber", "red") and not r.disagrees("green", "amber") and not r.disagrees(None, "red")


def test_profile_to_date_is_pro_rata() -> None:
    periods = [(date(2025, 4, 1), date(2026, 3, 31), 365.0)]
    assert r.prorated(periods, date(2025, 4, 30)) == pytest.approx(30)
    assert r.prorated(periods, date(2026, 6, 1)) == 365
    assert r.prorated(periods, date(2025, 3, 1)) == 0
