"""DEFRA: local authority collected waste statistics (ENV18), the local authority and regional workbook.

The workbook has four title rows above each table. Two tables are read:

- Table 1, tonnages by authority and financial year (from 2014-15): local authority collected waste, household
  waste, household waste sent for reuse, recycling or composting, and not sent;
- Table 3, selected indicators (from 2010-11): residual household waste per household (ex NI 191), the share of
  household waste sent for reuse, recycling or composting (ex NI 192), the share of municipal waste sent to
  landfill (ex NI 193), and collected household waste per person. DEFRA stores the two shares as fractions
  (0.235); they are loaded as percentages (23.5), as the indicators' descriptions say.

Authorities are waste collection authorities (districts and metropolitan districts: they exclude waste taken to
household waste recycling centres), waste disposal authorities and unitary authorities; each row's kind is kept
in its note. DEFRA's own rule for totals is to sum unitary and disposal authorities only. Merseyside's disposal
authority has a GSS code of its own (``E50000006``), registered from the file as a waste disposal authority;
Liverpool City Region's figures are built from it and Halton (``assess/aggregation.yaml``). Regional totals are
named, not coded (``*North West``); they are matched to region codes through the area register (DEFRA's
"Eastern" is the East of England), and a name that matches nothing is reported. ``-`` (not applicable) and ``:``
(not available) are kept as markers.

Live location: the workbook on DEFRA's ENV18 statistical data set page, found through the GOV.UK content API.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef
from prosperity.sources.live.govuk import GovUkAttachmentFetcher
from prosperity.sources.names import AreaNames
from prosperity.sources.published import discover_newest
from prosperity.sources.workbooks import cell_text, read_workbook
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

DEFRA = "Department for Environment, Food and Rural Affairs"
PAGE = "https://www.gov.uk/government/statistical-data-sets/env18-local-authority-collected-waste-annual-results-tables"
_PAGE_PATH = PAGE.removeprefix("https://www.gov.uk/")
FOLDER = "waste-env18"
FILE = re.compile(r"LA_and_Regional_Spreadsheet_(\d{4,6})\w*\.(?:xlsx|ods)", re.IGNORECASE)
_GSS = re.compile(r"^[EWSNK]\d{8}$")
#: DEFRA's names of regions that differ from ONS's.
REGION_ALIASES = {"eastern": "East of England", "yorkshire and humber": "Yorkshire and The Humber",
                  "total england": "England"}  # fmt: skip

# column heading (as DEFRA writes it, compared in lower case from its start) → (indicator, scale)
TABLE1 = {
    "total local authority collected waste (tonnes)": ("defra-la-collected-waste", 1),
    "household - total waste (tonnes)": ("defra-household-waste", 1),
    "household - waste sent for recycling-composting-reuse (tonnes)": ("defra-household-waste-recycled", 1),
    "household - waste not sent for recycling (tonnes)": ("defra-household-waste-not-recycled", 1),
}
TABLE3 = {
    "residual household waste per household (kg/household)": ("defra-residual-household-waste-per-household", 1),
    "percentage of household waste sent for reuse, recycling or composting": ("defra-household-recycling-rate", 100),
    "percentage of municipal waste sent to landfill": ("defra-municipal-waste-landfilled", 100),
    "collected household waste per person (kg)": ("defra-household-waste-per-person", 1),
}
INDICATORS = (
    ("defra-la-collected-waste", "Local authority collected waste", "tonnes", 0,
     "All waste collected by or on behalf of the local authority in the financial year (ENV18 Table 1)."),
    ("defra-household-waste", "Household waste collected", "tonnes", 0,
     "Household waste collected, all sources (ENV18 Table 1)."),
    ("defra-household-waste-recycled", "Household waste sent for reuse, recycling or composting", "tonnes", 0,
     "Household waste sent for reuse, recycling or composting (ENV18 Table 1)."),
    ("defra-household-waste-not-recycled", "Household waste not sent for recycling", "tonnes", 0,
     "Household waste not sent for reuse, recycling or composting (ENV18 Table 1)."),
    ("defra-residual-household-waste-per-household", "Residual household waste per household", "kg per household",
     1, "Household waste not reused, recycled or composted, per household (ENV18 Table 3, ex NI 191)."),
    ("defra-household-recycling-rate", "Household waste sent for reuse, recycling or composting", "%", 1,
     "Share of household waste sent for reuse, recycling or composting (ENV18 Table 3, ex NI 192). DEFRA publishes "
     "it as a fraction (0.235); it is given here as a percentage (23.5%)."),
    ("defra-municipal-waste-landfilled", "Municipal waste sent to landfill", "%", 1,
     "Share of local authority collected municipal waste sent to landfill (ENV18 Table 3, ex NI 193), published "
     "by DEFRA as a fraction and given here as a percentage."),
    ("defra-household-waste-per-person", "Collected household waste per person", "kg per person", 1,
     "Household waste collected per resident (ENV18 Table 3, ex BVPI 84a)."),
)  # fmt: skip
CAVEAT = ("Financial years. Waste collection authorities' figures exclude household waste recycling centres, which "
          "disposal and unitary authorities run; compare disposal and unitary authorities with each other. DEFRA "
          "revises earlier years with each edition.")
MARKERS = ("-", ":")
#: The kind of authority a row is, as the geography a code the register lacks is registered in (E50: disposal).
KINDS = {"Disposal": "waste disposal authority", "Collection": "waste collection authority",
         "Unitary": "unitary authority"}  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    if mirror is None:
        ref: FileRef = LiveFileRef(f"{FOLDER}/LA_and_Regional_Spreadsheet.xlsx", PAGE, fetcher=GovUkAttachmentFetcher(
            _PAGE_PATH, None, r"LA_and_Regional_Spreadsheet_\w+\.xlsx", "xlsx"))  # fmt: skip
        return Discovery(datasets=[_dataset(ref)])
    return discover_newest(mirror, FOLDER, FILE, "defra/env18-waste", lambda path: _dataset(FileRef(path, PAGE)),
                           "a DEFRA ENV18")


def _dataset(ref: FileRef) -> Dataset:
    return Dataset(id="defra/env18-waste", source="defra-env18", title="Local authority collected waste statistics "
                   "(ENV18): tonnages and selected indicators by authority", publisher=DEFRA, files=(ref,), load=load,
                   prepare=prepare, publisher_url=PAGE)  # fmt: skip


def _columns(head: list[str], wanted: dict[str, tuple[str, int]], where: str, row: int) -> dict[int, tuple[str, int]]:
    out = {}
    for key, spec in wanted.items():
        idx = [i for i, h in enumerate(head) if h.lower().startswith(key)]
        if len(idx) != 1:
            raise ValidationError(where, f"{'no' if not idx else 'more than one'} column headed {key!r}; expected "
                                  "DEFRA's ENV18 columns", row=row)  # fmt: skip
        out[idx[0]] = spec
    return out


def prepare(ds: Dataset, local: dict[str, Path]) -> dict[str, Any]:
    ref = ds.main_file
    sheets = read_workbook(local[ref.path], ref.path, lambda s: s in ("Table_1", "Table_3", "Metadata"))
    rows: list[tuple[Any, ...]] = []
    regions: list[tuple[str, int, str, list[tuple[int, tuple[str, int]]], Any]] = []  # named regional totals
    for sheet, wanted in (("Table_1", TABLE1), ("Table_3", TABLE3)):
        if sheet not in sheets:
            raise ValidationError(ref.path, f"sheet {sheet!r} not found; expected DEFRA's ENV18 tables")
        data = sheets[sheet]
        where = f"{ref.path} [{sheet}]"
        h = next((i for i, r in enumerate(data) if len(r) > 2 and cell_text(r[2]).lower() == "ons code"), None)
        if h is None:
            raise ValidationError(where, "no header row: expected 'ONS Code' in column C under the title rows")
        head = [cell_text(c) for c in data[h]]
        cols = _columns(head, wanted, where, h + 1)
        for n, r in enumerate(data[h + 1:], start=h + 2):
            year, code, name, kind = (cell_text(r[0]), cell_text(r[2]), cell_text(r[4]) or cell_text(r[1]),
                                      cell_text(r[5]))  # fmt: skip
            if not re.match(r"^\d{4}-\d{2}$", year):
                continue  # blank rows and the notes under the table
            if not _GSS.match(code):
                if code == "Total":  # regional and England totals, named in the Region column
                    regions.append((sheet, n, cell_text(r[1]).lstrip("*"), list(cols.items()), r))
                    continue
                if "/" in code:  # a shared service of two councils reporting together
                    continue
                raise ValidationError(where, f"{code!r} is not an area code", row=n, column="ONS Code")
            for i, (ind, scale) in cols.items():
                rows.append(_row(where, n, head[i], ind, code, name, year, r[i] if i < len(r) else None, scale,
                                 f"{kind} authority" if kind else None, KINDS.get(kind)))  # fmt: skip
    shared = sum(1 for s in ("Table_1", "Table_3") for r in sheets[s] if len(r) > 2 and "/" in cell_text(r[2]))
    year = next((cell_text(r[1]) for r in sheets.get("Metadata", []) if len(r) > 1 and cell_text(r[0]) == "Year:"),
                None)  # fmt: skip
    return {"rows": rows, "regions": regions, "shared": shared, "year": year}


def _row(where: str, n: int, col: str, ind: str, code: str, name: str, year: str, v: Any, scale: int,
         note: str | None, geography: str | None = None) -> tuple[Any, ...]:  # fmt: skip
    status = None
    if isinstance(v, str) and v.strip() in MARKERS:
        v, status = None, v.strip()
    elif isinstance(v, int | float) and scale != 1:
        v = round(v * scale, 6)
    return (where, n, col, ind, code, name, geography, year, "", v, None, None, status, note)


def load(ctx: LoadContext) -> None:
    book = ctx.prepared() if ctx.prepared else prepare(ctx.dataset, ctx.local)
    ctx.stage_rows(book["rows"])
    # Regional and England totals are named, not coded: resolved through the register, every failure reported.
    names = AreaNames.from_warehouse(ctx.con)
    wanted = {n: REGION_ALIASES.get(n.lower(), n) for _s, _n, n, _c, _r in book["regions"]}
    res = names.resolve_all(wanted.values(), levels=("region", "nation"))
    file = ctx.dataset.main_file.path
    staged = []
    for sheet, n, name, cols, r in book["regions"]:
        code = res.codes.get(wanted[name])
        if code is None:
            continue
        for i, (ind, scale) in cols:
            staged.append(_row(f"{file} [{sheet}]", n, "", ind, code, name, cell_text(r[0]),
                               r[i] if i < len(r) else None, scale, "Regional total"))  # fmt: skip
    ctx.stage_rows(staged)
    if msg := res.message(file, "region names"):
        ctx.warnings.append(msg)
        ctx.set_aside.append((sum(1 for x in book["regions"] if wanted[x[2]] not in res.codes),
                              "regional total rows whose region name is not in the area register"))  # fmt: skip
    if book["shared"]:
        ctx.set_aside.append((book["shared"], "rows of councils reporting together as a shared service (two codes)"))
    if book["year"]:
        ctx.metadata["edition"] = book["year"]
    for ind, label, unit, dp, desc in INDICATORS:
        ctx.add_indicator(IndicatorMeta(ind, label, label, measure=unit, unit=unit, decimal_places=dp,
                                        description=desc, caveats=CAVEAT, source_org=DEFRA, source_url=PAGE,
                                        experimental=False))  # fmt: skip
