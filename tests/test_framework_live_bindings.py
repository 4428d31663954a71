"""A live binding names the warehouse indicator its fetch fills: needs a live fetch until that is loaded."""

from __future__ import annotations

from pathlib import Path

from prosperity.assess import Assessor, specs_from_framework
from prosperity.framework import LiveBinding, load_framework, shipped_framework_path
from prosperity.framework.coverage import StaticCatalogue, coverage
from prosperity.warehouse import Warehouse


def _status(cov, ind_id: str) -> str:
    return next(i["status"] for i in cov["items"]["indicators"] if i["id"] == ind_id)


def test_live_binding_counts_as_data_once_fetched():
    fw = load_framework(shipped_framework_path())
    ind = fw.indicators["qualifications-level-4-plus"]
    assert isinstance(ind.data, LiveBinding) and ind.data.warehouse == "aps-level-4-plus-qualifications"
    before = coverage(fw, StaticCatalogue({"gross-value-added-per-hour-worked": {""}}))
    assert _status(before, "qualifications-level-4-plus") == "live"
    after = coverage(fw, StaticCatalogue({"aps-level-4-plus-qualifications": {""}}))
    assert _status(after, "qualifications-level-4-plus") == "data"


def test_unfetched_live_indicator_is_assessed_as_needing_a_fetch(warehouse_path: Path):
    fw = load_framework(shipped_framework_path())
    spec = next(s for s in specs_from_framework(fw) if s.id == "qualifications-level-4-plus")
    with Warehouse.open(warehouse_path) as wh:
        a = Assessor(wh).assess(spec, "E47000004")
    assert a.status == "no data" and a.notes[0].startswith("The Office for National Statistics (on Nomis) publishes")
