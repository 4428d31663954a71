"""Nomis Annual Population Survey local area tables (T01, T19, T13a), as Nomis's Excel downloads give them.

A Nomis "local area" download is one sheet of blocks, one block per 12-month period: a ``date`` row, a
``confidence`` row, an ``Area`` row naming each cell (``T19:6 (Total - All people aged 16-64 : NVQ4+ )``) over a
``number | Flags | conf`` triplet of columns, then one row per area, named not coded (``ladu:St. Helens``,
``country:England``, ``lep:Liverpool City Region``, ``User Defined Geography:Liverpool City Region-MCA - from
dn81838``). Footnotes at the end give the markers: ``!`` not available (sample of 0 to 2, or disclosive), ``*`` in
the interval column: unreliable (sample of 3 to 9), ``~`` estimate below 500, ``-`` missing.

Every workbook in ``aps-nomis/`` is read, whatever its name (Nomis names downloads by time stamp); the table is
known from its cells. One dataset, ``nomis/aps-local-area-tables``, holds them all, so a new download (another
year) becomes a new release with no code change. Areas are resolved by name through the area register
(:mod:`prosperity.sources.names`): local authorities (``ladu:``), countries, and a user-defined ``…-MCA``
geography to the combined authority of that name. LEP and LSIP areas have no code in the register: every name not
matched is reported in the build summary, not guessed.

Tables and what is loaded:

- **T19** (qualifications, NVQ, to December 2021; the RQF series replaced it from 2022): people aged 16 to 64 by
  highest qualification, with 95% intervals; and the share qualified to NVQ level 4 or above, NVQ4+ divided by the
  sum of the seven categories (the README's check: Liverpool 2021, 147,300 of 333,700 = 44.1%);
- **T01** (economic activity, aged 16 to 64): people by activity with 95% intervals, and the employment,
  economic activity and inactivity rates (of all aged 16 to 64) and the unemployment rate (of the economically
  active). Only calendar-year periods are loaded; a download of rolling periods ending in other months (October to
  September) is read and its rows set aside, so that no series mixes overlapping windows;
- **T13a** (employment by industry, SIC 2007 broad groups): people in employment by the industry of their job,
  residence-based (a household survey, not BRES).

Live, the same tables come from the Nomis API's APS dataset ``NM_17_1`` (cells named as in the download) as CSV
with GSS codes, which this module also reads.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef, read_provenance
from prosperity.sources.live.nomis import NomisFetcher, nomis_period
from prosperity.sources.names import LOCAL_AUTHORITY_LEVELS, AreaNames
from prosperity.sources.sheets import cell_text, read_sheets
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

PUBLISHER = "Office for National Statistics (Nomis)"
DATASET = "nomis/aps-local-area-tables"
FOLDER = "aps-nomis"
PAGE = "https://www.nomisweb.co.uk/datasets/apsnew"
LIVE_PATH = f"{FOLDER}/NM_17_1-local-area-tables.csv"
_CELL = re.compile(r"^(T\d+[a-z]?):(\d+) \((.*)\)\s*$")
_AREA = re.compile(r"^(?P<kind>[A-Za-z ]+?):(?P<name>.+)$")
_UDG = re.compile(r"^(?P<name>.+?)-MCA(?: - from \w+)?$")

#: Cells of each table: label → breakdown. The rates are derived from these counts.
T19 = {"None": "None", "NVQ1": "NVQ1", "NVQ2": "NVQ2", "Trade Apprenticeships": "Trade apprenticeships",
       "NVQ3": "NVQ3", "NVQ4+": "NVQ4+", "Other Qualifications": "Other qualifications"}  # fmt: skip
T01 = {"All": "All", "Economically active": "Economically active", "In employment": "In employment",
       "Employees": "Employees", "Self Employed": "Self employed", "Unemployed": "Unemployed",
       "Inactive": "Inactive"}  # fmt: skip
INDICATORS = {
    "T19": "aps-qualifications-nvq-16-64",
    "T01": "aps-economic-activity-16-64",
    "T13a": "aps-employment-by-industry",
}
RATES = {  # indicator: (table, numerator breakdown, denominator breakdown(s), label)
    "aps-nvq4-plus-16-64": ("T19", "NVQ4+", tuple(T19.values()),
                            "Residents qualified to NVQ level 4 or above, aged 16 to 64"),
    "aps-employment-rate-16-64-t01": ("T01", "In employment", ("All",), "Employment rate, aged 16 to 64"),
    "aps-economic-activity-rate-16-64": ("T01", "Economically active", ("All",),
                                         "Economic activity rate, aged 16 to 64"),
    "aps-inactivity-rate-16-64": ("T01", "Inactive", ("All",), "Economic inactivity rate, aged 16 to 64"),
    "aps-unemployment-rate-16-64": ("T01", "Unemployed", ("Economically active",),
                                    "Unemployment rate, aged 16 to 64 (of the economically active)"),
}  # fmt: skip


def _breakdown(table: str, label: str) -> str | None:
    """The breakdown a cell's label stands for (``Total - All people aged 16-64 : NVQ4+`` → ``NVQ4+``)."""
    left, _, right = label.partition(" : ")
    left, right = left.strip(), right.strip()
    if table == "T19":
        return T19.get(right)
    if table == "T01":
        return T01.get(left.split(" - ", 1)[-1].strip()) if right.lower() == "all people" else None
    if table == "T13a":
        return left.replace("(SIC 2007)", "").replace("Agricuture", "Agriculture").strip() or None
    return None


@dataclass
class Cell:
    """One value read: where it came from, its area as written, the period, table, breakdown and the triplet."""

    file: str
    row: int
    column: str
    area_kind: str
    area_name: str
    code: str | None
    period_name: str
    table: str
    breakdown: str
    number: Any
    flag: Any
    conf: Any


@dataclass
class Tables:
    cells: list[Cell] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_tables: set[str] = field(default_factory=set)


def read_block_workbook(path: Path, name: str, out: Tables) -> None:
    """Read a Nomis local area download (blocks by date) into ``out``."""
    sheets = read_sheets(path, name, lambda s: True)
    for sheet, rows in sheets.items():
        period = None
        cols: list[tuple[int, str, str]] = []  # (number column index, table, breakdown)
        for n, row in enumerate(rows, start=1):
            first = cell_text(row[0]) if row else ""
            if first == "date":
                period, cols = cell_text(row[1]), []
                continue
            if first == "Area":
                if period is None:
                    raise ValidationError(f"{name} [{sheet}]", "an 'Area' header row before any 'date' row", row=n)
                cols = []
                for i in range(1, len(row)):
                    if m := _CELL.match(cell_text(row[i])):
                        brk = _breakdown(m.group(1), m.group(3))
                        if m.group(1) not in INDICATORS:
                            out.unknown_tables.add(m.group(1))
                        elif brk is None:
                            raise ValidationError(f"{name} [{sheet}]", f"cell {cell_text(row[i])!r} is not one this "
                                                  f"source knows for table {m.group(1)}", row=n)  # fmt: skip
                        else:
                            cols.append((i, m.group(1), brk))
                continue
            if not first:
                if not any(cell_text(c) for c in row):
                    cols = []  # a blank row ends the block
                continue
            if not cols or not (m := _AREA.match(first)):
                continue
            padded = (*row, None, None, None)
            for i, table, brk in cols:
                out.cells.append(Cell(f"{name} [{sheet}]", n, f"{table} {brk}", m.group("kind").strip(),
                                      m.group("name").strip(), None, period or "", table, brk, padded[i],
                                      padded[i + 1], padded[i + 2]))  # fmt: skip


def read_api_csv(path: Path, name: str, out: Tables) -> None:
    """Read the Nomis API's CSV of NM_17_1 (cells named as in the download, value and confidence as measures)."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    need = {"DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "CELL_NAME", "MEASURES_NAME", "OBS_VALUE"}
    missing = need - set(reader.fieldnames or [])
    if missing:
        raise ValidationError(name, f"missing column(s) {', '.join(sorted(missing))}", row=1)
    merged: dict[tuple[str, str, str], Cell] = {}
    for n, r in enumerate(reader, start=2):
        m = _CELL.match(r["CELL_NAME"].strip())
        if not m:
            raise ValidationError(name, f"cell {r['CELL_NAME']!r} is not a local area table cell", row=n,
                                  column="CELL_NAME")  # fmt: skip
        if m.group(1) not in INDICATORS:
            out.unknown_tables.add(m.group(1))
            continue
        brk = _breakdown(m.group(1), m.group(3))
        if brk is None:
            raise ValidationError(name, f"cell {r['CELL_NAME']!r} is not one this source knows", row=n)
        key = (r["GEOGRAPHY_CODE"], r["DATE_NAME"], r["CELL_NAME"])
        c = merged.setdefault(key, Cell(name, n, "OBS_VALUE", "code", r["GEOGRAPHY_NAME"], r["GEOGRAPHY_CODE"],
                                        r["DATE_NAME"], m.group(1), brk, None, None, None))  # fmt: skip
        status = (r.get("OBS_STATUS") or "").strip()
        value = r["OBS_VALUE"].strip() if r["OBS_VALUE"].strip() else (status or "-")
        if "confidence" in r["MEASURES_NAME"].lower():
            c.conf = value
        else:
            c.number = value
    out.cells.extend(merged.values())


def _num(v: Any) -> float | None:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    try:
        return float(str(v).replace(",", ""))
    except (TypeError, ValueError):
        return None


def prepare(ds: Dataset, local: dict[str, Path]) -> Tables:
    out = Tables()
    for ref in ds.data_files:
        path = local[ref.path]
        if ref.path.endswith(".csv"):
            read_api_csv(path, ref.path, out)
        else:
            read_block_workbook(path, ref.path, out)
    return out


def _year(period_name: str) -> int | None:
    try:
        return int(nomis_period(period_name)[:4])
    except (ValueError, ValidationError):
        return None


def _resolve(cells: list[Cell], names: AreaNames) -> tuple[dict[tuple[str, str, int | None], str], list[str]]:
    """Codes for (kind, name, year) triples, and a sentence for each kind of name that was not matched.

    Each name is resolved for the year of each block it appears in (:mod:`prosperity.sources.names`), so that an
    authority whose code changed resolves to the code current for that period, as far as the register records it.
    """
    by_kind: dict[str, set[tuple[str, int | None]]] = {}
    for c in cells:
        if c.code is None:
            by_kind.setdefault(c.area_kind, set()).add((c.area_name, _year(c.period_name)))
    codes: dict[tuple[str, str, int | None], str] = {}
    messages = []
    for kind, found in sorted(by_kind.items()):
        k = kind.lower()
        years = sorted({y for _, y in found}, key=lambda y: (y is None, y or 0))
        if k == "user defined geography":
            mca = {n: m.group("name") for n, _ in found if (m := _UDG.match(n))}
            levels: tuple[str, ...] | None = ("combined-authority",)
        else:
            mca = {}
            levels = {"ladu": LOCAL_AUTHORITY_LEVELS, "country": ("nation",), "gor": ("region",),
                      "rgn": ("region",)}.get(k)  # fmt: skip
        bad: dict[str, str] = {}  # name -> why
        if levels is not None:
            for year in years:
                named = sorted({n for n, y in found if y == year})
                lookup = {n: mca[n] for n in named if n in mca} if mca else {n: n for n in named}
                res = names.resolve_all(sorted(set(lookup.values())), levels, year)
                for n, v in lookup.items():
                    if v in res.codes:
                        codes[(kind, n, year)] = res.codes[v]
                    elif v in res.ambiguous:
                        bad.setdefault(n, f"{n!r} ({' or '.join(res.ambiguous[v])} for {year})")
        unmatched = sorted({n for n, y in found if (kind, n, y) not in codes})
        if unmatched:
            listed = "; ".join(bad.get(n, repr(n)) for n in unmatched)
            messages.append(f"{len(unmatched)} '{kind}:' area name(s) not in the area register or matching more "
                            f"than one area, so not loaded: {listed}")  # fmt: skip
    return codes, messages


def load(ctx: LoadContext) -> None:
    for ref in ctx.dataset.data_files:
        if ref.path.endswith(".csv"):
            read_provenance(ctx, ref)
    tables: Tables = ctx.prepared() if ctx.prepared else prepare(ctx.dataset, ctx.local)
    if tables.unknown_tables:
        ctx.warnings.append(f"{FOLDER}: table(s) {', '.join(sorted(tables.unknown_tables))} are not read by this "
                            f"source (it reads {', '.join(INDICATORS)}); their cells were not loaded")  # fmt: skip
    if not tables.cells:
        raise ValidationError(ctx.dataset.main_file.path, "no Nomis local area table blocks found (rows 'date' and "
                              "'Area' followed by rows of areas)")  # fmt: skip
    codes, messages = _resolve(tables.cells, AreaNames.from_warehouse(ctx.con))
    ctx.warnings.extend(f"{FOLDER}: {m}" for m in messages)
    rows: list[tuple[Any, ...]] = []
    counts: dict[tuple[str, str, str], dict[str, float | None]] = {}  # (table, code, period) -> breakdown -> count
    where: dict[tuple[str, str, str], tuple[str, int, str]] = {}
    off_calendar = 0
    for c in tables.cells:
        code = c.code or codes.get((c.area_kind, c.area_name, _year(c.period_name)))
        if code is None:
            continue
        period = nomis_period(c.period_name)
        if c.table == "T01" and not period.endswith("-01-01/P1Y"):
            off_calendar += 1
            continue
        number, conf, flag = cell_text(c.number), cell_text(c.conf), cell_text(c.flag)
        value = _num(c.number)
        status = None if value is not None else (number or "-")
        ci = _num(c.conf)
        notes = []
        if conf == "*":
            notes.append("unreliable: the sample is small (3 to 9)")
        if flag == "~":
            notes.append("estimate below 500")
        rows.append((c.file, c.row, c.column, INDICATORS[c.table], code, c.area_name, None, period, c.breakdown,
                     value, value - ci if value is not None and ci is not None else None,
                     value + ci if value is not None and ci is not None else None, status,
                     "; ".join(notes) or None))  # fmt: skip
        key = (c.table, code, period)
        counts.setdefault(key, {})[c.breakdown] = value
        where.setdefault(key, (c.file, c.row, c.area_name))
    if off_calendar:
        ctx.set_aside.append((off_calendar, "T01 values for 12-month periods not ending in December (the "
                              "calendar-year download of the same table is loaded, so no series mixes windows)"))
    for ind, (table, num, dens, _label) in RATES.items():
        for (t, code, period), got in counts.items():
            if t != table:
                continue
            top, parts = got.get(num), [got.get(d) for d in dens]
            file, row, name = where[(t, code, period)]
            if top is None or any(p is None for p in parts) or not sum(parts):  # type: ignore[arg-type]
                rows.append((file, row, f"{num} / {' + '.join(dens)}", ind, code, name, None, period, "", None, None,
                             None, "x", "not available: a count it needs is suppressed or missing"))  # fmt: skip
                continue
            rate = round(100 * top / sum(parts), 6)  # type: ignore[arg-type]
            rows.append((file, row, f"{num} / {' + '.join(dens)}", ind, code, name, None, period, "", rate, None,
                         None, None, None))  # fmt: skip
    ctx.stage_rows(rows)
    _declare(ctx)


def _declare(ctx: LoadContext) -> None:
    common: dict[str, Any] = dict(source_org=PUBLISHER, source_url=PAGE, experimental=False)
    caveat = ("Annual Population Survey, a household survey: local authority estimates have wide 95% intervals. "
              "Markers as Nomis gives them: ! not available (sample 0 to 2 or disclosive), - missing; notes mark "
              "unreliable estimates (sample 3 to 9) and estimates below 500.")
    ctx.add_indicator(IndicatorMeta(
        INDICATORS["T19"], "People aged 16 to 64 by highest qualification (NVQ, to 2021)",
        "T19: qualifications by age (NVQ)", measure="People", unit="people", decimal_places=0,
        breakdown_kind="highest qualification", caveats=caveat + " The NVQ-based series ends in December 2021; "
        "ONS's RQF-based series from 2022 is not comparable.",
        description="Residents aged 16 to 64 by highest qualification held, Nomis local area table T19.", **common))
    ctx.add_indicator(IndicatorMeta(
        INDICATORS["T01"], "People aged 16 to 64 by economic activity", "T01: economic activity by age",
        measure="People", unit="people", decimal_places=0, breakdown_kind="economic activity", caveats=caveat,
        description="Residents aged 16 to 64 by economic activity, Nomis local area table T01 (calendar years).",
        **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        INDICATORS["T13a"], "People in employment by industry (APS, residence-based)",
        "T13a: employment by industry", measure="People", unit="people", decimal_places=0,
        breakdown_kind="industry (SIC 2007 broad group)", caveats=caveat + " Residence-based survey counts, not "
        "BRES workplace employment.",
        description="Residents in employment by the industry of their main job, Nomis local area table T13a.",
        **common))  # fmt: skip
    for ind, (table, num, dens, label) in RATES.items():
        ctx.add_indicator(IndicatorMeta(
            ind, label, label, measure="Percentage", unit="%", suffix="%", decimal_places=1, caveats=caveat,
            description=f"{num} as a percentage of {' + '.join(dens)} (Nomis local area table {table}); no "
                        "interval is published for the ratio.", **common))  # fmt: skip


# ---- declaration ------------------------------------------------------------------------------------------------------
LIVE_CELLS = tuple(
    [f"T19:{i} (Total - All people aged 16-64 : {k} )" for i, k in enumerate(T19, start=1)]
    + [f"T01:{22 + 3 * i} (Aged 16-64 - {k} : All People )" for i, k in enumerate(T01)]
)
FETCHER = NomisFetcher(
    "NM_17_1",
    (("date", ",".join([f"latestMINUS{n}" for n in range(20, 0, -4)] + ["latest"])),
     ("select", "date_name,geography_code,geography_name,cell_name,measures_name,obs_value,obs_status")),
    "cell", (), LIVE_CELLS,
)  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    if mirror is None:
        ref: FileRef = LiveFileRef(LIVE_PATH, PAGE, fetcher=FETCHER)
        return Discovery(datasets=[_dataset((ref,))])
    d = mirror / FOLDER
    files = sorted(p.name for p in d.iterdir() if p.is_file() and p.suffix.lower() in (".xlsx", ".csv")) \
        if d.is_dir() else []  # fmt: skip
    if not files:
        return Discovery(missing=[(DATASET, f"no Nomis local area tables (.xlsx) in {FOLDER}/ of the mirror")])
    return Discovery(datasets=[_dataset(tuple(FileRef(f"{FOLDER}/{f}", PAGE) for f in files))])


def _dataset(files: tuple[FileRef, ...]) -> Dataset:
    return Dataset(id=DATASET, source="nomis-local-area-tables", publisher=PUBLISHER, files=files,
                   title="Annual Population Survey local area tables (Nomis): qualifications, economic activity, "
                         "employment by industry", load=load, prepare=prepare, publisher_url=PAGE)  # fmt: skip
