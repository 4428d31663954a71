"""The warehouse built from the real mirror holds the published figures, with their metadata and releases."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from prosperity.sources import discover_all
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w


def value(wh: Warehouse, indicator: str, area: str, period: str, breakdown: str = "") -> float | None:
    rows = [o for o in wh.series(indicator, area, breakdown) if o.period == period]
    assert len(rows) == 1, (indicator, area, period, rows)
    return rows[0].value


def test_gva_per_hour_worked_2023_published_figures(wh):
    # ONS subregional productivity, as published in Explore Local Statistics (mirror README).
    assert round(value(wh, "gross-value-added-per-hour-worked", "E47000004", "2023-01-01/P1Y"), 2) == 37.33
    assert round(value(wh, "gross-value-added-per-hour-worked", "E08000012", "2023-01-01/P1Y"), 2) == 37.48
    # ONS publishes the UK comparator as "UK less Extra-Regio".
    assert round(value(wh, "gross-value-added-per-hour-worked", "K99000002", "2023-01-01/P1Y"), 2) == 41.87


def test_imd_2019_liverpool_and_city_region(wh):
    rows = wh.query(
        """SELECT p.parent, count(*) AS lsoas, count(*) FILTER (WHERE o.value = 1) AS most_deprived
           FROM latest_observations o JOIN area_parents p ON p.child = o.area_code AND p.depth = 1
           WHERE o.indicator_id = 'iod2019-decile' AND o.breakdown = 'Index of Multiple Deprivation'
             AND p.parent IN (SELECT child FROM area_parents WHERE parent = 'E47000004' AND depth = 1)
           GROUP BY p.parent"""
    )
    by_la = {r["parent"]: (r["lsoas"], r["most_deprived"]) for r in rows}
    assert by_la["E08000012"] == (298, 145)
    assert sum(v[0] for v in by_la.values()) == 989
    assert sum(v[1] for v in by_la.values()) == 335
    assert len(by_la) == 6


def test_every_els_folder_is_loaded_or_reported(warehouse_path: Path, mirror: Path):
    found = discover_all(mirror)
    els_data = sorted(p.parent.name for p in (mirror / "els").glob("*/*.csv") if p.stem == p.parent.name)
    loaded = {d.id for d in found.datasets if d.id.startswith("els/")}
    assert loaded == {f"els/{s}" for s in els_data}
    assert len(loaded) >= 55
    missing = dict(found.missing)
    for slug in ("average-house-price", "child-weight", "population-by-age-and-sex", "population-indicators"):
        assert "data file" in missing[f"els/{slug}"]
    with Warehouse.open(warehouse_path) as w:
        current = {r["dataset"] for r in w.releases() if r["current"]}
    assert loaded <= current


def test_old_schema_gdp_per_head_is_read_with_iso_periods(wh):
    # First data row of the older-schema file: County Durham, 1998, £10,827.
    obs = wh.series("gross-domestic-product-per-head-at-current-market-price", "E06000047")
    first = obs[0]
    assert first.period == "1998-01-01/P1Y" and first.value == 10827 and first.unit == "£"
    meta = wh.indicator("gross-domestic-product-per-head-at-current-market-price")
    assert meta["label"] == "Gross domestic product per head at current market prices"
    assert meta["decimal_places"] == 0 and "provisional" in meta["caveats"]


def test_metadata_release_date_and_source_kept(wh):
    rel = wh.query("SELECT * FROM current_releases WHERE dataset_id = 'els/gross-value-added'")[0]
    assert str(rel["publisher_release_date"]) == "2025-06-19"
    assert rel["live_url"].startswith("https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-data/")
    meta = wh.indicator("gross-value-added-per-filled-job")
    assert meta["label"] == "Gross value added per job filled" and meta["decimal_places"] == 0
    assert meta["source_org"] == "Office for National Statistics" and meta["experimental"] is True


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_suppressed_values_are_kept_as_markers_not_zeros(wh, mirror: Path):
    rows = _csv_rows(mirror / "els/modelled-unemployment/modelled-unemployment.csv")
    marked = [r for r in rows if r["status"] == "x" and not r["observation"]]
    assert marked, "the real file has suppressed values"
    n = wh.query(
        "SELECT count(*) AS n FROM latest_observations o JOIN indicators i USING (indicator_id) "
        "WHERE i.dataset_id = 'els/modelled-unemployment' AND o.status = 'x' AND o.value IS NULL"
    )[0]["n"]
    assert n == len(marked)
    zeros = wh.query(
        "SELECT count(*) AS n FROM latest_observations WHERE status IN ('x', 'c', 'u', 'z') AND value = 0"
    )[0]["n"]
    assert zeros == 0


def test_confidence_intervals_are_kept(wh, mirror: Path):
    rows = _csv_rows(mirror / "els/healthy-life-expectancy/healthy-life-expectancy.csv")
    r = next(r for r in rows if r["areacd"] == "E08000012" and r["lci_95"])
    obs = [o for o in wh.series("female-healthy-life-expectancy" if r["indicator"].startswith("Female")
                                else "male-healthy-life-expectancy", "E08000012") if o.period == r["period"]]  # fmt: skip
    assert obs[0].lci_95 == pytest.approx(float(r["lci_95"])) and obs[0].uci_95 == pytest.approx(float(r["uci_95"]))
    assert obs[0].lci_95 < obs[0].value < obs[0].uci_95


def test_regional_accounts_itl_gva_and_aliases(wh, mirror: Path):
    rows = _csv_rows(mirror / "regional-accounts/Table 2c ITL2 current price estimates pounds million 2024.csv")
    r = next(r for r in rows if r["ITL code"] == "TLD7" and r["SIC07 code"] == "Total")
    assert value(wh, "gva-current-prices", "TLD7", "2022-01-01/P1Y", "Total") == float(r["2022"].replace(",", ""))
    # Table 1's "UK" row is the United Kingdom's GSS code; industries carry their published labels.
    assert value(wh, "gva-current-prices", "K02000001", "2022-01-01/P1Y", "Total") == 2246047
    labels = {r["breakdown"]: r["label"] for r in wh.query(
        "SELECT * FROM breakdowns WHERE indicator_id = 'gva-current-prices'")}  # fmt: skip
    assert labels["Total"] == "All industries"
    # The workbook holds unrounded values; ONS's CSV extract of table A4 gives them to 1 decimal place.
    a4 = _csv_rows(mirror / "regional-accounts/Table A4 Current Price unsmoothed GVA B per hour worked £ ITL2 and "
                   "ITL3 subregions 2004 to 2021.csv")
    published = float(next(r for r in a4 if r["ITL code"] == "TLD7")["2021"])
    assert round(value(wh, "gva-per-hour-worked-itl", "TLD7", "2021-01-01/P1Y"), 1) == published


def test_la_gdp_workbook_population_and_release_date(wh):
    assert value(wh, "population-la", "E08000012", "2019-01-01/P1Y") > 490_000
    rel = wh.query("SELECT * FROM current_releases WHERE dataset_id = 'regional-accounts/la-gdp'")[0]
    assert str(rel["publisher_release_date"]) == "2021-05-26"


def test_emissions_mapped_from_register_codes_to_gss(wh, mirror: Path):
    rows = _csv_rows(mirror / "emissions/local_authority_emissions.csv")
    liv = next(r for r in rows if r["official-name"] == "Liverpool City Council" and r["Year"] == "2020")
    got = value(wh, "co2-emissions", "E08000012", "2020-01-01/P1Y", "Total Emissions")
    assert got == pytest.approx(float(liv["Total Emissions:kt CO2"]))


def test_dwelling_completions_financial_years(wh):
    obs = wh.series("dwelling-completions", "E08000012")
    assert [o.period for o in obs][:2] == ["2019-04-01/P1Y", "2020-04-01/P1Y"]
    assert obs[0].period_label == "2019/20"


def test_geography_hierarchy_neighbours_and_boundaries(wh):
    assert wh.members("E47000004") == ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"]
    assert len(wh.neighbours("E08000012", "economic")) == 20
    assert wh.area("E08000012")["level"] == "metropolitan-district"
    assert wh.area("E47000004")["level"] == "combined-authority"
    parents = [r["parent"] for r in wh.query(
        "SELECT parent FROM area_parents WHERE child = 'E08000012' ORDER BY depth")]  # fmt: skip
    assert parents[:4] == ["E47000004", "E12000002", "E92000001", "K02000001"]
    topo = json.loads(wh.document("boundaries"))
    assert {"ltla", "cauth", "rgn"} <= set(topo["objects"])


def test_no_change_rebuild_writes_nothing(warehouse_path: Path, mirror: Path):
    build(warehouse_path, mirror=mirror)  # settles assessments if the framework was edited since the first build
    before = warehouse_path.stat().st_mtime_ns
    summary = build(warehouse_path, mirror=mirror)
    assert not summary.wrote
    assert summary.count("loaded") == 0 and summary.count("unchanged") >= 70
    assert warehouse_path.stat().st_mtime_ns == before


def test_observations_never_deleted_and_every_row_has_a_release(warehouse_path: Path):
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        orphans = con.execute(
            "SELECT count(*) FROM observations WHERE release_id NOT IN (SELECT release_id FROM releases)"
        ).fetchone()[0]
        counted = con.execute("SELECT sum(row_count) FROM releases WHERE source <> 'ons-geography'"
                              " AND dataset_id NOT IN ('local-authorities/register', 'regional-accounts/sic2007')"
                              ).fetchone()[0]  # fmt: skip
        total = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    finally:
        con.close()
    assert orphans == 0 and counted == total
