"""Broken returns (issue 12, point 7): each on a copy of the template, each with a located message, nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from prosperity.programmes.importer import ReturnUnreadable, read_return
from tests.programmes.conftest import csv_bundle, dump, import_file


def rejected(path: Path, store, fw, rule: str) -> list:
    before = dump(store)
    ret, stored = import_file(path, store, fw)
    assert stored is None
    assert dump(store) == before, "a rejected return must change nothing"
    hits = [i for i in ret.errors if i.rule == rule]
    assert hits, [str(i) for i in ret.errors]
    return hits


def test_the_filled_template_imports_cleanly(copy, store, fw) -> None:
    ret, stored = import_file(copy(), store, fw)
    assert stored == 1, [str(i) for i in ret.issues]
    assert ret.issues == []


def test_wrong_sheet_name(copy, store, fw) -> None:
    path = copy()
    wb = load_workbook(path)
    wb["Spend"].title = "Spending 2025"
    wb.save(path)
    [hit] = rejected(path, store, fw, "schema.sheet")
    assert (hit.file, hit.sheet) == ("return.xlsx", "Spending 2025")
    assert "sheet 'Spending 2025' is not part of a return; did you mean 'Spend'?" in hit.message


def test_required_sheet_missing(copy, store, fw) -> None:
    path = copy()
    wb = load_workbook(path)
    del wb["Projects"]
    wb.save(path)
    [hit] = rejected(path, store, fw, "schema.sheet")
    assert "required sheet 'Projects' is missing" in hit.message


def test_a_total_that_does_not_add_up(copy, store, fw) -> None:
    # Budgets row 2: capital 360,000 + revenue 90,000 = 450,000; say 460,000
    [hit] = rejected(copy({("Budgets", "I2"): 460000}), store, fw, "fund.total")
    assert (hit.sheet, hit.row, hit.column) == ("Budgets", 2, "I 'Total (£)'")
    assert "the total £460,000.00 does not add up: capital £360,000.00 plus revenue £90,000.00 is £450,000.00" in hit.message
    assert str(hit).startswith("return.xlsx, sheet 'Budgets', row 2, column I 'Total (£)': ")


def test_a_duplicate_project_code(copy, store, fw) -> None:
    [hit] = rejected(copy({("Projects", "A3"): "EX-TC-01"}), store, fw, "schema.unique")
    assert (hit.sheet, hit.row, hit.column) == ("Projects", 3, "A 'Project code'")
    assert "Project code EX-TC-01 is already on row 2" in hit.message


def test_a_negative_spend_without_a_reason(copy, store, fw) -> None:
    [hit] = rejected(copy({("Spend", "G2"): -5000}), store, fw, "fund.negative-spend")
    assert (hit.sheet, hit.row, hit.column) == ("Spend", 2, "G 'Value (£)'")
    assert "a negative spend (£-5,000.00) needs a reason" in hit.message
    # the same value with a reason is accepted
    ret, stored = import_file(copy({("Spend", "G2"): -5000, ("Spend", "I2"): "Reversal of a duplicated invoice"},
                                   name="ok.xlsx"), store, fw)  # fmt: skip
    assert stored is not None, [str(i) for i in ret.errors]


def test_a_date_in_the_wrong_financial_year(copy, store, fw) -> None:
    # Spend row 2 is dated in 2024-25; claim 2025-26
    [hit] = rejected(copy({("Spend", "D2"): "2025-26"}), store, fw, "fund.financial-year")
    assert (hit.sheet, hit.row, hit.column) == ("Spend", 2, "C 'Date'")
    assert "is not in financial year 2025-26 (2025-04-01 to 2026-03-31)" in hit.message


def test_an_unknown_framework_id(copy, store, fw) -> None:
    [hit] = rejected(copy({("Indicators", "J2"): "town-centre-vacancies"}), store, fw, "fund.framework-id")
    assert (hit.sheet, hit.row, hit.column) == ("Indicators", 2, "J 'Strategy indicator'")
    assert "'town-centre-vacancies' is not a strategy indicator of the strategy framework; did you mean " \
           "'town-centre-vacancy'?" in hit.message  # fmt: skip
    [hit] = rejected(copy({("Programmes", "L2"): "lis-o03; lis-o99"}, name="o.xlsx"), store, fw, "fund.framework-id")
    assert (hit.sheet, hit.column) == ("Programmes", "L 'Strategy outcomes'")


def test_wrong_cells_are_located(copy, store, fw) -> None:
    path = copy({("Spend", "C3"): "31st March", ("Spend", "E3"): "capitol", ("Forecasts", "F2"): "lots"})
    before = dump(store)
    ret, stored = import_file(path, store, fw)
    assert stored is None and dump(store) == before
    got = {(i.sheet, i.row, i.column): i.message for i in ret.errors}
    assert "'31st March' is not a date" in got[("Spend", 3, "C 'Date'")]
    assert "did you mean 'capital'?" in got[("Spend", 3, "E 'Capital or revenue'")]
    assert "'lots' is not an amount of money" in got[("Forecasts", 2, "F 'Value (£)'")]


def test_a_wrong_column_name(copy, store, fw) -> None:
    unknown, missing = rejected(copy({("Spend", "G1"): "Amount"}), store, fw, "schema.column")
    assert (unknown.sheet, unknown.row, unknown.column) == ("Spend", 1, "G 'Amount'")
    assert unknown.message.startswith("unknown column 'Amount'. The columns of this sheet are: 'Project code'")
    assert (missing.sheet, missing.row, missing.message) == ("Spend", 1, "required column 'Value (£)' is missing from "
                                                             "the header row")  # fmt: skip


@pytest.mark.parametrize(("edits", "rule", "where"), [
    ({("Budgets", "D2"): "2026-04-01", ("Budgets", "B2"): "2024-25"}, "iati-7.5.3", ("Budgets", 2)),
    ({("Budgets", "C2"): "2025-03-31", ("Budgets", "D2"): "2024-04-01"}, "iati-8.6.3", ("Budgets", 2)),
    ({("Indicators", "I2"): None}, "iati-8.8.1", ("Indicators", 2)),
    ({("Indicator periods", "E3"): None}, "iati-8.9.1", ("Indicator periods", 3)),
    ({("Indicator periods", "F3"): None}, "iati-8.10.1", ("Indicator periods", 3)),
    ({("Spend", "C2"): "2026-02-01", ("Spend", "D2"): "2025-26"}, "iati-11.2.1", ("Spend", 2)),
    ({("Spend", "C2"): "2025-10-02", ("Spend", "D2"): "2025-26"}, "fund.actual-after-round", ("Spend", 2)),
    ({("Forecasts", "C2"): "2025-09-01"}, "fund.forecast-in-round", ("Forecasts", 2)),
    ({("Progress", "F3"): None}, "fund.delay-factor", ("Progress", 3)),
    ({("Return", "G2"): "2027-01-01"}, "fund.sign-off-date", ("Return", 2)),
    ({("Projects", "B3"): "EX-OTHER"}, "schema.reference", ("Projects", 3)),
])  # fmt: skip
def test_standard_and_fund_rules(copy, store, fw, edits, rule, where) -> None:
    hits = rejected(copy(edits), store, fw, rule)
    assert where in {(h.sheet, h.row) for h in hits}


def test_csv_bundle_names_the_file(tmp_path, tables, store, fw) -> None:
    tables["spend"][0]["value"] = -100_00
    folder = csv_bundle(tmp_path, tables)
    (folder / "spend.csv").rename(folder / "spending.csv")
    before = dump(store)
    ret, stored = import_file(folder, store, fw)
    assert stored is None and dump(store) == before
    assert any("file 'spending.csv' is not part of a return; did you mean 'spend.csv'?" in i.message for i in ret.errors)
    (folder / "spending.csv").rename(folder / "spend.csv")
    ret, stored = import_file(folder, store, fw)
    [hit] = [i for i in ret.errors if i.rule == "fund.negative-spend"]
    assert (hit.file, hit.sheet, hit.row, hit.column) == ("bundle/spend.csv", "Spend", 2, "G 'Value (£)'")


def test_unreadable_files_are_refused_plainly(tmp_path) -> None:
    bad = tmp_path / "return.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(ReturnUnreadable, match="not an Excel workbook that can be read"):
        read_return(bad)
    with pytest.raises(ReturnUnreadable, match="no such file or folder"):
        read_return(tmp_path / "missing.xlsx")


def test_a_correction_is_a_new_submission_and_the_first_is_kept(copy, store, fw) -> None:
    from prosperity.programmes.portfolio import review_round

    _, first = import_file(copy(), store, fw)
    before = dump(store)
    _, second = import_file(copy({("Spend", "G2"): 370000}, name="corrected.xlsx"), store, fw)
    assert (first, second) == (1, 2)
    after = dump(store)
    for table, rows in before.items():  # nothing that was stored changed: the second return only added rows
        assert set(rows) <= set(after[table]) or table in ("programme", "project"), table
    with store.session() as s:
        from prosperity.programmes import model as m

        assert s.get(m.Submission, 2).supersedes_id == 1
        pf = review_round(s, "2025-26-H1")
        assert {v.submission.id for v in pf.projects} == {2}
        spent = {v.code: v.actual_to_date for v in pf.projects}
    # the corrected row 2 (capital, 2024 H1) went from £180,000 to £370,000
    assert spent["EX-TC-01"] == 748_750_00 + 190_000_00


def test_risk_scores_stay_on_the_towns_fund_scales(copy, store, fw) -> None:
    [hit] = rejected(copy({("Risks", "G2"): 7}), store, fw, "schema.range")
    assert (hit.sheet, hit.row, hit.column, hit.message) == ("Risks", 2, "G 'Impact after mitigation (1-6)'",
                                                             "7 is outside the scale 1 to 6")  # fmt: skip
