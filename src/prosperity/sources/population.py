"""ONS mid-year population estimates: the workbooks ONS publishes each summer, by local authority.

Two publications of one ONS dataset page ("Population estimates for the UK, England, Wales, Scotland and Northern
Ireland"), each a workbook with a cover sheet, notes and tables MYE1 to MYE6, seven title rows above each table:

- ``population/mid-year-estimates-ew``: England and Wales (``mye23tablesew.xlsx``: mid-2011 to mid-2023 on April
  2023 boundaries; published 15 July 2024). Loaded: MYE4 (population, every year), MYE2 (persons, females and
  males by single year of age, for the edition's year: all ages and aged 16 to 64), MYE5 (people per km²) and
  MYE6 (median age);
- ``population/mid-year-estimates-uk``: the United Kingdom (``mye22final.xlsx``: mid-2011 and mid-2022, published
  26 March 2024), the same tables under ``ons-mye-uk-…`` ids. For England and Wales its mid-2022 figures are
  superseded by the England and Wales edition, which revised them.

The newest edition in the mirror is loaded (``mye24tablesew.xlsx`` would replace ``mye23tablesew.xlsx`` as a new
release of the same dataset); live, the newest edition's file is found on the ONS dataset page. A combined
authority's population is the sum of its members' (``assess/aggregation.yaml``).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef
from prosperity.sources.live.ons_api import OnsDatasetPageFetcher
from prosperity.sources.sheets import Row, cell_text, header_row, newest_edition, read_sheets
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

ONS = "Office for National Statistics"
PAGE = ("https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/"
        "populationestimatesforukenglandandwalesscotlandandnorthernireland")  # fmt: skip
FOLDER = "population"

EDITIONS = {
    # dataset id: (file name pattern, edition group, the live file's name pattern, cache name, id prefix, coverage)
    "population/mid-year-estimates-ew": (re.compile(r"mye(\d{2})tablesew\.xlsx"), r"mye\d{2}tablesew\.xlsx",
                                         "ons-mye", "England and Wales"),
    "population/mid-year-estimates-uk": (re.compile(r"mye(\d{2})(?:final|tablesuk)\.xlsx"),
                                         r"mye\d{2}(?:final|tablesuk)\.xlsx", "ons-mye-uk", "the United Kingdom"),
}  # fmt: skip
_MID = re.compile(r"^mid-(\d{4})$", re.IGNORECASE)
_DENSITY = re.compile(r"^(\d{4}) people per sq\.? km2?$", re.IGNORECASE)
_PUBLISHED = re.compile(r"published (?:at|on) .*?(\d{1,2} [A-Z][a-z]+ \d{4})")
_TITLE_YEAR = re.compile(r"mid-(\d{4})\s*$", re.IGNORECASE)
TABLES = ("MYE2 - Persons", "MYE2 - Females", "MYE2 - Males", "MYE4", "MYE5", "MYE6", "Cover sheet")


def _indicators(prefix: str, coverage: str) -> dict[str, IndicatorMeta]:
    common: dict[str, Any] = dict(source_org=ONS, source_url=PAGE, experimental=False)
    caveat = (f"ONS mid-year estimates for {coverage}, usual residents at 30 June, on the boundaries of the edition "
              "(see its notes). Each summer's edition revises earlier years; the newest edition loaded is current.")
    return {
        f"{prefix}-population": IndicatorMeta(
            f"{prefix}-population", f"Resident population, mid-year estimate ({coverage})", "Population estimate",
            measure="Persons", unit="persons", decimal_places=0, breakdown_kind="sex",
            description="Usual residents of all ages at 30 June. The empty breakdown is all persons (every year of "
                        "table MYE4); 'Females' and 'Males' are given for the edition's year (table MYE2).",
            caveats=caveat, **common),
        f"{prefix}-population-16-64": IndicatorMeta(
            f"{prefix}-population-16-64", f"Resident population aged 16 to 64 ({coverage})",
            "Persons aged 16 to 64 (sum of single years of age)", measure="Persons", unit="persons",
            decimal_places=0, breakdown_kind="sex",
            description="Usual residents aged 16 to 64 at 30 June: the sum of single years of age 16 to 64 in table "
                        "MYE2, for the edition's year.", caveats=caveat, **common),
        f"{prefix}-population-density": IndicatorMeta(
            f"{prefix}-population-density", f"Population density ({coverage})", "People per square kilometre",
            measure="People per km²", unit="people per km²", decimal_places=0,
            description="Usual residents per square kilometre of land (table MYE5).", caveats=caveat, **common),
        f"{prefix}-median-age": IndicatorMeta(
            f"{prefix}-median-age", f"Median age of residents ({coverage})", "Median age", measure="Years",
            unit="years", decimal_places=1, description="The median age of usual residents (table MYE6).",
            caveats=caveat, **common),
    }  # fmt: skip


def _dataset(ds_id: str, ref: FileRef) -> Dataset:
    _pattern, _live, prefix, coverage = EDITIONS[ds_id]
    return Dataset(
        id=ds_id, source="ons-population", publisher=ONS, files=(ref,),
        title=f"Mid-year population estimates, {coverage}, by local authority (ONS workbook)",
        load=lambda ctx: load(ctx, prefix, coverage), prepare=lambda ds, local: prepare(ds, local, prefix),
        publisher_url=PAGE,
    )  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    found = Discovery()
    for ds_id, (pattern, live_pattern, _prefix, _coverage) in EDITIONS.items():
        cache_name = f"{FOLDER}/{ds_id.split('/')[1]}.xlsx"
        if mirror is None:
            ref: FileRef = LiveFileRef(cache_name, PAGE, fetcher=OnsDatasetPageFetcher(PAGE, live_pattern))
            found.datasets.append(_dataset(ds_id, ref))
            continue
        path, older = newest_edition(mirror, FOLDER, pattern)
        if path is None and (mirror / cache_name).is_file():
            path = cache_name  # a raw cache used as a mirror
        if path is None:
            found.missing.append((ds_id, f"no {pattern.pattern} in {FOLDER}/ of the mirror"))
            continue
        found.datasets.append(_dataset(ds_id, FileRef(path, PAGE)))
        found.ignored.extend((p, f"an older edition of {path.split('/')[1]}, which is loaded instead") for p in older)
    return found


def _year(header: Any) -> str | None:
    m = _MID.match(cell_text(header))
    return m.group(1) if m else None


def prepare(ds: Dataset, local: dict[str, Path], prefix: str) -> dict[str, Any]:
    """Read the workbook's tables into staging rows (pure Python, run in a background thread)."""
    ref = ds.main_file
    name = ref.path
    sheets = read_sheets(local[ref.path], name, lambda s: s in TABLES)
    missing = [t for t in TABLES[3:] if t not in sheets]
    if missing:
        raise ValidationError(name, f"sheet(s) {', '.join(missing)} not found; expected the ONS mid-year estimates "
                              f"tables {', '.join(TABLES[:-1])}")  # fmt: skip
    rows: list[tuple[Any, ...]] = []

    def table(sheet: str) -> tuple[list[str], list[tuple[int, Row]]]:
        data = sheets[sheet]
        h = header_row(data, lambda c: c == "Code", name, sheet, "'Code'")
        head = [cell_text(c) for c in data[h]]
        if head[:3] != ["Code", "Name", "Geography"]:
            raise ValidationError(f"{name} [{sheet}]", f"header {head[:3]}; expected Code, Name, Geography",
                                  row=h + 1)  # fmt: skip
        body = [(n, r) for n, r in enumerate(data[h + 1:], start=h + 2) if r and cell_text(r[0])]
        if not body:
            raise ValidationError(f"{name} [{sheet}]", "no data rows under the header (is the file truncated?)")
        return head, body

    def add(sheet: str, n: int, col: str, ind: str, r: Row, period: str, brk: str, value: Any) -> None:
        status = None
        if isinstance(value, str) and value.strip().lower() == "no data":
            value, status = None, "x"
        rows.append((f"{name} [{sheet}]", n, col, ind, cell_text(r[0]), cell_text(r[1]), None, period, brk, value,
                     None, None, status, None))  # fmt: skip

    head, body = table("MYE4")
    years = {i: y for i, h in enumerate(head) if (y := _year(h))}
    if not years:
        raise ValidationError(f"{name} [MYE4]", "no 'Mid-YYYY' columns in the header")
    for n, r in body:
        for i, y in years.items():
            add("MYE4", n, head[i], f"{prefix}-population", r, f"{y}-06-30", "", r[i] if i < len(r) else None)
    # MYE2: the edition's year, from the sheet's title ("… mid-2023").
    for sheet, brk in (("MYE2 - Persons", ""), ("MYE2 - Females", "Females"), ("MYE2 - Males", "Males")):
        if sheet not in sheets:
            continue
        title = cell_text(sheets[sheet][0][0]) if sheets[sheet] and sheets[sheet][0] else ""
        m = _TITLE_YEAR.search(title)
        if not m:
            raise ValidationError(f"{name} [{sheet}]", f"title {title[:80]!r} does not end with the year (mid-YYYY)",
                                  row=1)  # fmt: skip
        period = f"{m.group(1)}-06-30"
        head, body = table(sheet)
        if "All ages" not in head:
            raise ValidationError(f"{name} [{sheet}]", "no 'All ages' column")
        ages = [head.index(str(a)) for a in range(16, 65) if str(a) in head]
        if len(ages) != 49:
            raise ValidationError(f"{name} [{sheet}]", "single years of age 16 to 64 not all present in the header")
        all_ages = head.index("All ages")
        for n, r in body:
            if brk:
                add(sheet, n, "All ages", f"{prefix}-population", r, period, brk, r[all_ages])
            cells = [r[i] for i in ages]
            total = sum(cells) if all(isinstance(c, int | float) for c in cells) else None
            add(sheet, n, "16 to 64", f"{prefix}-population-16-64", r, period, brk, total)
    head, body = table("MYE5")
    dens = {i: m.group(1) for i, h in enumerate(head) if (m := _DENSITY.match(h))}
    for n, r in body:
        for i, y in dens.items():
            add("MYE5", n, head[i], f"{prefix}-population-density", r, f"{y}-06-30", "", r[i] if i < len(r) else None)
    head, body = table("MYE6")
    years = {i: y for i, h in enumerate(head) if (y := _year(h))}
    for n, r in body:
        for i, y in years.items():
            add("MYE6", n, head[i], f"{prefix}-median-age", r, f"{y}-06-30", "", r[i] if i < len(r) else None)
    published = None
    for r in sheets.get("Cover sheet", []):
        if r and (m := _PUBLISHED.search(cell_text(r[0]))):
            published = datetime.strptime(m.group(1), "%d %B %Y").date()
            break
    return {"rows": rows, "published": published}


def load(ctx: LoadContext, prefix: str, coverage: str) -> None:
    book = ctx.prepared() if ctx.prepared else prepare(ctx.dataset, ctx.local, prefix)
    ctx.stage_rows(book["rows"])
    if book["published"]:
        ctx.release_date = book["published"]
    for meta in _indicators(prefix, coverage).values():
        ctx.add_indicator(meta)
    for ind in (f"{prefix}-population", f"{prefix}-population-16-64"):
        ctx.breakdown_labels[(ind, "Females")] = "Females"
        ctx.breakdown_labels[(ind, "Males")] = "Males"
    ctx.metadata["publisher"] = ONS
    ctx.metadata["edition_file"] = ctx.dataset.main_file.path.split("/")[-1]
