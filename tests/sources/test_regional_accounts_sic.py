"""ONS regional accounts: SIC division ranges that a spreadsheet turned into dates are read back as the ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.sources.regional_accounts import sic_range_from_date
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror


def test_date_mangled_codes_map_back_to_their_sic_ranges():
    assert sic_range_from_date("02-Mar") == "02-03"
    assert sic_range_from_date("11-Dec") == "11-12"
    assert sic_range_from_date("2-Mar") == "02-03"
    for untouched in ("14-15", "1", "A (1-3)", "68IMP", "Total", "Mar-02", "02-March"):
        assert sic_range_from_date(untouched) == untouched


@pytest.fixture(scope="module")
def gva_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("ra")
    m = make_mirror(root / "mirror", "regional-accounts")
    db = root / "w.duckdb"
    s = build(db, mirror=m, assess=False, only=lambda d: d.id == "regional-accounts/gva-current-prices"
              or d.id in ("geography/ons-els", "local-authorities/register"))  # fmt: skip
    assert not s.rejected, [r.message for r in s.rejected]
    return db, s


def test_table_2c_divisions_load_under_their_sic_codes(gva_db):
    """Table 2c, Tees Valley and Durham (TLC1), 1998: forestry and fishing £6m as ONS publishes it (row
    ``TLC1,Tees Valley and Durham,02-Mar,Forestry and fishing,6,…``), now under SIC 02-03; and section A is
    division 01 plus divisions 02-03 in every year for the city region (TLD7), which only holds if the range is
    the rest of section A."""
    db, summary = gva_db
    with Warehouse.open(db) as wh:
        codes = {r["breakdown"] for r in wh.query(
            "SELECT DISTINCT breakdown FROM latest_observations WHERE indicator_id = 'gva-current-prices'")}
        assert {"02-03", "11-12"} <= codes and not {"02-Mar", "11-Dec"} & codes
        (v,) = wh.query("SELECT value FROM latest_observations WHERE indicator_id = 'gva-current-prices' AND "
                        "area_code = 'TLC1' AND breakdown = '02-03' AND period LIKE '1998%'")  # fmt: skip
        assert v["value"] == 6
        rows = wh.query("""SELECT period, breakdown, value FROM latest_observations
                           WHERE indicator_id = 'gva-current-prices' AND area_code = 'TLD7'
                             AND breakdown IN ('A (1-3)', '1', '02-03')""")
        by: dict[str, dict[str, float]] = {}
        for r in rows:
            by.setdefault(r["period"], {})[r["breakdown"]] = r["value"]
        assert len(by) == 25
        for period, v in by.items():
            assert abs(v["A (1-3)"] - (v["1"] + v["02-03"])) <= 1, period  # £ million, rounded as published
        (label,) = wh.query("SELECT label FROM breakdowns WHERE indicator_id = 'gva-current-prices' AND "
                            "breakdown = '02-03'")  # fmt: skip
        assert label["label"] == "Forestry and fishing"
    warned = [w for r in summary.results for w in (r.warnings or [])]
    assert any("'02-Mar' as 02-03" in w and "'11-Dec' as 11-12" in w for w in warned), warned
