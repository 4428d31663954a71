"""Business survival for the combined authority: ONS's survival rates weighted by each year's births, whose number
is ONS's birth rate times its count of active enterprises (both in the business demography file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.warehouse import Warehouse
from tests.sources.helpers import assessment, obs

LCR = ("E08000012", "E06000006", "E08000011", "E08000013", "E08000014", "E08000015")


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w


def test_births_are_whole_numbers_from_the_rate_and_active_enterprises(wh):
    # Liverpool 2021: 17,085 active enterprises, birth rate 16.008% → 2,735 births (ONS's counts are rounded to 5)
    assert obs(wh, "active-businesses", "E08000012", "2021-01-01/P1Y")["value"] == 17_085
    assert obs(wh, "business-births-number", "E08000012", "2021-01-01/P1Y")["value"] == 2_735
    for la in LCR:
        n = obs(wh, "business-births-number", la, "2021-01-01/P1Y")["value"]
        assert n % 5 == 0


def test_three_year_survival_for_the_city_region_is_survivors_over_births(wh, warehouse_path: Path):
    """Businesses born in 2021 and active three years on, city region = Σ survivors / Σ births over its six
    councils (never a mean of their rates): 3,545 of 7,450 = 47.58%."""
    births = survivors = 0.0
    for la in LCR:
        b = obs(wh, "business-births-number", la, "2021-01-01/P1Y")["value"]
        births += b
        survivors += b * obs(wh, "three-year-survival-rate", la, "2021-01-01/P1Y")["value"] / 100
    assert (round(births), round(survivors)) == (7_450, 3_545)
    a = assessment(warehouse_path, "business-survival-3-year", "E47000004")
    assert a["period"] == "2021-01-01/P1Y" and a["figure_area"] == "E47000004"
    assert a["value"] == pytest.approx(100 * 3_545 / 7_450, abs=1e-9)
