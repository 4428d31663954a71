"""The shipped scenarios on the real warehouse: figures read at their pinned vintage, results that follow from
those figures by the named methods, stand-ins never presented as the area's own, and byte-for-byte regeneration."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.scenarios import (
    ScenarioDataError,
    load_scenario,
    parse_scenario,
    result_json,
    run_scenario,
    shipped_scenarios_path,
    write_results,
)
from prosperity.scenarios.spec import LoadedScenario
from prosperity.warehouse import Warehouse

runner = CliRunner()
FOLDER = shipped_scenarios_path()


def _file(name: str) -> Path:
    return FOLDER / f"{name}.yaml"


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w


@pytest.fixture(scope="module")
def results(wh: Warehouse) -> dict[str, dict]:
    return {n: run_scenario(wh, load_scenario(_file(n)))
            for n in ("growth-plan-productivity-gap", "plan-for-prosperity-rd-claim", "net-zero-pathways")}  # fmt: skip


def _value(wh: Warehouse, indicator: str, area: str, year: int, breakdown: str = "") -> float:
    (obs,) = [o for o in wh.series(indicator, area, breakdown) if o.period.startswith(f"{year}-01-01/P1Y")]
    return obs.value


def test_productivity_gap_follows_from_the_published_figures(wh, results):
    r = results["growth-plan-productivity-gap"]["results"]
    lcr = _value(wh, "gross-value-added-per-hour-worked", "E47000004", 2023)
    eng = _value(wh, "gross-value-added-per-hour-worked", "TLB", 2023)
    assert r["ratio"] == lcr / eng and r["base_year"] == 2023
    assert r["required_differential"] == pytest.approx((eng / lcr) ** (1 / 12) - 1, rel=1e-12)
    a0, a1 = (_value(wh, "gva-per-hour-worked-cvm-index-itl", "TLD7", y) for y in (2011, 2021))
    b0, b1 = (_value(wh, "gva-per-hour-worked-cvm-index-itl", "TLB", y) for y in (2011, 2021))
    assert r["trend_differential"] == pytest.approx(((a1 / a0) / (b1 / b0)) ** 0.1 - 1, rel=1e-12)
    hours = _value(wh, "hours-worked-per-week-itl", "TLD7", 2021) * 52
    assert r["closure_value_a_year"] == pytest.approx(hours * (eng - lcr), rel=1e-12)
    # the trend decides whether the gap closes: never when the city region grows slower in real terms
    assert (r["year_closed_on_trend"] is None) == (r["trend_differential"] <= 0)


def test_productivity_gap_records_every_input_and_release(results):
    res = results["growth-plan-productivity-gap"]
    roles = {(i["role"], i["of"]) for i in res["inputs"]}
    assert roles == {("level", "area"), ("level", "benchmark"), ("real_index", "area"), ("real_index", "benchmark"),
                     ("quantity", "area")}  # fmt: skip
    assert {r["dataset"] for r in res["releases"]} == {"els/gross-value-added", "regional-accounts/subregional-productivity"}
    assert all(r["pinned"] and len(r["sha256"]) == 64 for r in res["releases"])
    assert res["claim"]["source_title"].startswith("Driven by purpose, powered by partnership")
    text = " ".join(res["sentences"])
    assert "England" in text and "2035" in text and "£" in text
    # readers' text: no file names, dataset ids or indicator ids
    for word in ("els/", ".yaml", ".txt", "gva-per-hour", "TLD7", "E47000004"):
        assert word not in text


def test_rd_claim_never_presents_the_north_west_as_the_city_region(results):
    res = results["plan-for-prosperity-rd-claim"]
    text = " ".join(res["sentences"])
    assert "measured only for the North West, not for Liverpool City Region" in text
    assert "Liverpool City Region's R&D" not in text and "city region's R&D intensity" not in text.lower()
    stand_ins = [i for i in res["inputs"] if i["role"] in ("rd_business", "rd_public")]
    assert stand_ins and all(i["area"] == "E12000002" and i["stands_in_for"] == "E47000004" for i in stand_ins)
    assert any("stands in for it" in c for c in res["caveats"])


def test_rd_claim_reproduces_what_the_plans_numbers_imply(wh, results):
    res = results["plan-for-prosperity-rd-claim"]
    implied = res["results"]["implied"]
    assert implied["jobs_base"] == pytest.approx(44_000 / 0.065)
    jobs = {int(o.period[:4]): o.value for o in wh.series("filled-jobs-itl", "TLD7")}
    nearest = min(jobs, key=lambda y: (abs(jobs[y] - implied["jobs_base"]), y))
    assert implied["jobs_base_closest_year"] == nearest and implied["jobs_base_closest_value"] == jobs[nearest]
    prod = {int(o.period[:4]): o.value for o in wh.series("gross-value-added-per-hour-worked", "E47000004")}
    nearest = min(prod, key=lambda y: (abs(prod[y] - 30.0), y))
    assert implied["productivity_base"] == pytest.approx(30.0) and implied["productivity_base_closest_year"] == nearest
    assert implied["gva_uplift"] == pytest.approx(1.10 * 1.065 - 1)
    # measured intensity: the North West's business R&D over its GVA
    r = res["results"]
    berd = _value(wh, "business-expenditure-on-research-and-development", "E12000002", 2022)
    gva = _value(wh, "gva-current-prices", "TLD", 2022, "Total")
    assert r["intensity_business"] == pytest.approx(berd / gva)


def test_rd_claim_cumulative_gva_brackets_and_rate_needed(results):
    rows = results["plan-for-prosperity-rd-claim"]["tables"]["cumulative_gva"]
    assert {(row["base_year"], row["to_year"]) for row in rows} == {(b, e) for b in (2019, 2022) for e in (2030, 2035, 2040)}
    for row in rows:
        assert row["cumulative_low"] <= row["cumulative_central"] <= row["cumulative_high"]
        # extra GVA is proportional to the rate of return (no lag in the central case), so the rate needed to reach
        # £19.7bn reproduces it exactly
        assert row["rate_needed"] * row["cumulative_central"] / 0.40 == pytest.approx(19.7e9, rel=1e-9)
        assert row["verdict"] == ("within the published range" if 0.2 <= row["rate_needed"] <= 0.5 else
                                  "above the published range" if row["rate_needed"] > 0.5 else
                                  "below the published range")  # fmt: skip


def test_emissions_decomposition_is_exact_on_the_real_series(wh, results):
    res = results["net-zero-pathways"]
    r = res["results"]
    c = {int(o.period[:4]): o.value for o in wh.series("co2-emissions", "E47000004", "Total Emissions")}
    assert r["from_year"] == 2005 and r["change"] == pytest.approx(c[r["to_year"]] - c[2005])
    assert abs(r["residual"]) < 1e-6 and math.fsum(r["effects"].values()) == pytest.approx(r["change"], abs=1e-6)
    paths = res["tables"]["pathways"]
    assert [p["target_year"] for p in paths] == [2035, 2040]
    for p in paths:
        assert p["constant_rate"] == pytest.approx(2 / (p["target_year"] - p["from_year"] + 1))
        verdict = [s for s in res["sentences"] if s.startswith(f"For net zero by {p['target_year']}")][0]
        assert ("disagree" in verdict) == (not p["methods_agree"])
    assert any("not all greenhouse gases" in c for c in res["caveats"])


def test_scenarios_needing_live_statistics_say_so(wh):
    for name, what in (("lis-productivity-shift-share", "bres-employment"),
                       ("lis-level-4-qualifications-gap", "aps-level-4-plus-qualifications")):  # fmt: skip
        with pytest.raises(ScenarioDataError, match=what):
            run_scenario(wh, load_scenario(_file(name)))


def test_results_regenerate_byte_for_byte(warehouse_path: Path, tmp_path: Path):
    for name in ("growth-plan-productivity-gap", "plan-for-prosperity-rd-claim", "net-zero-pathways"):
        loaded = load_scenario(_file(name))
        with Warehouse.open(warehouse_path) as w1:
            first = write_results(run_scenario(w1, loaded), tmp_path / name / "a")
        with Warehouse.open(warehouse_path) as w2:
            second = write_results(run_scenario(w2, load_scenario(_file(name))), tmp_path / name / "b")
        assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
        assert json.loads(first[0].read_text())["scenario"]["spec_sha256"] == loaded.sha256


def test_a_pinned_vintage_survives_a_newer_release(warehouse_path: Path, tmp_path: Path):
    """A newer release of a dataset does not change a pinned scenario's results; an unpinned one follows it."""
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(warehouse_path, db)
    loaded = load_scenario(_file("growth-plan-productivity-gap"))
    with Warehouse.open(db) as w:
        before = result_json(run_scenario(w, loaded))
    con = duckdb.connect(str(db))
    (old,) = con.execute("SELECT max(release_id) FROM releases WHERE dataset_id = 'els/gross-value-added'").fetchone()
    (new,) = con.execute("SELECT max(release_id) + 1 FROM releases").fetchone()
    con.execute("""INSERT INTO releases SELECT ? AS release_id, dataset_id, source, title, publisher, file_name, files,
                   'f' || sha256[2:] AS sha256, publisher_release_date, now(), origin, live_url, metadata, row_count,
                   set_aside, release_id FROM releases WHERE release_id = ?""", [new, old])  # fmt: skip
    con.execute("""INSERT INTO observations SELECT ?, indicator_id, area_code, period, period_start, period_end,
                   breakdown, value * 1.01, lci_95, uci_95, status, note FROM observations WHERE release_id = ?""",
                [new, old])  # fmt: skip
    con.close()
    with Warehouse.open(db) as w:
        assert result_json(run_scenario(w, loaded)) == before
        text = loaded.path.read_text(encoding="utf-8").replace("els/gross-value-added: a051215f2a5a\n", "")
        unpinned = LoadedScenario(parse_scenario(text, "unpinned.yaml"), Path("unpinned.yaml"), "0" * 64)
        res = run_scenario(w, unpinned)
    rel = next(r for r in res["releases"] if r["dataset"] == "els/gross-value-added")
    assert rel["sha256"].startswith("f") and not rel["pinned"]
    assert any("Not pinned" in c for c in res["caveats"])


def test_a_pin_to_a_release_that_is_not_there(wh):
    text = _file("growth-plan-productivity-gap").read_text(encoding="utf-8").replace("a051215f2a5a", "0123456789ab")
    loaded = LoadedScenario(parse_scenario(text, "x.yaml"), Path("x.yaml"), "0" * 64)
    with pytest.raises(ScenarioDataError, match="pinned to the release of 'els/gross-value-added' whose file begins "
                                                "0123456789ab"):  # fmt: skip
        run_scenario(wh, loaded)
    with pytest.raises(ScenarioDataError, match="no release"):
        run_scenario(wh, load_scenario(_file("growth-plan-productivity-gap")), as_of="2001-01-01")


def test_cli_runs_a_scenario_and_writes_its_results(warehouse_path: Path, tmp_path: Path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["scenario", str(_file("growth-plan-productivity-gap")), "--db", str(warehouse_path),
                              "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "England" in res.output and "Releases used" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["paths.csv", "result.json", "tables.csv"]
    js = runner.invoke(app, ["scenario", str(_file("net-zero-pathways")), "--db", str(warehouse_path), "-f", "json"])
    assert js.exit_code == 0 and json.loads(js.stdout)["scenario"]["id"] == "net-zero-pathways"
    listing = runner.invoke(app, ["scenario"])
    assert listing.exit_code == 0 and "plan-for-prosperity-rd-claim.yaml" in listing.output


def test_cli_errors_are_plain(warehouse_path: Path, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: y\nmethod: guesswork\n", encoding="utf-8")
    res = runner.invoke(app, ["scenario", str(bad), "--db", str(warehouse_path)])
    assert res.exit_code == 2 and "bad.yaml:3" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["scenario", str(_file("lis-productivity-shift-share")), "--db", str(warehouse_path)])
    assert res.exit_code == 2 and "bres-employment" in res.output and "Traceback" not in res.output
    blocked = tmp_path / "file"
    blocked.write_text("")
    res = runner.invoke(app, ["scenario", str(_file("net-zero-pathways")), "--db", str(warehouse_path),
                              "--out", str(blocked / "sub")])  # fmt: skip
    assert res.exit_code == 2 and "--out" in res.output and "Traceback" not in res.output


ENGLAND_ITL2 = ("TLC1, TLC2, TLD1, TLD3, TLD4, TLD6, TLD7, TLE1, TLE2, TLE3, TLE4, TLF1, TLF2, TLF3, TLG1, TLG2, TLG3, "
                "TLH1, TLH2, TLH3, TLI3, TLI4, TLI5, TLI6, TLI7, TLJ1, TLJ2, TLJ3, TLJ4, TLK1, TLK2, TLK3, TLK4")


def test_a_benchmark_built_from_its_members_matches_the_published_total(wh):
    """England's GVA as the sum of its ITL2 areas (as the shift-share builds it by industry) against ONS's England
    total: the regional accounts are balanced, so they agree to the rounding of the published £ million."""
    text = f"""\
id: sum-check
title: England as the sum of its ITL2 areas
method: gap_closure
area: TLD7
benchmark: TLB
horizon: 2030
inputs:
  level: {{indicator: gva-current-prices, breakdown: Total, year: 2022, benchmark_members: [{ENGLAND_ITL2}]}}
  real_index: {{indicator: gva-per-hour-worked-cvm-index-itl}}
  quantity: {{indicator: hours-worked-per-week-itl}}
assumptions:
  - {{id: target_ratio, label: Parity, value: 1, source: none}}
"""
    res = run_scenario(wh, LoadedScenario(parse_scenario(text, "sum.yaml"), Path("sum.yaml"), "0" * 64))
    bench = res["results"]["benchmark_level"]
    total = _value(wh, "gva-current-prices", "TLB", 2022, "Total")
    assert bench == pytest.approx(total, abs=33)  # 33 areas, each rounded to £1 million
    (row,) = [i for i in res["inputs"] if i["role"] == "level" and i["of"] == "benchmark"]
    assert len(row["sum_of"]) == 33 and row["area_name"] == "England"
