"""MHCLG's Towns Fund awards, read in place from the mirror, as allocations; a return that overspends one is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from prosperity.errors import SourceError
from prosperity.programmes import model as m
from prosperity.programmes.store import AllocationKey, allocations
from prosperity.programmes.template import write_workbook
from prosperity.programmes.towns_fund import MIRROR_PATH, awards_bytes, load_awards, read_awards
from tests.programmes.conftest import dump, import_file


@pytest.fixture
def awarded(store, mirror):
    return load_awards(store, *awards_bytes(mirror))


def test_awards_load_as_the_city_regions_allocations(store, awarded) -> None:
    assert (awarded.programmes, awarded.projects) == (6, 36)
    with store.session() as s:
        alloc = allocations(s)
        programmes = {p.id: p for p in s.scalars(select(m.Programme))}
    # Runcorn's nine projects: CDEL £22,694,219 and RDEL £905,779 (programmes-evaluation-scenarios.md §1.6)
    runcorn = [v for k, v in alloc.items() if k.programme_id == "TD-RCN"]
    assert len(runcorn) == 9
    assert sum(v["capital"] for v in runcorn) == 22_694_219_00
    assert sum(v["revenue"] for v in runcorn) == 905_779_00
    assert alloc[AllocationKey("TD-RCN", "TD-RCN-03")] == {"capital": 6_606_231_00, "revenue": 0}
    assert alloc[AllocationKey("HS-BIR", None)] == {"total": 24_581_011_00}
    assert alloc[AllocationKey("HS-NWF", None)] == {"total": 3_213_523_00}
    # HS-STH is Old Kent Road (Southwark), not St Helens
    assert "HS-STH" not in programmes
    assert programmes["TD-SOU"].area_code == "E08000014"
    # four Town Deals of £25.0m, £23.6m, £37.5m and £25.0m, and two FHSF places: £138.9m in all
    assert awarded.total_pence == 138_894_532_00


def test_loading_again_replaces_the_allocations_and_keeps_everything_else(store, awarded, mirror) -> None:
    before = dump(store)
    again = load_awards(store, *awards_bytes(mirror))
    assert (again.programmes, again.projects, again.allocations) == (0, 0, awarded.allocations)
    after = dump(store)
    assert {k: v for k, v in after.items() if k != "allocation"} == {k: v for k, v in before.items() if k != "allocation"}
    assert len(after["allocation"]) == len(before["allocation"])


def test_a_broken_awards_file_is_refused_with_its_row(tmp_path, mirror) -> None:
    text = (mirror / MIRROR_PATH).read_text(encoding="utf-8-sig").replace("TD-RCN-03,0,6606231", "TD-RCN-03,0,six million")
    with pytest.raises(SourceError, match=r"row \d+, column 'CDEL': 'six million' is not an amount of money"):
        read_awards(text.encode(), "TF-grant-awarded.csv")
    with pytest.raises(SourceError, match="row 1: the header"):
        read_awards(b"Code,RDEL\nTD-RCN-01,1\n", "x.csv")


def runcorn_return(tables: dict, capital_spend: int, forecast: int) -> dict:
    """The illustrative return rewritten as a Runcorn Town Deal return for project TD-RCN-03."""
    t = {k: [dict(r) for r in v] for k, v in tables.items()}
    t["return"][0]["fund"] = "towns-fund"
    t["programmes"][0].update(programme_code="TD-RCN", title="Runcorn Town Deal", outcome_ids=["lis-o03"])
    proj = dict(t["projects"][0], project_code="TD-RCN-03", programme_code="TD-RCN", title="Runcorn project 03")
    t["projects"] = [proj]
    keep = lambda rows: [dict(r, project_code="TD-RCN-03") for r in rows if r.get("project_code") == "EX-TC-01"]  # noqa: E731
    for k in ("budgets", "forecasts", "indicators", "periods", "progress", "milestones", "changes"):
        t[k] = keep(t[k])
    t["risks"] = [dict(r, programme_code="TD-RCN", project_code="TD-RCN-03") for r in t["risks"][:1]]
    t["spend"] = [{"project_code": "TD-RCN-03", "reference": "INV-1", "date": date(2025, 6, 30), "financial_year": "2025-26",
                   "expense_type": "capital", "transaction_type": "expenditure", "value": capital_spend}]  # fmt: skip
    t["forecasts"] = [{"project_code": "TD-RCN-03", "financial_year": "2025-26", "period_start": date(2025, 10, 1),
                       "period_end": date(2026, 3, 31), "expense_type": "capital", "value": forecast}]  # fmt: skip
    return t


def test_a_return_that_overspends_a_real_projects_allocation_is_rejected(store, awarded, tables, tmp_path: Path, fw) -> None:
    # TD-RCN-03's capital allocation is £6,606,231: £6,000,000 spent and £606,232 forecast is £1 over it
    path = write_workbook(tmp_path / "runcorn.xlsx", runcorn_return(tables, 6_000_000_00, 606_232_00))
    before = dump(store)
    ret, stored = import_file(path, store, fw)
    assert stored is None and dump(store) == before
    [hit] = [i for i in ret.errors if i.rule == "fund.allocation"]
    assert (hit.sheet, hit.row, hit.column) == ("Projects", 2, "A 'Project code'")
    assert hit.message.startswith("The total capital (CDEL) amount is greater than your allocation: project TD-RCN-03's "
                                  "capital spend and forecast come to £6,606,232.00, £1.00 over its capital allocation "
                                  "of £6,606,231.00")  # fmt: skip
    # exactly the allocation is accepted
    ok = write_workbook(tmp_path / "runcorn-ok.xlsx", runcorn_return(tables, 6_000_000_00, 606_231_00))
    ret, stored = import_file(ok, store, fw)
    assert stored is not None, [str(i) for i in ret.errors]
    # the other eight Runcorn projects are not in this return: a data quality warning, not an error
    assert sum(1 for i in ret.warnings if i.rule == "fund.missing-project") == 8


def test_revenue_is_checked_apart_from_capital(store, awarded, tables, tmp_path: Path, fw) -> None:
    t = runcorn_return(tables, 1_000_00, 0)
    t["spend"][0]["expense_type"] = "revenue"  # TD-RCN-03 has no revenue allocation at all
    ret, stored = import_file(write_workbook(tmp_path / "r.xlsx", t), store, fw)
    assert stored is None
    [hit] = [i for i in ret.errors if i.rule == "fund.allocation"]
    assert "The total revenue (RDEL) amount is greater than your allocation" in hit.message


def test_a_return_for_another_fund_cannot_report_a_town_deal(store, awarded, tables, tmp_path: Path, fw) -> None:
    t = runcorn_return(tables, 100_00, 0)
    t["return"][0]["fund"] = "ukspf"
    ret, stored = import_file(write_workbook(tmp_path / "r.xlsx", t), store, fw)
    assert stored is None
    assert any(i.rule == "schema.fund" and "programme TD-RCN is funded by Towns Fund (Town Deals)" in i.message
               for i in ret.errors)  # fmt: skip
