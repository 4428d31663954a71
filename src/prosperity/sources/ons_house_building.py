"""ONS "House building, UK: permanent dwellings started and completed by local authority": the publisher's workbook.

ONS publishes, each year, one workbook (``uklocalauthorityhousebuilding.xlsx``) with permanent dwellings started
and completed in each UK local authority by financial year, compiled from the four nations' house building
statistics (for England, MHCLG's), rounded to the nearest 10. The sheet
``UK_Completions`` has title and note rows, then a table whose header row names ``Local Authority Code`` and
``Local Authority Name`` (after the region or country) and one column per financial year (``2009-2010`` …);
markers such as ``[x]`` (not available: Northern Ireland before 2015-16) and ``[low]`` stand where a figure is not
given. The table is found by its heading, not by a fixed row or column, so a title row more or a year more loads.

Loaded as ``dwelling-completions`` (dwellings, financial year ``2023/24``), the same indicator as the mirror's
compilation of this table (:mod:`prosperity.sources.emissions_housing`). The compilation's "per 1,000 residents"
column divides by an analyst's choice of survey population, which ONS does not publish; it is not derived here.

Live location: the newest edition's file on the ONS dataset page (:class:`OnsDatasetPageFetcher`, anchored
pattern :data:`LIVE_FILE`). The layout above is as public code that reads this file relies on (DanOlner/ukcompare,
``explore_code/uk_housebuildingrates_localauthority.R``: sheet ``UK_Completions``, table at B6:S367 of the edition
for the financial year ending March 2024, year columns ``2009-2010`` to ``2023-2024``, markers ``[x]`` and
``[low]``); it has not been checked against the publisher's file here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, FileRef
from prosperity.sources.live.base import LiveFileRef, read_provenance
from prosperity.sources.live.ons_api import OnsDatasetPageFetcher
from prosperity.sources.workbooks import cell_text, read_workbook
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

ONS = "Office for National Statistics"
PAGE = ("https://www.ons.gov.uk/peoplepopulationandcommunity/housing/datasets/"
        "housebuildingukpermanentdwellingsstartedandcompletedbylocalauthority")  # fmt: skip
#: The live file's whole name (case-insensitive); the raw cache keeps it under :data:`CACHE`.
LIVE_FILE = r"uklocalauthorityhousebuilding\.xlsx"
FOLDER = "housing"
CACHE = f"{FOLDER}/uklocalauthorityhousebuilding.xlsx"
#: A mirror's copy of the workbook, under its published name (a later edition may add the year to it).
FILE = re.compile(r"uklocalauthorityhousebuilding(\d{4})?\.xlsx", re.IGNORECASE)
SHEET = re.compile(r"UK_Completions", re.IGNORECASE)
CODE, NAME = "Local Authority Code", "Local Authority Name"
#: A financial-year heading: ``2009-2010`` (as published), also ``2009-10`` or ``2009 to 2010``.
YEAR = re.compile(r"(\d{4})\s*(?:-|–|to)\s*(\d{2}|\d{4})")
_NOTE = re.compile(r"\s*\[note \d+\]\s*", re.IGNORECASE)
_GSS = re.compile(r"[EWSN]\d{8}")


def dataset(ref: FileRef) -> Dataset:
    return Dataset(id="housing/dwelling-completions", source="ons-house-building",
                   title="Permanent dwellings completed, by local authority (ONS house building workbook)",
                   publisher=ONS, files=(ref,), load=load, prepare=prepare, publisher_url=PAGE)  # fmt: skip


def live_dataset() -> Dataset:
    return dataset(LiveFileRef(CACHE, PAGE, fetcher=OnsDatasetPageFetcher(PAGE, LIVE_FILE)))


def in_mirror(mirror: Path) -> str | None:
    """The mirror path of the publisher's workbook if the mirror holds it (a raw cache used as a mirror)."""
    d = mirror / FOLDER
    if not d.is_dir():
        return None
    found = sorted(p.name for p in d.iterdir() if p.is_file() and FILE.fullmatch(p.name))
    return f"{FOLDER}/{found[-1]}" if found else None


def _heading(v: Any) -> str:
    return _NOTE.sub(" ", cell_text(v)).strip()


def financial_year(heading: str) -> str | None:
    """``2023/24`` for a financial-year heading such as ``2023-2024``; None if the heading is not one.

    >>> financial_year("2023-2024"), financial_year("2009-10"), financial_year("Local Authority Code")
    ('2023/24', '2009/10', None)
    """
    m = YEAR.fullmatch(heading)
    if not m:
        return None
    start, end = int(m.group(1)), m.group(2)
    if int(end[-2:]) != (start + 1) % 100:
        return None
    return f"{start}/{end[-2:]}"


def prepare(ds: Dataset, local: dict[str, Path]) -> dict[str, Any]:
    """The completions table's cells as staging rows (pure Python, run in a background thread)."""
    ref = ds.main_file
    name = ref.path
    sheets = read_workbook(local[ref.path], name, lambda s: bool(SHEET.fullmatch(s.strip())))
    if len(sheets) != 1:
        raise ValidationError(name, "no sheet named 'UK_Completions' (ONS's table of permanent dwellings completed "
                              "by local authority)")  # fmt: skip
    (sheet, data), = sheets.items()
    where = f"{name} [{sheet}]"
    h = next((i for i, r in enumerate(data) if any(_heading(c) == CODE for c in r)), None)
    if h is None:
        raise ValidationError(where, f"no header row: expected a row with '{CODE}', '{NAME}' and financial years")
    head = [_heading(c) for c in data[h]]
    if head.count(CODE) != 1 or NAME not in head:
        raise ValidationError(where, f"the header row needs one '{CODE}' and a '{NAME}' column", row=h + 1)
    code_col, name_col = head.index(CODE), head.index(NAME)
    years = [(i, fy) for i, c in enumerate(head) if (fy := financial_year(c))]
    if not years:
        raise ValidationError(where, "no financial-year columns (headed like '2023-2024') in the header row",
                              row=h + 1)  # fmt: skip
    rows: list[tuple[Any, ...]] = []
    for n, r in enumerate(data[h + 1:], start=h + 2):
        code = cell_text(r[code_col]) if code_col < len(r) else ""
        if not code:
            continue  # notes under the table
        if not _GSS.fullmatch(code):
            raise ValidationError(where, f"{code!r} is not a local authority code", row=n, column=CODE)
        area = cell_text(r[name_col]) if name_col < len(r) else ""
        for i, fy in years:
            v = r[i] if i < len(r) else None
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            rows.append((where, n, head[i], "dwelling-completions", code, area, None, fy, "", cell_text(v),
                         None, None, None, None))  # fmt: skip
    if not rows:
        raise ValidationError(where, "no figures under the header row (is the file truncated?)")
    return {"rows": rows, "years": [fy for _, fy in years], "sheet": sheet}


def load(ctx: LoadContext) -> None:
    ref = ctx.dataset.main_file
    read_provenance(ctx, ref)
    book = ctx.prepared() if ctx.prepared else prepare(ctx.dataset, ctx.local)
    ctx.stage_rows(book["rows"])
    ctx.set_aside_where("area_code NOT IN (SELECT code FROM areas)", "rows for areas not in the area register")
    ctx.metadata.update({"sheet": book["sheet"], "financial_years": [book["years"][0], book["years"][-1]]})
    ctx.add_indicator(IndicatorMeta(
        "dwelling-completions", "Permanent dwellings completed", "Financial year columns", measure="Dwellings",
        unit="dwellings", decimal_places=0, source_org=ONS, source_url=PAGE, experimental=False,
        description="Permanent dwellings completed in the financial year (April to March), all tenures.",
        caveats="ONS's UK compilation of the four nations' house building statistics, rounded to the nearest 10; "
                "the nations count completions differently (see the dataset's notes). Markers such as '[x]' and "
                "'[low]' are kept as published, never read as zero."))  # fmt: skip
