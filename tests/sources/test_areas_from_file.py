"""A well-formed GSS code of a geography the register lacks is registered from the file; a malformed one is not."""

from __future__ import annotations

import csv
import io

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from prosperity.warehouse.loading import file_declared_area
from tests.conftest import make_mirror

CC = "els/claimant-count/claimant-count.csv"


def _add_rows(path, rows):
    text = path.read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([*table, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_police_force_area_rows_register_the_area_with_provenance(tmp_path):
    m = make_mirror(tmp_path / "mirror", copy=("els/claimant-count",))
    _add_rows(m / CC, [["E23000013", "Merseyside", "Police Force Area", "Claimant Count", "2024-01-01/P1Y", "5.1",
                        "Percentage", "%", "", "", "", ""]])  # fmt: skip
    db = tmp_path / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}["els/claimant-count"]
    assert res.status == "loaded", res.message
    with Warehouse.open(db) as wh:
        area = wh.area("E23000013")
        assert (area["name"], area["level"], area["registered_by"]) == ("Merseyside", "police-force-area",
                                                                        "els/claimant-count")  # fmt: skip
        rel = wh.query("SELECT metadata FROM current_releases WHERE dataset_id = 'els/claimant-count'")[0]
        assert "E23000013" in rel["metadata"]
        assert wh.series("claimant-count", "E23000013")[0].value == 5.1


def test_malformed_or_registered_geography_codes_are_still_errors(tmp_path):
    m = make_mirror(tmp_path / "mirror", copy=("els/claimant-count",))
    _add_rows(m / CC, [["E2300013", "Merseyside", "Police Force Area", "Claimant Count", "2024-01-01/P1Y", "5.1",
                        "Percentage", "%", "", "", "", ""]])  # fmt: skip
    s = build(tmp_path / "w.duckdb", mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}["els/claimant-count"]
    assert res.status == "rejected" and "unknown area code 'E2300013'" in res.message
    assert file_declared_area("E08999999", "Nowhere", "Local Authority") is None  # an LA must be in the register
    assert file_declared_area("E23000013", "Merseyside", None) is None  # the file must place it in a geography
    assert file_declared_area("E23000013", "", "Police Force Area") is None  # and name it
