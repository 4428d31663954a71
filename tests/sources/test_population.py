"""ONS mid-year population workbooks, read as published; a newer edition loads as a new release."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror

EW = "population/mye23tablesew.xlsx"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("population")
    m = make_mirror(root / "mirror", "population")
    db = root / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    assert not s.rejected, [r.message for r in s.rejected]
    return m, db


def value(wh: Warehouse, ind: str, area: str, period: str, breakdown: str = "") -> float | None:
    rows = wh.query("SELECT value FROM latest_observations WHERE indicator_id = ? AND area_code = ? AND period = ? "
                    "AND breakdown = ?", [ind, area, period, breakdown])  # fmt: skip
    return rows[0]["value"] if rows else None


def test_readme_checks_reproduced(built):
    _, db = built
    with Warehouse.open(db) as wh:
        assert value(wh, "ons-mye-population", "E08000012", "2023-06-30") == 503740
        assert value(wh, "ons-mye-population", "E08000012", "2011-06-30") == 465656
        assert value(wh, "ons-mye-population", "E06000006", "2023-06-30") == 129587
        assert value(wh, "ons-mye-population", "E92000001", "2023-06-30") == 57690323
        # the UK edition (mid-2022, before the July 2024 revision) is its own series
        assert value(wh, "ons-mye-uk-population", "E08000012", "2022-06-30") == 496770
        rel = wh.query("SELECT publisher_release_date AS d, publisher FROM current_releases WHERE dataset_id = ?",
                       ["population/mid-year-estimates-ew"])[0]
        assert str(rel["d"]) == "2024-07-15" and rel["publisher"] == "Office for National Statistics"


def test_sexes_and_working_age_add_up(built):
    _, db = built
    with Warehouse.open(db) as wh:
        f = value(wh, "ons-mye-population", "E08000012", "2023-06-30", "Females")
        m = value(wh, "ons-mye-population", "E08000012", "2023-06-30", "Males")
        assert f + m == 503740
        wa = value(wh, "ons-mye-population-16-64", "E08000012", "2023-06-30")
        assert 0.6 * 503740 < wa < 0.75 * 503740
        assert value(wh, "ons-mye-median-age", "E08000012", "2023-06-30") is not None


def test_a_newer_edition_loads_as_a_new_release_with_no_code_change(built, tmp_path):
    m0, db0 = built
    db = tmp_path / "w.duckdb"
    shutil.copyfile(db0, db)
    m = make_mirror(tmp_path / "mirror", copy=("population",))
    wb = openpyxl.load_workbook(m / EW)
    ws = wb["MYE4"]
    ws.insert_cols(4)  # a new first year column, as next summer's edition has
    ws.cell(8, 4, "Mid-2024")
    for row in ws.iter_rows(min_row=9):
        if row[0].value == "E08000012":
            row[3].value = 510000
    ws.insert_rows(2)  # and one more note row above the table
    wb.save(m / "population/mye24tablesew.xlsx")
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}
    assert res["population/mid-year-estimates-ew"].status == "loaded"
    assert (EW, "an older edition of mye24tablesew.xlsx, which is loaded instead") in s.ignored
    with Warehouse.open(db) as wh:
        assert len(wh.releases("population/mid-year-estimates-ew")) == 2
        assert value(wh, "ons-mye-population", "E08000012", "2024-06-30") == 510000
        assert value(wh, "ons-mye-population", "E08000012", "2023-06-30") == 503740


def test_a_workbook_without_its_tables_is_rejected_with_where(tmp_path):
    m = make_mirror(tmp_path / "mirror", copy=("population",))
    wb = openpyxl.load_workbook(m / EW)
    del wb["MYE4"]
    wb.save(m / EW)
    s = build(tmp_path / "w.duckdb", mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}
    assert res["population/mid-year-estimates-ew"].status == "rejected"
    assert res["population/mid-year-estimates-ew"].message.startswith(f"{EW}: sheet(s) MYE4 not found")
    assert res["population/mid-year-estimates-uk"].status == "loaded"
