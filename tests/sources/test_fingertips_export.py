"""An OHID Fingertips export read as a source: named by its indicator, a later export a new release."""

from __future__ import annotations

import csv
import io

import pytest

from prosperity.sources.fingertips import discover
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror

FILE = "fingertips/la_hospital_admissions_2324.csv"
DS = "fingertips/indicator-90284"


def obs(wh, ind, area, period, breakdown):
    rows = wh.query("SELECT value, lci_95, uci_95, status, note FROM latest_observations WHERE indicator_id = ? AND "
                    "area_code = ? AND period = ? AND breakdown = ?", [ind, area, period, breakdown])  # fmt: skip
    return rows[0] if rows else None


def test_readme_check_and_a_later_export_as_a_new_release(tmp_path):
    m = make_mirror(tmp_path / "mirror", copy=("fingertips",))
    db = tmp_path / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}[DS]
    assert res.status == "loaded", res.message
    assert any("category breakdowns" in why for _, why in res.set_aside)
    with Warehouse.open(db) as wh:
        o = obs(wh, "fingertips-90284", "E08000012", "2023-04-01/P1Y", "")
        assert round(o["value"], 2) == 99.36 and o["lci_95"] < 99.36 < o["uci_95"]
        assert obs(wh, "fingertips-90284-count", "E08000012", "2023-04-01/P1Y", "")["value"] == 800
        assert obs(wh, "fingertips-90284-denominator", "E08000012", "2023-04-01/P1Y", "")["value"] == 80513
        assert wh.query("SELECT count(*) AS n FROM latest_observations WHERE indicator_id = 'fingertips-90284' "
                        "AND status = 'x' AND value IS NULL")[0]["n"] > 0  # not presented: kept, not zero
    # next year's export, under its own name, with one more year for Liverpool
    src = (m / FILE).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(src)))
    head = rows[0]
    new = [r for r in rows[1:] if r[head.index("Area Code")] == "E08000012" and r[head.index("Time period")] == "2023/24"
           and not r[head.index("Category Type")]]  # fmt: skip
    for r in new:
        r[head.index("Time period")] = "2024/25"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([*rows, *new])
    (m / "fingertips/la_hospital_admissions_2425.csv").write_text(buf.getvalue(), encoding="utf-8")
    found = discover(m)
    assert [d.main_file.path for d in found.datasets] == ["fingertips/la_hospital_admissions_2425.csv"]
    assert found.ignored[0][0] == FILE
    s = build(db, mirror=m, assess=False)
    assert {r.dataset_id: r.status for r in s.results}[DS] == "loaded"
    with Warehouse.open(db) as wh:
        assert len(wh.releases(DS)) == 2
        assert obs(wh, "fingertips-90284", "E08000012", "2024-04-01/P1Y", "") is not None


def test_a_csv_that_is_not_a_fingertips_export_is_listed_not_loaded(tmp_path):
    m = make_mirror(tmp_path / "mirror")
    (m / "fingertips").mkdir()
    (m / "fingertips/notes.csv").write_text("a,b\n1,2\n")
    found = discover(m)
    assert found.datasets == [] and found.ignored == [("fingertips/notes.csv", pytest.approx(found.ignored[0][1]))]
