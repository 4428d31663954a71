"""DESNZ workbooks by local authority: sub-regional fuel poverty, and renewable electricity.

- ``desnz/fuel-poverty``: *Sub-regional fuel poverty* report tables (``sub-regional-fuel-poverty-2022-tables.xlsx``:
  2020 data, Low Income Low Energy Efficiency measure). Table 2: households, fuel-poor households and the
  proportion fuel poor for England, regions, counties and local authorities; the data year is read from the
  table's title. A combined authority's proportion is the ratio of its members' sums (``aggregation.yaml``).
- ``desnz/renewable-electricity``: *Renewable electricity by local authority* (``…2014-2021_Nov22update.xlsx``):
  one sheet per measure and year (``LA - Sites 2021``, ``LA - Capacity, 2021``, ``LA - Generation, 2021``) with
  several note rows above each table; number of installations, installed capacity (MW) and generation (MWh) by
  technology, the ``Total`` as the empty breakdown. ``[X]`` (suppressed: it would reveal one plant's output) and
  ``[y]`` (not applicable) are kept as markers, never zero. Rows without a GSS code (Unallocated, Grand Total, the
  pre-2015 Northern Ireland district codes of the 2014 and 2015 sheets) are set aside and counted.

Tables are found by their header row, not by a row number, so an edition with another note row loads. The newest
edition in the mirror is loaded (by the years in the file name); live, the newest attachment of the publisher's
GOV.UK page, found through the GOV.UK content API and chosen by an anchored file-name pattern.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef, read_provenance
from prosperity.sources.live.govuk import BASE, GovUkAttachmentFetcher
from prosperity.sources.sheets import cell_text, header_row, newest_edition, read_sheets
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

PUBLISHER = "Department for Energy Security and Net Zero"
_GSS = re.compile(r"^[EWSNK]\d{8}$")

FUEL = "desnz/fuel-poverty"
FUEL_FOLDER = "fuel-poverty"
FUEL_FILE = re.compile(r"sub-regional-fuel-poverty-(\d{4})-tables\.xlsx", re.IGNORECASE)
FUEL_COLLECTION = "government/collections/fuel-poverty-sub-regional-statistics"
FUEL_FETCHER = GovUkAttachmentFetcher(FUEL_COLLECTION, r"^Sub-regional fuel poverty( data)? \d{4}",
                                      r"sub-regional-fuel-poverty-\d{4}-tables\.xlsx", "xlsx")  # fmt: skip
FUEL_COLUMNS = {
    "Number of households": ("desnz-households-fuel-poverty-base", "Households (fuel poverty statistics)",
                             "households", 0),
    "Number of households in fuel poverty": ("desnz-fuel-poor-households", "Households in fuel poverty",
                                             "households", 0),
    "Proportion of households fuel poor (%)": ("desnz-fuel-poverty-rate", "Proportion of households in fuel "
                                               "poverty", "%", 1),
}  # fmt: skip

RENEW = "desnz/renewable-electricity"
RENEW_FOLDER = "energy-renewables"
RENEW_FILE = re.compile(r"Renewable_electricity_by_local_authority_((?:\d{4})_?-_?(?:\d{4})\w*)\.xlsx",
                        re.IGNORECASE)  # fmt: skip
RENEW_PAGE = "government/statistics/regional-renewable-statistics"
RENEW_FETCHER = GovUkAttachmentFetcher(RENEW_PAGE, None,
                                       r"Renewable_electricity_by_local_authority_\d{4}_?-_?\d{4}\w*\.xlsx",
                                       "xlsx")  # fmt: skip
_RENEW_SHEET = re.compile(r"^LA - (Sites|Capacity|Generation),? ?(\d{4})$")
RENEW_MEASURES = {
    "Sites": ("desnz-renewable-installations", "Renewable electricity installations", "installations", 0,
              "Number of renewable electricity installations at the end of the year"),
    "Capacity": ("desnz-renewable-capacity", "Renewable electricity installed capacity", "MW", 1,
                 "Installed renewable electricity generating capacity at the end of the year, megawatts"),
    "Generation": ("desnz-renewable-generation", "Renewable electricity generation", "MWh", 0,
                   "Renewable electricity generated in the year, megawatt hours"),
}  # fmt: skip


# ---- fuel poverty -----------------------------------------------------------------------------------------------------
def prepare_fuel(ds: Dataset, local: dict[str, Path]) -> dict[str, Any]:
    ref = ds.main_file
    name = ref.path
    sheets = read_sheets(local[ref.path], name, lambda s: s.strip().lower() == "table 2")
    if not sheets:
        raise ValidationError(name, "no sheet 'Table 2' (fuel poverty by local authority)")
    sheet, rows = next(iter(sheets.items()))
    title = cell_text(rows[0][0]) if rows and rows[0] else ""
    year = re.search(r",\s*(\d{4})\b", title)
    if not year:
        raise ValidationError(f"{name} [{sheet}]", f"the title {title[:80]!r} names no data year ('…, 2020')", row=1)
    h = header_row(rows, lambda c: c.lower().startswith("area code"), name, sheet, "'Area Codes'")
    head = [cell_text(c) for c in rows[h]]
    cols = {}
    for col in FUEL_COLUMNS:
        if col not in head:
            raise ValidationError(f"{name} [{sheet}]", f"no column {col!r}; the header is {head}", row=h + 1)
        cols[col] = head.index(col)
    first_value = min(cols.values())
    out: list[tuple[Any, ...]] = []
    set_aside = 0
    for n, r in enumerate(rows[h + 1:], start=h + 2):
        code = cell_text(r[0]) if r else ""
        if not code:
            continue
        if not _GSS.match(code):
            set_aside += 1
            continue
        area = next((cell_text(c) for c in r[1:first_value] if cell_text(c)), "")
        for col, (ind, *_rest) in FUEL_COLUMNS.items():
            v = r[cols[col]] if cols[col] < len(r) else None
            out.append((f"{name} [{sheet}]", n, col, ind, code, area, None, year.group(1), "", v, None, None, None,
                        None))  # fmt: skip
    return {"rows": out, "set_aside": set_aside, "year": year.group(1)}


def load_fuel(ctx: LoadContext) -> None:
    read_provenance(ctx, ctx.dataset.main_file)
    book = ctx.prepared() if ctx.prepared else prepare_fuel(ctx.dataset, ctx.local)
    ctx.stage_rows(book["rows"])
    if book["set_aside"]:
        ctx.set_aside.append((book["set_aside"], "rows without a GSS code"))
    for col, (ind, label, unit, dp) in FUEL_COLUMNS.items():
        ctx.add_indicator(IndicatorMeta(
            ind, label, col, measure=label, unit=unit, suffix="%" if unit == "%" else None, decimal_places=dp,
            description=f"{label} under the Low Income Low Energy Efficiency measure, modelled for each local "
                        "authority (DESNZ sub-regional fuel poverty statistics).",
            caveats="Modelled estimates: DESNZ advises using them for general trends and to identify areas of "
                    "particularly high or low fuel poverty, not for small year-to-year changes.",
            source_org=PUBLISHER, source_url=f"{BASE}/{FUEL_COLLECTION}", experimental=False))  # fmt: skip
    ctx.metadata["data_year"] = book["year"]


# ---- renewable electricity ------------------------------------------------------------------------------------------
def prepare_renewables(ds: Dataset, local: dict[str, Path]) -> dict[str, Any]:
    ref = ds.main_file
    name = ref.path
    sheets = read_sheets(local[ref.path], name, lambda s: bool(_RENEW_SHEET.match(s.strip())))
    if not sheets:
        raise ValidationError(name, "no sheets named like 'LA - Generation, 2021' (measure and year)")
    out: list[tuple[Any, ...]] = []
    aside: dict[str, int] = {}
    techs: set[str] = set()
    for sheet, rows in sheets.items():
        m = _RENEW_SHEET.match(sheet.strip())
        assert m
        ind = RENEW_MEASURES[m.group(1)][0]
        h = header_row(rows, lambda c: c.startswith("Local Authority Code"), name, sheet, "'Local Authority Code'")
        head = [re.sub(r"\s*\[note \d+\]", "", cell_text(c)).strip() for c in rows[h]]
        if "Total" not in head or "Country" not in head:
            raise ValidationError(f"{name} [{sheet}]", f"no 'Country' and 'Total' columns in the header {head}",
                                  row=h + 1)  # fmt: skip
        first, total = head.index("Country") + 2, head.index("Total")  # technologies follow the households column
        tech_cols = {i: head[i] for i in range(first, total) if head[i]}
        techs.update(tech_cols.values())
        for n, r in enumerate(rows[h + 1:], start=h + 2):
            code = cell_text(r[0]) if r else ""
            if not code:
                continue
            if not _GSS.match(code):
                aside[code] = aside.get(code, 0) + 1
                continue
            for i, brk in [(total, ""), *tech_cols.items()]:
                v = r[i] if i < len(r) else None
                out.append((f"{name} [{sheet}]", n, head[i], ind, code, cell_text(r[1]), None, m.group(2), brk,
                            v.strip() if isinstance(v, str) else v, None, None, None, None))  # fmt: skip
    return {"rows": out, "set_aside": aside, "technologies": sorted(techs)}


def load_renewables(ctx: LoadContext) -> None:
    read_provenance(ctx, ctx.dataset.main_file)
    book = ctx.prepared() if ctx.prepared else prepare_renewables(ctx.dataset, ctx.local)
    ctx.stage_rows(book["rows"])
    if book["set_aside"]:
        shown = ", ".join(sorted(book["set_aside"])[:6])
        ctx.set_aside.append((sum(book["set_aside"].values()), f"rows without a GSS code (totals, unallocated, "
                              f"pre-2015 Northern Ireland districts: {shown} …)"))  # fmt: skip
    for ind, label, unit, dp, desc in RENEW_MEASURES.values():
        ctx.add_indicator(IndicatorMeta(
            ind, label, label, measure=unit, unit=unit, decimal_places=dp, breakdown_kind="technology",
            description=f"{desc}, by technology; the empty breakdown is the total of all technologies.",
            caveats="[X] marks a value suppressed because it would reveal one plant's output; [y] not applicable. "
                    "Sites and capacity are at the end of the year.",
            source_org=PUBLISHER, source_url=f"{BASE}/{RENEW_PAGE}", experimental=False))  # fmt: skip
        for t in book["technologies"]:
            ctx.breakdown_labels[(ind, t)] = t


# ---- declaration -------------------------------------------------------------------------------------------------------
SPECS = {
    FUEL: (FUEL_FOLDER, FUEL_FILE, FUEL_FETCHER, "Sub-regional fuel poverty: households in fuel poverty by local "
           "authority", load_fuel, prepare_fuel, f"{BASE}/{FUEL_COLLECTION}"),
    RENEW: (RENEW_FOLDER, RENEW_FILE, RENEW_FETCHER, "Renewable electricity by local authority: installations, "
            "capacity and generation", load_renewables, prepare_renewables, f"{BASE}/{RENEW_PAGE}"),
}  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    found = Discovery()
    for ds_id, (folder, pattern, fetcher, title, load, prepare, page) in SPECS.items():
        live_path = f"{folder}/{ds_id.split('/')[1]}.xlsx"
        if mirror is None:
            ref: FileRef = LiveFileRef(live_path, page, fetcher=fetcher)
        else:
            path, older = newest_edition(mirror, folder, pattern)
            if path is None and (mirror / live_path).is_file():
                path = live_path
            if path is None:
                found.missing.append((ds_id, f"no file matching {pattern.pattern} in {folder}/ of the mirror"))
                continue
            ref = FileRef(path, page)
            found.ignored.extend((p, f"an older edition of {path.split('/')[1]}, which is loaded instead")
                                 for p in older)  # fmt: skip
        found.datasets.append(Dataset(id=ds_id, source="desnz-workbooks", title=title, publisher=PUBLISHER,
                                      files=(ref,), load=load, prepare=prepare, publisher_url=page))  # fmt: skip
    return found
