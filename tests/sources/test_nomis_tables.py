"""Nomis APS local area tables: blocks by date, areas by name (every unmatched name reported), markers kept."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror

DS = "nomis/aps-local-area-tables"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("aps")
    m = make_mirror(root / "mirror", "aps-nomis")
    db = root / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}[DS]
    assert res.status == "loaded", res.message
    return m, db, res


def obs(wh, ind, area, period, breakdown=""):
    rows = wh.query("SELECT value, lci_95, uci_95, status, note FROM latest_observations WHERE indicator_id = ? "
                    "AND area_code = ? AND period = ? AND breakdown = ?", [ind, area, period, breakdown])
    return rows[0] if rows else None


def test_readme_check_liverpool_nvq4_2021(built):
    _, db, _ = built
    with Warehouse.open(db) as wh:
        n = obs(wh, "aps-qualifications-nvq-16-64", "E08000012", "2021-01-01/P1Y", "NVQ4+")
        assert (n["value"], n["lci_95"], n["uci_95"]) == (147300, 130200, 164400)
        total = sum(obs(wh, "aps-qualifications-nvq-16-64", "E08000012", "2021-01-01/P1Y", b)["value"] for b in
                    ("None", "NVQ1", "NVQ2", "Trade apprenticeships", "NVQ3", "NVQ4+", "Other qualifications"))
        assert total == 333700
        assert round(obs(wh, "aps-nvq4-plus-16-64", "E08000012", "2021-01-01/P1Y")["value"], 1) == 44.1


def test_the_combined_authority_comes_from_the_mca_geography_by_name(built):
    _, db, _ = built
    with Warehouse.open(db) as wh:
        assert obs(wh, "aps-qualifications-nvq-16-64", "E47000004", "2021-01-01/P1Y", "NVQ4+")["value"] == 378000
        rate = obs(wh, "aps-employment-rate-16-64-t01", "E47000004", "2022-01-01/P1Y")
        assert rate is not None and 60 < rate["value"] < 85


def test_every_unmatched_area_name_is_reported(built):
    _, _, res = built
    text = " ".join(res.warnings)
    assert "'lep:' area name(s) not in the area register" in text and "'Liverpool City Region'" in text
    assert "'User Defined Geography:' area name(s)" in text and "Liverpool City Region-LSIP" in text
    assert "Liverpool City Region-MCA" not in text  # matched to E47000004


def test_suppression_markers_are_kept_not_zero(built):
    _, db, res = built
    with Warehouse.open(db) as wh:
        rows = wh.query("SELECT status, count(*) AS n FROM latest_observations WHERE indicator_id = "
                        "'aps-employment-by-industry' AND value IS NULL GROUP BY 1")
        assert {r["status"] for r in rows} >= {"!"}
        assert wh.query("SELECT count(*) AS n FROM latest_observations WHERE indicator_id = "
                        "'aps-employment-by-industry' AND status = '!' AND value = 0")[0]["n"] == 0
        unreliable = wh.query("SELECT count(*) AS n FROM latest_observations WHERE note LIKE 'unreliable%'")
        assert unreliable[0]["n"] > 0
    assert any("12-month periods not ending in December" in why for _, why in res.set_aside)


def test_another_download_with_one_more_year_is_a_new_release(built, tmp_path):
    m0, db0, _ = built
    db = tmp_path / "w.duckdb"
    shutil.copyfile(db0, db)
    m = make_mirror(tmp_path / "mirror", copy=("aps-nomis",))
    with pytest.warns(UserWarning, match="no default style"):
        wb = openpyxl.load_workbook(m / "aps-nomis/T19.xlsx")
    ws = wb.active
    for row in ws.iter_rows():
        if row[0].value == "date" and row[1].value == "Jan 2021-Dec 2021":
            row[1].value = "Jan 2025-Dec 2025"  # stands for a later download's newest block
    wb.save(m / "aps-nomis/nomis_2026_01_19_101010.xlsx")
    s = build(db, mirror=m, assess=False)
    assert {r.dataset_id: r.status for r in s.results}[DS] == "loaded"
    with Warehouse.open(db) as wh:
        assert len(wh.releases(DS)) == 2
        assert obs(wh, "aps-nvq4-plus-16-64", "E08000012", "2025-01-01/P1Y") is not None


def test_councils_with_a_former_code_resolve_to_one_code(built):
    """Six English and five Scottish councils whose codes changed with their boundaries were dropped as matching two
    codes; each now resolves to the code of the table's geography, and only areas with no GSS code (LEPs, LSIPs)
    are reported."""
    _, db, res = built
    text = " ".join(res.warnings)
    assert "'ladu:'" not in text
    for name in ("East Hertfordshire", "Gateshead", "Glasgow City", "Fife"):
        assert name not in text
    with Warehouse.open(db) as wh:
        for code in ("E07000242", "E07000240", "E07000241", "E07000243", "E08000037", "E06000057", "S12000049"):
            assert obs(wh, "aps-qualifications-nvq-16-64", code, "2021-01-01/P1Y", "NVQ4+") is not None, code
        for old in ("E07000097", "E08000020", "S12000046", "S12000043"):
            assert not wh.query("SELECT 1 FROM latest_observations WHERE area_code = ? AND indicator_id LIKE 'aps-%'",
                                [old]), old  # fmt: skip
