"""The workbook reader (python-calamine) gives the cells openpyxl gave: the sources' readings did not change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from prosperity.errors import ValidationError
from prosperity.sources.sheets import read_sheets


def _openpyxl(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = {}
        for name in wb.sheetnames:
            ws = wb[name]
            ws.reset_dimensions()
            out[name] = [tuple(r) for r in ws.iter_rows(values_only=True)]
        return out
    finally:
        wb.close()


def _trimmed(rows: list[tuple]) -> list[tuple]:
    out = []
    for r in rows:
        r = list(r)
        while r and r[-1] is None:
            r.pop()
        out.append(tuple(r))
    while out and not out[-1]:
        out.pop()
    return out


def test_cells_read_as_openpyxl_read_them(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Table 1"
    ws.append(["Title of the table", None, None])
    ws.append([])
    ws.append(["Code", "Name", 2021, 2022.0, "Date", "Time stamp", "Flag", "Note"])
    ws.append(["E06000001", "Hartlepool ", 1234, 56.75, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 9, 30), True, "[x]"])
    ws.append(["E06000002", None, 0, -3, None, None, False, "=1+1"])
    wb.create_sheet("Notes").append(["published on 26 May 2021"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    ours, theirs = read_sheets(path, "book.xlsx", lambda s: True), _openpyxl(path)
    assert list(ours) == list(theirs) == ["Table 1", "Notes"]
    for sheet in ours:
        a, b = _trimmed(ours[sheet]), _trimmed(theirs[sheet])
        assert a == b
        assert [[type(c) for c in r] for r in a] == [[type(c) for c in r] for r in b]  # int stays int, dates datetime
    assert ours["Table 1"][2][2:4] == (2021, 2022) and type(ours["Table 1"][3][3]) is float
    assert read_sheets(path, "book.xlsx", lambda s: s == "Notes").keys() == {"Notes"}


def test_a_file_that_is_not_a_workbook_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-book.xlsx"
    bad.write_text("Code,Name\n")
    with pytest.raises(ValidationError, match="not-a-book.xlsx: not a readable spreadsheet"):
        read_sheets(bad, "not-a-book.xlsx", lambda s: True)
