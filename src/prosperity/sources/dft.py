"""Department for Transport: bus statistics, table BUS0109 (local bus passenger journeys by local authority).

DfT publishes its bus statistics tables as OpenDocument spreadsheets, each table alone on its statistical data
set page and all of them in a zip with each annual release. This source reads BUS0109 (and BUS0110, journeys
per head) from either: an ``annual-bus-statistics-…zip`` in the mirror, or the table's own ``.ods``.

- BUS0109a: passenger journeys on local bus services by local authority, millions, from operators' returns to
  DfT's public service vehicle survey, financial years from 2009/10 (``dft-bus-passenger-journeys``);
- BUS0109b: journeys originating in the area (former National Indicator 177), supplied by local authorities, from
  2004/05; DfT warns they are not consistent with BUS0109a (``dft-bus-journeys-originating-in-area``);
- BUS0110a: journeys per head of population (``dft-bus-journeys-per-head``).

Each sheet's title rows are skipped by finding the header row (``LA Code``); year columns are read from it
(footnote marks after a year, as in ``2010/11 4``, are dropped). Rows carry GSS codes, except England's total,
which is named: names are matched to codes through the area register, and any that match nothing are reported.
DfT publishes the five Merseyside councils together as "Merseyside ITA" (``E11000002``, the metropolitan
county): that is kept as that area, never as the combined authority; Liverpool City Region's journeys are the sum
of Merseyside ITA and Halton, a rule stated once in ``assess/aggregation.yaml``. ``:`` (not available) is kept as a marker.

Live location: the table's attachment on DfT's "Bus statistics data tables" page, found through the GOV.UK content
API (DfT replaces the file with each release).
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef
from prosperity.sources.live.govuk import GovUkAttachmentFetcher
from prosperity.sources.names import AreaNames
from prosperity.sources.published import editions, set_aside_unregistered, unclaimed
from prosperity.sources.workbooks import Row, cell_text, read_member, read_workbook, zip_members
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

DFT = "Department for Transport"
PAGE = "https://www.gov.uk/government/statistical-data-sets/bus-statistics-data-tables"
_PAGE_PATH = PAGE.removeprefix("https://www.gov.uk/")
FOLDER = "transport-bus"
ZIP = re.compile(r"annual-bus-statistics-year-ending-march-(\d{4})\.zip")
TABLE_FILE = re.compile(r"bus0109\.ods", re.IGNORECASE)
PER_HEAD_FILE = re.compile(r"bus0110\.ods", re.IGNORECASE)
SHEETS = {
    "BUS0109a": ("dft-bus-passenger-journeys", "Passenger journeys on local bus services", "million journeys", 2,
                 "Passenger journeys on local bus services by local authority, from bus operators' returns to DfT's "
                 "public service vehicle survey (table BUS0109a)."),
    "BUS0109b": ("dft-bus-journeys-originating-in-area", "Local bus journeys originating in the area (former NI 177)",
                 "million journeys", 2, "Local bus passenger journeys originating in the authority's area, as "
                 "supplied by local authorities (table BUS0109b, former National Indicator 177). DfT notes these are "
                 "not consistent with table BUS0109a."),
    "BUS0110a": ("dft-bus-journeys-per-head", "Passenger journeys on local bus services per head", "journeys per "
                 "head", 1, "Passenger journeys on local bus services per head of resident population (table "
                 "BUS0110a)."),
}  # fmt: skip
_YEAR = re.compile(r"^(\d{4}/\d{2})(?:\s.*)?$")
_CODE = re.compile(r"^[A-Z]\d{8}$")
MARKERS = (":", "..", "x", "[x]", "c", "[c]", "-")
_UPDATED = re.compile(r"Last updated:\s*(\d{1,2} \w+ \d{4})")
CAVEAT = ("Financial years (April to March). DfT publishes the five Merseyside councils together as Merseyside "
          "(the integrated transport authority area); Halton separately. 2020/21 figures reflect the coronavirus "
          "pandemic. Earlier years are revised with each release.")


def discover(mirror: Path | None) -> Discovery:
    fetcher = GovUkAttachmentFetcher(_PAGE_PATH, None, r"bus0109\.ods", "ods")
    if mirror is None:
        ref: FileRef = LiveFileRef(f"{FOLDER}/bus0109.ods", PAGE, fetcher=fetcher)
        per_head: FileRef = LiveFileRef(f"{FOLDER}/bus0110.ods", PAGE, fetcher=GovUkAttachmentFetcher(
            _PAGE_PATH, None, r"bus0110\.ods", "ods"))  # fmt: skip
        return Discovery(datasets=[_dataset((ref, per_head))])
    found = Discovery()
    zips = editions(mirror, FOLDER, ZIP)
    tables = editions(mirror, FOLDER, TABLE_FILE) + editions(mirror, FOLDER, PER_HEAD_FILE)
    if zips:
        chosen = [FileRef(zips[-1], PAGE)]
        found.ignored.extend((z, f"an older edition of {zips[-1].split('/')[1]}, which is loaded instead")
                             for z in zips[:-1])  # fmt: skip
        found.ignored.extend((t, f"the same table as in {zips[-1].split('/')[1]}, which is loaded instead")
                             for t in tables)  # fmt: skip
    elif tables:
        chosen = [FileRef(t, PAGE) for t in tables]
    else:
        found.missing.append(("dft/bus-statistics", f"no {ZIP.pattern} or bus0109.ods in {FOLDER}/ of the mirror"))
        return found
    found.datasets.append(_dataset(tuple(chosen)))
    found.ignored.extend(unclaimed(mirror, FOLDER, set(zips) | set(tables), "not a DfT bus statistics file this "
                                   "build reads"))  # fmt: skip
    return found


def _dataset(files: tuple[FileRef, ...]) -> Dataset:
    return Dataset(id="dft/bus-statistics", source="dft-bus", title="Local bus passenger journeys by local authority "
                   "(DfT tables BUS0109 and BUS0110)", publisher=DFT, files=files, load=load, prepare=prepare,
                   publisher_url=PAGE)  # fmt: skip


def _sheets_of(path: Path, name: str) -> list[tuple[str, dict[str, list[Row]]]]:
    """(file name for messages, its BUS0109/BUS0110 sheets) for a zip of tables or a single table."""
    wanted = set(SHEETS)
    if name.lower().endswith(".zip"):
        out = []
        for pattern in (TABLE_FILE, PER_HEAD_FILE):
            members = zip_members(path, name, pattern)
            if not members and pattern is TABLE_FILE:
                raise ValidationError(name, "no BUS0109.ods in the archive; expected DfT's annual bus statistics tables")
            for m in members:
                out.append((f"{name}!{m}", read_workbook(read_member(path, name, m), f"{name}!{m}", wanted.__contains__)))
        return out
    return [(name, read_workbook(path, name, wanted.__contains__))]


def _is_figure(v: Any) -> bool:
    """A number, or one of the markers DfT puts in a table's cells (not a note or a footer's text)."""
    return isinstance(v, int | float) or cell_text(v).lower() in MARKERS


def prepare(ds: Dataset, local: dict[str, Path]) -> dict[str, Any]:
    rows: list[tuple[Any, ...]] = []
    updated = None
    for ref in ds.data_files:
        for file, sheets in _sheets_of(local[ref.path], ref.path):
            if file.lower().endswith("bus0109.ods") and "BUS0109a" not in sheets:
                raise ValidationError(file, f"sheet 'BUS0109a' not found; the file has {', '.join(sheets) or 'none'}")
            for sheet, data in sheets.items():
                indicator = SHEETS[sheet][0]
                where = f"{file} [{sheet}]"
                h = next((i for i, r in enumerate(data) if r and cell_text(r[0]) == "LA Code"), None)
                if h is None:
                    raise ValidationError(where, "no header row: expected a row starting 'LA Code'")
                years = {i: m.group(1) for i, c in enumerate(data[h]) if (m := _YEAR.match(cell_text(c)))}
                if not years:
                    raise ValidationError(where, "no year columns (such as '2009/10') in the header row", row=h + 1)
                for n, r in enumerate(data[h + 1:], start=h + 2):
                    cells = {i: r[i] for i in years if i < len(r) and _is_figure(r[i])}
                    text = " ".join(cell_text(c) for c in r)
                    if m := _UPDATED.search(text):
                        updated = m.group(1)
                    if not cells:
                        continue  # blank, region heading without figures, or a note
                    code = cell_text(r[0])
                    name = cell_text(r[2]) or cell_text(r[1])
                    if code and not _CODE.match(code):
                        raise ValidationError(where, f"{code!r} is not an area code; expected a GSS code in column A "
                                              "(or none, with the area's name)", row=n, column="LA Code")  # fmt: skip
                    if not code and not name:
                        if any(isinstance(v, int | float) for v in cells.values()):
                            raise ValidationError(where, "a row with figures has neither an area code nor a name",
                                                  row=n)  # fmt: skip
                        continue  # a spacer row with stray markers and nothing else
                    for i, v in cells.items():
                        rows.append((where, n, years[i], indicator, code, name, None, years[i], "", v, None, None,
                                     None, None))  # fmt: skip
    return {"rows": rows, "updated": updated}


def load(ctx: LoadContext) -> None:
    book = ctx.prepared() if ctx.prepared else prepare(ctx.dataset, ctx.local)
    rows = book["rows"]
    # Totals DfT names without a code (England): resolved through the area register; every failure reported.
    named = sorted({r[5] for r in rows if not r[4]})
    if named:
        res = AreaNames.from_warehouse(ctx.con).resolve_all(named, levels=("nation", "region", "uk"))
        if msg := res.message(ctx.dataset.main_file.path):
            ctx.warnings.append(msg)
        dropped = sum(1 for r in rows if not r[4] and r[5] not in res.codes)
        if dropped:
            ctx.set_aside.append((dropped, "figures for areas named without a code that are not in the area register: "
                                  + ", ".join(res.unmatched + list(res.ambiguous))))  # fmt: skip
        rows = [r if r[4] else (*r[:4], res.codes[r[5]], *r[5:]) for r in rows if r[4] or r[5] in res.codes]
    ctx.stage_rows(rows)
    set_aside_unregistered(ctx, "figures")  # counties abolished in 2009 (Cheshire, Bedfordshire) in BUS0109b
    if book["updated"]:
        ctx.metadata["last_updated"] = book["updated"]
        with contextlib.suppress(ValueError):
            ctx.release_date = datetime.strptime(book["updated"], "%d %B %Y").date()
    for ind, label, unit, dp, desc in SHEETS.values():
        ctx.add_indicator(IndicatorMeta(ind, label, label, measure=unit, unit=unit, decimal_places=dp,
                                        description=desc, caveats=CAVEAT, source_org=DFT, source_url=PAGE,
                                        experimental=False))  # fmt: skip
