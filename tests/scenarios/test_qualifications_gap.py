"""The qualifications gap that runs on the data held: ONS's published level 3 or above shares for the city region
and for England (Explore Local Statistics), and Nomis APS table T01's count of the city region's residents aged 16
to 64. England's figure is the publisher's own, never one built from councils."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.scenarios import load_scenario, run_scenario, shipped_scenarios_path, write_results
from prosperity.warehouse import Warehouse

FILE = shipped_scenarios_path() / "level-3-qualifications-gap.yaml"


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w


@pytest.fixture(scope="module")
def result(wh: Warehouse) -> dict:
    return run_scenario(wh, load_scenario(FILE))


def _value(wh: Warehouse, indicator: str, area: str, year: int, breakdown: str = "") -> float:
    (row,) = wh.query("SELECT value FROM latest_observations WHERE indicator_id = ? AND area_code = ? AND "
                      "breakdown = ? AND period = ?", [indicator, area, breakdown, f"{year}-01-01/P1Y"])  # fmt: skip
    return float(row["value"])


def test_the_gap_in_people_follows_from_the_published_figures(wh, result):
    r = result["results"]
    # ONS, Explore Local Statistics: RQF level 3+, aged 16 to 64, Jan-Dec 2022 (published April 2024)
    assert r["rate"] == _value(wh, "level-3-or-above-qualifications-great-britain", "E47000004", 2022) == 64.9
    assert r["benchmark_rate"] == _value(wh, "level-3-or-above-qualifications-great-britain", "E92000001", 2022) == 66.4
    # Nomis APS T01, Jan-Dec 2022: all people aged 16 to 64 in the combined authority
    assert r["denominator"] == _value(wh, "aps-economic-activity-16-64", "E47000004", 2022, "All") == 962_500
    assert r["people"] == pytest.approx((66.4 - 64.9) / 100 * 962_500, rel=1e-12)
    assert r["people_rounded"] == 14_438 and not r["benchmark_met"]
    assert r["people_a_year"] == pytest.approx(r["people"] / (2035 - 2022), rel=1e-12)


def test_englands_figure_is_the_publishers_own_and_every_release_is_pinned(result):
    bench = [i for i in result["inputs"] if i["role"] == "rate" and i["of"] == "benchmark"]
    assert [(i["area"], i["sum_of"], i["dataset"]) for i in bench] == [
        ("E92000001", [], "els/qualifications-level-3-or-above")]
    assert {r["dataset"] for r in result["releases"]} == {"els/qualifications-level-3-or-above",
                                                          "nomis/aps-local-area-tables"}  # fmt: skip
    assert all(r["pinned"] for r in result["releases"])
    assert not any("Not pinned" in c for c in result["caveats"])


def test_two_years_are_not_called_a_trend(result):
    """The series has 2022 and 2023 only; the city region's 95% interval is about two points wide either side, so
    the scenario reports the change and does not project when the gap closes."""
    text = " ".join(result["sentences"])
    assert "two years are too few to say where it is heading" in text
    assert "at that pace" not in text and result["results"]["year_closed_on_trend"] is None
    assert [p["year"] for p in result["paths"]] == [2022, 2023]
    assert any("within sampling error" in c for c in result["caveats"])
    for word in ("els/", ".yaml", "E47000004", "aps-economic"):  # readers' text
        assert word not in text


def test_regenerates_byte_for_byte_at_its_vintage(warehouse_path: Path, tmp_path: Path):
    with Warehouse.open(warehouse_path) as w:
        first = write_results(run_scenario(w, load_scenario(FILE)), tmp_path / "a")
    with Warehouse.open(warehouse_path) as w:
        second = write_results(run_scenario(w, load_scenario(FILE)), tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
