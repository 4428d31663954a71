"""IoD 2025 local authority summaries: live, MHCLG's own File 10 workbook (one sheet per index and domain) is
written in the long shape the mirror's CSV has, so the same reader loads either."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from prosperity.errors import ValidationError
from prosperity.sources.iod import FILE10_SHEETS, LONG_COLUMNS, File10AsCsv, file10_as_rows
from prosperity.sources.live.client import LiveSettings
from prosperity.sources.sheets import read_sheets

HEADER = ["Local Authority District code (2024)", "Local Authority District name (2024)",
          "IMD - Average rank ", "IMD - Rank of average rank ", "IMD - Average score ", "IMD - Rank of average score ",
          "IMD - Proportion of LSOAs in most deprived 10% nationally ",
          "IMD - Rank of proportion of LSOAs in most deprived 10% nationally "]  # fmt: skip


def _mirror_rows(mirror: Path) -> list[dict[str, str]]:
    with (mirror / "iod2025" / "indices_of_deprivation_2025_lad.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _as_file10(rows: list[dict[str, str]], path: Path, drop: str | None = None) -> Path:
    """The mirror's figures laid out as MHCLG's File 10 lays them out (a notes sheet, then one sheet per domain)."""
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["English Indices of Deprivation 2025: File 10"])
    for sheet, domain in FILE10_SHEETS.items():
        if sheet == drop:
            continue
        ws = wb.create_sheet(sheet)
        ws.append(HEADER)
        for r in rows:
            if r["index_domain"] == domain:
                ws.append([r["area_code"], r["area_name"], *(float(r[c]) for c in LONG_COLUMNS[5:])])
    wb.save(path)
    return path


def test_file10_workbook_becomes_the_mirrors_long_csv(mirror: Path, tmp_path: Path):
    rows = _mirror_rows(mirror)
    book = _as_file10(rows, tmp_path / "File_10_-_IoD2025_Local_Authority_District_Summaries__lower-tier__v2.xlsx")
    out = file10_as_rows(read_sheets(book, book.name, lambda s: True), book.name)
    assert out[0] == list(LONG_COLUMNS) and len(out) - 1 == len(rows)
    got = {(r[0], r[4]): r for r in out[1:]}
    for r in rows:
        g = got[(r["area_code"], r["index_domain"])]
        assert g[1] == r["area_name"] and g[2:4] == ["Local Authority District (2024)", "2025"]
        assert [float(x) for x in g[5:]] == [float(r[c]) for c in LONG_COLUMNS[5:]]
    # Liverpool's IMD row as published: the proportion of its LSOAs in England's most deprived 10%
    liv = got[("E08000012", "Index of Multiple Deprivation")]
    mine = next(r for r in rows if r["area_code"] == "E08000012" and r["index_domain"] == "Index of Multiple Deprivation")
    assert float(liv[9]) == float(mine["proportion_bottom_decile"])


def test_a_missing_domain_sheet_is_named(mirror: Path, tmp_path: Path):
    book = _as_file10(_mirror_rows(mirror), tmp_path / "f10.xlsx", drop="Barriers")
    with pytest.raises(ValidationError, match="no sheet 'Barriers'"):
        file10_as_rows(read_sheets(book, book.name, lambda s: True), book.name)


def test_the_live_plan_names_mhclgs_page_and_an_anchored_file_name():
    plan = "\n".join(File10AsCsv().plan(LiveSettings()))
    assert "government/statistics/english-indices-of-deprivation-2025" in plan
    assert "^File_10_-_IoD2025_Local_Authority_District_Summaries__lower-tier_" in plan and "trafford" not in plan
