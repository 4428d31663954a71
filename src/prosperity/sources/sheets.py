"""Reading publishers' workbooks as they are published, and finding the newest edition of a file in a mirror.

Workbooks are read with python-calamine (values, not formulas; cached results of formulas). Publishers' workbooks
often carry a wrong stored sheet size (Nomis writes one row); calamine reads the cells themselves, not that size. Title and
note rows above a table are skipped by finding the table's header row by its first cells, never by a fixed row
number, so an edition with one more note row still loads.

A publisher's next edition usually has a new file name (``mye23tablesew.xlsx`` → ``mye24tablesew.xlsx``). A
source names its files by an anchored pattern whose first group is the edition; :func:`newest_edition` picks the
newest edition present, and lists the others as older editions that are not loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError

Row = tuple[Any, ...]


def read_sheets(path: Path, name: str, wanted: Callable[[str], bool]) -> dict[str, list[Row]]:
    """Every row of each sheet whose name ``wanted`` accepts, as tuples of cell values (None for empty).

    Read with python-calamine (:func:`prosperity.sources.workbooks.read_workbook`), which reads each sheet's cells
    themselves rather than its stored size, about ten times faster than openpyxl. Cells come back as openpyxl gave
    them (Excel writes whole numbers without a decimal point, which openpyxl read as ``int``; dates as
    ``datetime``), so the readers' text of a year, code or date is unchanged."""
    from prosperity.sources.workbooks import read_workbook

    sheets = read_workbook(path, name, wanted)  # an unreadable file is a ValidationError naming it
    return {sheet: [tuple(_whole(c) for c in row) for row in rows] for sheet, rows in sheets.items()}


def _whole(v: Any) -> Any:
    """A cell as openpyxl read it: a whole number as ``int``, a date as a ``datetime`` at midnight."""
    if type(v) is float:
        return int(v) if v.is_integer() else v
    if type(v) is date:
        return datetime.combine(v, time())
    return v


def cell_text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def header_row(rows: list[Row], first: Callable[[str], bool], file: str, sheet: str, what: str) -> int:
    """The index of the first row whose first cell satisfies ``first``; a clear error if there is none."""
    for i, row in enumerate(rows):
        if row and first(cell_text(row[0])):
            return i
    raise ValidationError(f"{file} [{sheet}]", f"no header row found: expected a row starting with {what}")


def newest_edition(mirror: Path, folder: str, pattern: re.Pattern[str]) -> tuple[str | None, list[str]]:
    """The newest file in ``mirror/folder`` whose name matches ``pattern`` (group 1 is the edition, compared as
    text after padding numbers), and the older ones."""
    d = mirror / folder
    if not d.is_dir():
        return None, []
    found = []
    for p in d.iterdir():
        if p.is_file() and (m := pattern.fullmatch(p.name)):
            key = re.sub(r"\d+", lambda n: n.group(0).zfill(8), m.group(1) or "")
            found.append((key, f"{folder}/{p.name}"))
    if not found:
        return None, []
    found.sort()
    return found[-1][1], [f for _, f in found[:-1]]


def as_number(v: Any) -> Any:
    """A cell as the loader expects it: numbers as they are, text stripped (markers such as ``[x]`` kept)."""
    if isinstance(v, str):
        return v.strip()
    return v


def first_code_rows(rows: Iterable[Row], start: int, code_col: int = 0) -> Iterable[tuple[int, Row]]:
    """(row number in the sheet, row) for each row from ``start`` whose code cell is not empty."""
    for n, row in enumerate(rows, start=1):
        if n <= start:
            continue
        if row and len(row) > code_col and cell_text(row[code_col]):
            yield n, row


# ---- a publisher's workbook, written in the shape of a mirror's CSV --------------------------------------------------
class SheetAsCsvFetcher:
    """Fetch a publisher's workbook (through another fetcher) and write one of its sheets as CSV.

    For sources whose mirror holds a CSV of one table of the publisher's workbook (the same publication in another
    shape): the sheet whose name matches ``sheet`` whole is written from its header row (the first row whose
    first cell matches ``header``) down, values as text, so that the mirror's reader reads the live file too.
    ``gzip`` compresses the CSV (for mirrors that hold ``.csv.gz``).
    """

    def __init__(self, inner: Any, sheet: str, header: str, gzip: bool = False):
        self.inner, self.sheet, self.header, self.gzip = inner, sheet, header, gzip

    def plan(self, settings: Any) -> list[str]:
        return [*self.inner.plan(settings), f"  … then its sheet /^{self.sheet}$/ is written as CSV from the row "
                f"starting /^{self.header}$/"]  # fmt: skip

    def fetch(self, session: Any, out: Any) -> dict[str, Any]:
        import csv
        import gzip as gz
        import io
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            with open(tmp.name, "w+b") as fh:
                info = self.inner.fetch(session, fh)
            pattern, head = re.compile(self.sheet, re.IGNORECASE), re.compile(self.header, re.IGNORECASE)
            sheets = read_sheets(Path(tmp.name), info.get("file") or "workbook", lambda s: bool(pattern.fullmatch(s)))
        if len(sheets) != 1:
            raise ValidationError(str(info.get("resolved_url", "workbook")), f"{len(sheets)} sheets match "
                                  f"^{self.sheet}$; expected exactly one")  # fmt: skip
        (name, rows), = sheets.items()
        h = header_row(rows, lambda c: bool(head.fullmatch(c)), "workbook", name, f"/{self.header}/")
        text = io.StringIO()
        w = csv.writer(text, lineterminator="\n")
        for r in rows[h:]:
            if any(cell_text(c) for c in r):
                w.writerow(["" if c is None else str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)
                            for c in r])  # fmt: skip
        data = text.getvalue().encode("utf-8")
        out.write(gz.compress(data) if self.gzip else data)
        return {**info, "sheet": name, "converted": "sheet written as CSV from its header row"}
