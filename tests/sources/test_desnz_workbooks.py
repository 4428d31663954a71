"""DESNZ fuel poverty and renewable electricity workbooks: note rows above tables, [X]/[y] markers kept."""

from __future__ import annotations

import shutil

import openpyxl
import pytest

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror

FUEL = "fuel-poverty/sub-regional-fuel-poverty-2022-tables.xlsx"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("desnz")
    m = make_mirror(root / "mirror", "fuel-poverty", "energy-renewables")
    db = root / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}
    assert res["desnz/fuel-poverty"].status == "loaded", res["desnz/fuel-poverty"].message
    assert res["desnz/renewable-electricity"].status == "loaded", res["desnz/renewable-electricity"].message
    return m, db, res


def value(wh, ind, area, period, breakdown=""):
    rows = wh.query("SELECT value, status FROM latest_observations WHERE indicator_id = ? AND area_code = ? AND "
                    "period = ? AND breakdown = ?", [ind, area, period, breakdown])  # fmt: skip
    return (rows[0]["value"], rows[0]["status"]) if rows else None


def test_fuel_poverty_by_local_authority_for_the_data_year(built):
    _, db, _ = built
    with Warehouse.open(db) as wh:
        assert value(wh, "desnz-fuel-poor-households", "E08000012", "2020-01-01/P1Y") == (41297, None)
        assert value(wh, "desnz-households-fuel-poverty-base", "E08000012", "2020-01-01/P1Y") == (221126, None)
        rate, _ = value(wh, "desnz-fuel-poverty-rate", "E08000012", "2020-01-01/P1Y")
        assert rate == pytest.approx(100 * 41297 / 221126)
        england, _ = value(wh, "desnz-fuel-poverty-rate", "E92000001", "2020-01-01/P1Y")
        assert england == pytest.approx(13.2315, abs=1e-4)


def test_readme_check_liverpool_2021_renewables_and_suppressed_cells_kept(built):
    _, db, res = built
    with Warehouse.open(db) as wh:
        # The mirror's README gives 1,178 MWh as Liverpool's 2021 "PV"; the workbook has it as onshore wind
        # (photovoltaics generated 14,361 MWh): the figure is reproduced where the publisher put it.
        wind, _ = value(wh, "desnz-renewable-generation", "E08000012", "2021-01-01/P1Y", "Onshore Wind")
        assert round(wind) == 1178
        assert value(wh, "desnz-renewable-generation", "E08000012", "2021-01-01/P1Y", "Anaerobic Digestion") == \
            (None, "[X]")  # fmt: skip
        total, _ = value(wh, "desnz-renewable-generation", "E08000012", "2021-01-01/P1Y")
        assert total == pytest.approx(15539.134)
        assert value(wh, "desnz-renewable-installations", "E08000012", "2014-01-01/P1Y") == (1747, None)
    assert any("rows without a GSS code" in why for _, why in res["desnz/renewable-electricity"].set_aside)


def test_a_newer_fuel_poverty_edition_is_a_new_release(built, tmp_path):
    m0, db0, _ = built
    db = tmp_path / "w.duckdb"
    shutil.copyfile(db0, db)
    m = make_mirror(tmp_path / "mirror", "energy-renewables", copy=("fuel-poverty",))
    wb = openpyxl.load_workbook(m / FUEL)
    ws = wb["Table 2"]
    ws["A1"] = "Table 2: Fuel poor households by administrative area, 2021 [Notes 3 and 4]"
    ws.insert_rows(2)  # one more note row above the table
    wb.save(m / "fuel-poverty/sub-regional-fuel-poverty-2023-tables.xlsx")
    s = build(db, mirror=m, assess=False)
    assert {r.dataset_id: r.status for r in s.results}["desnz/fuel-poverty"] == "loaded"
    assert (FUEL, "an older edition of sub-regional-fuel-poverty-2023-tables.xlsx, which is loaded instead") in s.ignored
    with Warehouse.open(db) as wh:
        assert len(wh.releases("desnz/fuel-poverty")) == 2
        assert value(wh, "desnz-fuel-poor-households", "E08000012", "2021-01-01/P1Y") == (41297, None)
