"""The qualifications-gap and shift-share scenarios bound to the Nomis APS local area tables the mirror holds:
figures as Nomis publishes them, the methods' identities on them, and what the data cannot say, said."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from prosperity.scenarios import load_scenario, parse_scenario, run_scenario, shipped_scenarios_path
from prosperity.scenarios.spec import LoadedScenario
from prosperity.warehouse import Warehouse

FOLDER = shipped_scenarios_path()
T13A = ("A Agriculture & fishing", "B,D,E Energy & water", "C Manufacturing", "F Construction",
        "G,I Distribution, hotels & restaurants", "H,J Transport & Communication",
        "K-N Banking finance & insurance etc.", "O-Q Public admin education & health", "R-U Other services")  # fmt: skip


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w


def _value(wh: Warehouse, indicator: str, area: str, year: int, breakdown: str = "") -> float:
    (row,) = wh.query("SELECT value FROM latest_observations WHERE indicator_id = ? AND area_code = ? AND "
                      "breakdown = ? AND period = ?", [indicator, area, breakdown, f"{year}-01-01/P1Y"])  # fmt: skip
    return float(row["value"])


def _variant(name: str, **replace: str) -> LoadedScenario:
    text = (FOLDER / f"{name}.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return LoadedScenario(parse_scenario(text, f"{name}.yaml"), Path(f"{name}.yaml"), "0" * 64)


def test_shift_share_runs_on_the_survey_counts_and_adds_up(wh):
    res = run_scenario(wh, load_scenario(FOLDER / "lis-productivity-shift-share.yaml"))
    r = res["results"]
    workers = math.fsum(_value(wh, "aps-employment-by-industry", "E47000004", 2022, b) for b in T13A)
    assert workers == 728_200  # T13a, Jan-Dec 2022: the nine broad groups of the combined authority's residents
    assert _value(wh, "aps-employment-by-industry", "E47000004", 2022, "C Manufacturing") == 58_400
    gva = math.fsum(i["value"] * i["scale"] for i in res["inputs"] if i["role"] == "output" and i["of"] == "area")
    assert r["area_productivity"] == pytest.approx(gva / workers, rel=1e-12)
    assert r["mix"] + r["within"] + r["interaction"] == pytest.approx(r["gap"], abs=1e-6)
    assert r["gap"] < 0 and r["unit"] == "£ per worker" and r["output_year"] == r["labour_year"] == 2022
    assert {i["dataset"] for i in res["inputs"] if i["role"] == "labour"} == {"nomis/aps-local-area-tables"}
    assert all(rel["pinned"] for rel in res["releases"])
    assert any("labour where workers live" in c and "not GVA per job" in c for c in res["caveats"])
    assert len(res["tables"]["industries"]) == 9


def test_qualifications_binding_reproduces_nomis_t19(wh):
    """The README's check of T19 through the scenario's own bindings: Liverpool 2021, 147,300 of 333,700 aged 16
    to 64 qualified to NVQ level 4 or above = 44.1%; against the combined authority (39.4%) it already exceeds."""
    s = _variant("lis-level-4-qualifications-gap", **{"area: E47000004": "area: E08000012",
                 "benchmark: E92000001": "benchmark: E47000004", "year: 2018": "year: 2021"})  # fmt: skip
    r = run_scenario(wh, s)["results"]
    assert r["denominator"] == 333_700 and r["denominator_year"] == 2021
    assert r["rate"] == pytest.approx(100 * 147_300 / 333_700, abs=1e-6) and round(r["rate"], 1) == 44.1
    assert round(r["benchmark_rate"], 1) == 39.4 and r["benchmark_met"] and r["people"] <= 0


def test_qualifications_gap_in_people_follows_from_the_rates(wh):
    """The method on T19's 2018 figures (the strategy's base): the city region against Liverpool, people = the
    difference in rates times the city region's residents aged 16 to 64 (the sum of T19's seven groups)."""
    s = _variant("lis-level-4-qualifications-gap", **{"benchmark: E92000001": "benchmark: E08000012"})
    r = run_scenario(wh, s)["results"]
    groups = ("None", "NVQ1", "NVQ2", "Trade apprenticeships", "NVQ3", "NVQ4+", "Other qualifications")
    residents = math.fsum(_value(wh, "aps-qualifications-nvq-16-64", "E47000004", 2018, g) for g in groups)
    assert r["denominator"] == residents
    assert r["rate"] == pytest.approx(100 * _value(wh, "aps-qualifications-nvq-16-64", "E47000004", 2018, "NVQ4+")
                                      / residents, abs=1e-6)  # fmt: skip
    assert r["people"] == pytest.approx((r["benchmark_rate"] - r["rate"]) / 100 * residents, rel=1e-9)
