"""ONS regional accounts: GVA by industry for ITL areas, ITL population, subregional productivity, LA GDP.

- ``regional-accounts/gva-current-prices``: regional GVA (balanced) at current basic prices, £ million, April 2024
  release: Table 1 (UK, England, every ITL area, all industries) and Tables 2c and 3c (ITL2 and ITL3 by SIC07
  section and division), 1998–2022. Table 1 repeats the tables' all-industry totals; the load checks they agree.
- ``regional-accounts/gva-chained-volume``: Tables 2b and 3b, chained volume measures in 2019 money value.
- ``regional-accounts/population-itl``: Table 6, total resident population by ITL area.
- ``regional-accounts/subregional-productivity``: the ONS subregional productivity workbook (June 2023 release):
  GVA per hour worked and per filled job (£ and indices), hours worked and jobs, ITL1–ITL3, 2002/2004–2021.
  The mirror also holds CSV extracts of four of its tables; the workbook is read instead, as it carries the
  years of every column and unrounded values.
- ``regional-accounts/la-gdp``: regional GDP by local authority (May 2021 release), 1998–2019: GVA and GDP at
  current prices, population, GDP per head, GDP in chained volume measures.

ITL codes are kept as ONS publishes them; ``UK`` is the United Kingdom (K02000001) and ``UKX`` the UK less
Extra-Regio (K99000002).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.sheets import read_sheets
from prosperity.warehouse.loading import IndicatorMeta, LoadContext
from prosperity.warehouse.sql import quote_ident as _q

ONS = "Office for National Statistics"
GVA_PAGE = "https://www.ons.gov.uk/economy/grossvalueaddedgva/datasets/regionalgrossvalueaddedbalancedbyindustry"
PRODUCTIVITY_PAGE = "https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork/labourproductivity/datasets/subregionalproductivitylabourproductivitygvaperhourworkedandgvaperfilledjobindicesbyuknuts2andnuts3subregions"  # noqa: E501
LA_GDP_PAGE = "https://www.ons.gov.uk/economy/grossdomesticproductgdp/datasets/regionalgrossdomesticproductlocalauthorities"  # noqa: E501

T1 = "regional-accounts/Table 1 GVA balanced at current basic prices millions Apr2024.csv"
T2C = "regional-accounts/Table 2c ITL2 current price estimates pounds million 2024.csv"
T3C = "regional-accounts/Table 3c ITL3 current price estimates pounds million 2024.csv"
T2B = "regional-accounts/Table 2b ITL2 UK chained volume measures in 2019 money value pounds million.csv"
T3B = "regional-accounts/Table 3b ITL3 UK chained volume measures in 2019 money value pounds million.csv"
T6 = "regional-accounts/Table 6 Total resident population numbers persons Apr2024.csv"
PRODUCTIVITY = "regional-accounts/itlproductivity.xlsx"
LA_GDP = "regional-accounts/regionalgrossdomesticproductlocalauthorities.xlsx"
EXTRACTS = (
    "regional-accounts/Productivity Hours Worked per Week ITL2 and ITL3 subregions constrained to ITL1 2004 2021.csv",
    "regional-accounts/Table A4 Current Price unsmoothed GVA B per hour worked £ ITL2 and ITL3 subregions 2004 to 2021.csv",  # noqa: E501
    "regional-accounts/Table A5 itlproductivity_cvperhourworked_indices.csv",
    "regional-accounts/Table B4 Current Price unsmoothed GVA B per filled job £ ITL2 and ITL3 subregions 2002 to 2021.csv",  # noqa: E501
)
#: The regional accounts' own codes for the UK, as the GSS codes the rest of the warehouse uses.
CODE_ALIASES = {"UK": "K02000001", "UKX": "K99000002"}


#: Month abbreviations a spreadsheet writes when it has read a SIC division range (``02-03``) as a date (2 March).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_MANGLED = re.compile(r"^(\d{1,2})-(" + "|".join(_MONTHS) + r")$")


def sic_range_from_date(code: str) -> str:
    """A SIC 2007 division range that a spreadsheet turned into a date, read back as the range ONS publishes.

    ONS's Table 2c gives divisions ``02-03`` (forestry and fishing) and ``11-12`` (beverages and tobacco); the copy
    that reached us had been through a spreadsheet that read them as the dates 2 March and 11 December and wrote
    ``02-Mar`` and ``11-Dec``. Any other code is returned unchanged.

    >>> sic_range_from_date("02-Mar"), sic_range_from_date("11-Dec"), sic_range_from_date("14-15")
    ('02-03', '11-12', '14-15')
    """
    m = _DATE_MANGLED.match(code.strip())
    if not m:
        return code
    return f"{int(m.group(1)):02d}-{_MONTHS.index(m.group(2)) + 1:02d}"


def _sic_sql(column: str) -> str:
    """SQL giving :func:`sic_range_from_date` of ``column`` (a quoted identifier)."""
    months = " ".join(f"WHEN '{m}' THEN '{i:02d}'" for i, m in enumerate(_MONTHS, start=1))
    return (f"CASE WHEN regexp_matches({column}, '{_DATE_MANGLED.pattern}') "
            f"THEN lpad(split_part({column}, '-', 1), 2, '0') || '-' || CASE split_part({column}, '-', 2) {months} END "
            f"ELSE {column} END")  # fmt: skip


def _alias_sql(column: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CODE_ALIASES.items())
    return f"CASE {column} {whens} ELSE {column} END"
_YEAR = re.compile(r"^\d{4}$")

# Workbook sheet → (indicator id, label, unit, measure, decimal places)
PRODUCTIVITY_SHEETS = {
    "A1": ("gva-per-hour-worked-index-itl", "GVA per hour worked, current prices (smoothed), index UK=100",
           "index (UK=100)", "Index, UK = 100", 1),
    "A2": ("gva-per-hour-worked-index-unsmoothed-itl",
           "GVA per hour worked, current prices (unsmoothed), index UK=100", "index (UK=100)", "Index, UK = 100", 1),
    "A3": ("gva-per-hour-worked-smoothed-itl", "GVA per hour worked, current prices (smoothed)", "£", "Pounds", 2),
    "A4": ("gva-per-hour-worked-itl", "GVA per hour worked, current prices (unsmoothed)", "£", "Pounds", 2),
    "A5": ("gva-per-hour-worked-cvm-index-itl", "GVA per hour worked, chained volume, index 2020=100",
           "index (2020=100)", "Index, 2020 = 100", 1),
    "B1": ("gva-per-filled-job-index-itl", "GVA per filled job, current prices (smoothed), index UK=100",
           "index (UK=100)", "Index, UK = 100", 1),
    "B2": ("gva-per-filled-job-index-unsmoothed-itl",
           "GVA per filled job, current prices (unsmoothed), index UK=100", "index (UK=100)", "Index, UK = 100", 1),
    "B3": ("gva-per-filled-job-smoothed-itl", "GVA per filled job, current prices (smoothed)", "£", "Pounds", 0),
    "B4": ("gva-per-filled-job-itl", "GVA per filled job, current prices (unsmoothed)", "£", "Pounds", 0),
    "B5": ("gva-per-filled-job-cvm-index-itl", "GVA per filled job, chained volume, index 2020=100",
           "index (2020=100)", "Index, 2020 = 100", 1),
    "Productivity Hours": ("hours-worked-per-week-itl", "Hours worked per week (productivity hours)", "hours",
                           "Hours worked per week", 0),
    "Productivity Jobs": ("filled-jobs-itl", "Filled jobs (productivity jobs)", "jobs", "Jobs", 0),
}  # fmt: skip
LA_GDP_SHEETS = {
    "Table 1": ("gva-current-prices-la", "Gross value added (balanced) at current basic prices", "£ million",
                "Pounds million", 0),
    "Table 5": ("gdp-current-prices-la", "Gross domestic product at current market prices", "£ million",
                "Pounds million", 0),
    "Table 6": ("population-la", "Total resident population", "persons", "Persons", 0),
    "Table 7": ("gdp-per-head-la", "Gross domestic product per head at current market prices", "£", "Pounds", 0),
    "Table 10": ("gdp-chained-volume-la", "Gross domestic product, chained volume measures in 2018 money value",
                 "£ million (2018 prices)", "Pounds million, 2018 prices", 0),
    "Table 11": ("gdp-chained-volume-per-head-la", "Gross domestic product per head, chained volume measures",
                 "£ (2018 prices)", "Pounds, 2018 prices", 0),
}  # fmt: skip


#: Live: each table is a sheet of an ONS workbook, found on its ONS dataset page (newest edition, anchored file
#: name) and written as the CSV the mirror holds (the mirror's CSVs were cut from these workbooks by an analyst).
#: Workbook file and sheet names are as ONS has published them; they are not verified against a live request.
PER_HEAD_PAGE = ("https://www.ons.gov.uk/economy/grossvalueaddedgva/datasets/"
                 "nominalregionalgrossvalueaddedbalancedperheadandincomecomponents")  # fmt: skip
LIVE_TABLES = {
    T1: (PER_HEAD_PAGE, r"regionalgrossvalueaddedbalancedperheadandincomecomponents\.xlsx", r"Table ?1"),
    T6: (PER_HEAD_PAGE, r"regionalgrossvalueaddedbalancedperheadandincomecomponents\.xlsx", r"Table ?6"),
    T2C: (GVA_PAGE, r"regionalgrossvalueaddedbalancedbyindustryandallitlregions\.xlsx", r"Table ?2c"),
    T3C: (GVA_PAGE, r"regionalgrossvalueaddedbalancedbyindustryandallitlregions\.xlsx", r"Table ?3c"),
    T2B: (GVA_PAGE, r"regionalgrossvalueaddedbalancedbyindustryandallitlregions\.xlsx", r"Table ?2b"),
    T3B: (GVA_PAGE, r"regionalgrossvalueaddedbalancedbyindustryandallitlregions\.xlsx", r"Table ?3b"),
}  # fmt: skip


def _ref(path: str) -> FileRef:
    """The mirror's file, live from the publisher: a workbook on an ONS dataset page (one sheet, for the CSVs)."""
    from prosperity.sources.live.base import LiveFileRef
    from prosperity.sources.live.ons_api import OnsDatasetPageFetcher
    from prosperity.sources.sheets import SheetAsCsvFetcher

    if path in LIVE_TABLES:
        page, file, sheet = LIVE_TABLES[path]
        return LiveFileRef(path, page, fetcher=SheetAsCsvFetcher(OnsDatasetPageFetcher(page, file), sheet, r"ITL.*"))
    page, file = {PRODUCTIVITY: (PRODUCTIVITY_PAGE, r"itlproductivity\.xlsx"),
                  LA_GDP: (LA_GDP_PAGE, r"regionalgrossdomesticproductlocalauthorities\.xlsx")}[path]
    return LiveFileRef(path, page, fetcher=OnsDatasetPageFetcher(page, file))


def discover(mirror: Path | None) -> Discovery:
    common: dict[str, Any] = dict(source="ons-regional-accounts", publisher=ONS)
    found = Discovery(
        datasets=[
            Dataset(id="regional-accounts/gva-current-prices", files=(_ref(T1), _ref(T2C), _ref(T3C)),
                    title="Regional gross value added (balanced) by industry, current prices, ITL areas",
                    load=load_gva_current, publisher_url=GVA_PAGE, **common),
            Dataset(id="regional-accounts/gva-chained-volume", files=(_ref(T2B), _ref(T3B)),
                    title="Regional gross value added (balanced) by industry, chained volume measures, ITL areas",
                    load=load_gva_cvm, publisher_url=GVA_PAGE, **common),
            Dataset(id="regional-accounts/population-itl", files=(_ref(T6),),
                    title="Total resident population, ITL areas", load=load_population,
                    publisher_url=GVA_PAGE, **common),
            Dataset(id="regional-accounts/subregional-productivity", files=(_ref(PRODUCTIVITY),),
                    title="Subregional productivity: GVA per hour worked and per filled job, ITL areas",
                    load=load_productivity, prepare=prepare_productivity, publisher_url=PRODUCTIVITY_PAGE,
                    **common),
            Dataset(id="regional-accounts/la-gdp", files=(_ref(LA_GDP),),
                    title="Regional gross domestic product by local authority", load=load_la_gdp, prepare=prepare_la_gdp,
                    publisher_url=LA_GDP_PAGE, **common),
        ]
    )  # fmt: skip
    if mirror is not None:
        for path in EXTRACTS:
            found.ignored.append((path, f"an extract of {PRODUCTIVITY.split('/')[1]}, which is loaded instead"))
    return found


def _stage_wide(ctx: LoadContext, ref: FileRef, indicator: str, code_col: str, name_col: str,
                breakdown_cols: tuple[str, str] | None = None, fixed_breakdown: str = "") -> None:
    """Stage a table with one row per area (and industry) and one column per year."""
    header = ctx.read_csv(ref, "raw")
    years = [h for h in header if _YEAR.match(h)]
    required = [code_col, name_col, *(breakdown_cols or ())]
    LoadContext.check_columns(ctx.name(ref), header, required + years, ["ITL", "ITL level"])
    if not years:
        raise ValidationError(ctx.name(ref), "no year columns found; expected columns such as '1998'", row=1)
    brk = _sic_sql(_q(breakdown_cols[0])) if breakdown_cols else "?"
    params: list[Any] = [ctx.name(ref), indicator] + ([] if breakdown_cols else [fixed_breakdown])
    ctx.stage(
        f"""SELECT ?, row_no, year, ?, {_alias_sql(_q(code_col))}, {_q(name_col)}, NULL, year,
                   {brk}, v, NULL, NULL, NULL, NULL
            FROM (UNPIVOT raw ON {', '.join(_q(y) for y in years)} INTO NAME year VALUE v)""",
        params,
    )
    if breakdown_cols:
        mangled = []
        for code, label in ctx.con.execute(
            f"SELECT DISTINCT {_q(breakdown_cols[0])}, {_q(breakdown_cols[1])} FROM raw ORDER BY 1"
        ).fetchall():
            ctx.breakdown_labels[(indicator, sic_range_from_date(str(code)))] = label
            if sic_range_from_date(str(code)) != code:
                mangled.append(f"{code!r} as {sic_range_from_date(str(code))}")
        if mangled:
            ctx.warnings.append(f"{ctx.name(ref)}: SIC07 codes a spreadsheet had turned into dates read back as the "
                                f"division ranges they stand for: {', '.join(mangled)}")  # fmt: skip


def load_gva_current(ctx: LoadContext) -> None:
    t1, t2, t3 = ctx.dataset.files
    _stage_wide(ctx, t1, "gva-current-prices", "ITL code", "Region name", fixed_breakdown="Total")
    for ref in (t2, t3):
        _stage_wide(ctx, ref, "gva-current-prices", "ITL code", "Region name", ("SIC07 code", "SIC07 description"))
    ctx.add_indicator(IndicatorMeta(
        "gva-current-prices", "Gross value added (balanced) at current basic prices", "GVA (balanced), current prices",
        measure="Pounds million", unit="£ million", prefix="£", decimal_places=0, breakdown_kind="industry (SIC07)",
        description="Regional gross value added (balanced) at current basic prices, by industry (SIC 2007 sections "
                    "and divisions), for the UK, England and ITL1, ITL2 and ITL3 areas.",
        caveats="Current prices include the effect of inflation: use chained volume measures for growth over time.",
        source_org=ONS, source_url=GVA_PAGE, experimental=False))  # fmt: skip


def load_gva_cvm(ctx: LoadContext) -> None:
    for ref in ctx.dataset.files:
        _stage_wide(ctx, ref, "gva-chained-volume", "ITL region code", "ITL region name",
                    ("SIC07 code", "SIC07 description"))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "gva-chained-volume", "Gross value added (balanced), chained volume measures in 2019 money value",
        "GVA (balanced), chained volume measures", measure="Pounds million, 2019 prices", unit="£ million (2019 prices)",
        prefix="£", decimal_places=0, breakdown_kind="industry (SIC07)",
        description="Regional GVA (balanced) in chained volume measures (2019 money value), by industry, for ITL2 "
                    "and ITL3 areas: real growth with the effect of inflation removed.",
        caveats="Chained volume measures are not additive: industries do not sum exactly to the total.",
        source_org=ONS, source_url=GVA_PAGE, experimental=False))  # fmt: skip


def load_population(ctx: LoadContext) -> None:
    (ref,) = ctx.dataset.files
    _stage_wide(ctx, ref, "resident-population-itl", "ITL code", "Region name")
    ctx.add_indicator(IndicatorMeta(
        "resident-population-itl", "Total resident population (ITL areas)", "Total resident population numbers",
        measure="Persons", unit="persons", decimal_places=0,
        description="Mid-year resident population of the UK, England and each ITL area, as used for GVA per head.",
        source_org=ONS, source_url=GVA_PAGE, experimental=False))  # fmt: skip


@dataclass
class WorkbookRows:
    """What a workbook yields before any database work: staged rows per sheet, and its release note."""

    rows: list[tuple[Any, ...]]
    release_text: str | None = None
    release_date: Any = None


def _read_workbook(path: Path, name: str, sheets: dict[str, tuple], note_sheet: str, *, year_row: int,
                   first_row: int, code_col: int = 1, name_col: int = 2) -> WorkbookRows:
    """Read the named sheets of a workbook into staging rows (pure Python; safe to run in a thread)."""
    names: list[str] = []
    book = read_sheets(path, name, lambda s: names.append(s) is None and (s in sheets or s == note_sheet))
    out = WorkbookRows([])
    for row in book.get(note_sheet, []):
        for cell in row:
            text = str(cell or "")
            if m := re.search(r"published on (\d{1,2} \w+ \d{4})", text):
                out.release_text, out.release_date = text, datetime.strptime(m.group(1), "%d %B %Y").date()
            elif out.release_text is None and re.search(r"\w+ \d{4} release", text):
                out.release_text = text
    for sheet, (indicator, *_rest) in sheets.items():
        if sheet not in book:
            raise ValidationError(name, f"sheet {sheet!r} not found; the workbook has {', '.join(names)}")
        rows = book[sheet]
        if len(rows) < first_row:
            raise ValidationError(name, f"sheet {sheet!r} has no data rows (is the file truncated?)")
        years = {i: str(v) for i, v in enumerate(rows[year_row - 1]) if v is not None and _YEAR.match(str(v))}
        if not years:
            raise ValidationError(name, f"sheet {sheet!r}: no years in row {year_row}", row=year_row)
        for n, row in enumerate(rows[first_row - 1:], start=first_row):
            code = row[code_col] if len(row) > code_col else None
            if code is None or str(code).strip() == "":
                continue
            code = CODE_ALIASES.get(str(code).strip(), str(code).strip())
            for i, year in years.items():
                v = row[i] if i < len(row) else None
                if v is not None:
                    out.rows.append((f"{name} [{sheet}]", n, year, indicator, code, row[name_col], None, year, "",
                                     v, None, None, None, None))  # fmt: skip
    return out


def prepare_productivity(ds: Dataset, local: dict[str, Path]) -> WorkbookRows:
    (ref,) = ds.files
    return _read_workbook(local[ref.path], ref.path, PRODUCTIVITY_SHEETS, "Contents", year_row=4, first_row=6)


def prepare_la_gdp(ds: Dataset, local: dict[str, Path]) -> WorkbookRows:
    (ref,) = ds.files
    return _read_workbook(local[ref.path], ref.path, LA_GDP_SHEETS, "Information", year_row=2, first_row=3)


def _use_workbook(ctx: LoadContext, prepare: Callable[[Dataset, dict[str, Path]], WorkbookRows]) -> None:
    book: WorkbookRows = ctx.prepared() if ctx.prepared else prepare(ctx.dataset, ctx.local)
    ctx.stage_rows(book.rows)
    if book.release_text:
        ctx.metadata["release"] = book.release_text
    if book.release_date:
        ctx.release_date = book.release_date


def load_productivity(ctx: LoadContext) -> None:
    _use_workbook(ctx, prepare_productivity)
    for ind, label, unit, measure, dp in PRODUCTIVITY_SHEETS.values():
        ctx.add_indicator(IndicatorMeta(
            ind, label, label, measure=measure, unit=unit, prefix="£" if unit == "£" else None, decimal_places=dp,
            description=f"{label}, for the UK, England and ITL1, ITL2 and ITL3 areas (ONS subregional "
                        "productivity, June 2023 release).",
            caveats="Current price figures are for comparing areas in a year; chained volume indices for "
                    "growth over time within an area, not for comparing areas.",
            source_org=ONS, source_url=PRODUCTIVITY_PAGE, experimental=True))  # fmt: skip


def load_la_gdp(ctx: LoadContext) -> None:
    _use_workbook(ctx, prepare_la_gdp)
    for ind, label, unit, measure, dp in LA_GDP_SHEETS.values():
        ctx.add_indicator(IndicatorMeta(
            ind, f"{label} (local authorities)", label, measure=measure, unit=unit,
            prefix="£" if unit.startswith("£") else None, decimal_places=dp,
            description=f"{label}, for each local authority (boundaries of 2020), 1998 to 2019.",
            caveats="Figures for the latest year are provisional. Superseded by later ONS releases where "
                    "those are loaded.",
            source_org=ONS, source_url=LA_GDP_PAGE, experimental=False))  # fmt: skip
