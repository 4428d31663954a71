"""ONS Annual Survey of Hours and Earnings (ASHE): employee jobs paid below the Living Wage Foundation rates.

ONS publishes, each autumn, a zip of legacy Excel workbooks "Number and proportion of employee jobs with hourly
pay below the living wage, by work geography": Table 7 for local authorities (LWF.1a, the estimates; LWF.1b, their
coefficients of variation) and Table 9 for parliamentary constituencies. Each workbook has a sheet per group of
jobs (All, Male, Female, Full-Time, Part-Time and their combinations), title rows, then one row per area
(``Description``, ``Code``, jobs in thousands, per cent) on a workplace basis. The .xls files are read with
python-calamine.

Loaded from Table 7: ``ashe-jobs-below-living-wage`` (per cent of employee jobs; the empty breakdown is all jobs,
the others are the sheets) and ``ashe-jobs-below-living-wage-number`` (thousands of jobs, which ONS says are
indicative only). ONS's quality marking is kept: each figure's coefficient of variation (CV) and quality band
("precise" up to 5%, "reasonably precise" to 10%, "acceptable" to 20%; above that ONS suppresses the figure, shown
``x``) are in its note, and the per cent has an approximate 95% interval of ±1.96 × CV. The year is the one in the
tables' titles (April of that year, the survey's reference date); ``provisional`` or ``revised`` in the file name is
kept in the notes. Table 9 (constituencies) is not read. ONS publishes no combined authority figure, and the jobs
counts are too rounded to build one: Liverpool City Region has no figure from this source.

Live location: the newest edition's zip on the ONS dataset page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef
from prosperity.sources.live.ons_api import OnsDatasetPageFetcher
from prosperity.sources.published import discover_newest
from prosperity.sources.workbooks import cell_text, read_member, read_workbook, zip_members
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

ONS = "Office for National Statistics"
PAGE = ("https://www.ons.gov.uk/employmentandlabourmarket/peopleinwork/earningsandworkinghours/datasets/"
        "numberandproportionofemployeejobswithhourlypaybelowthelivingwage")  # fmt: skip
FOLDER = "earnings-living-wage"
FILE = re.compile(r"livingwagebyworkgeography(\d{4})(provisional|revised)?\.zip", re.IGNORECASE)
ESTIMATES = re.compile(r".*Work Geography LWF Table 7 LWF\.1a.*\.xls", re.IGNORECASE)
CVS = re.compile(r".*Work Geography LWF Table 7 LWF\.1b.*CV.*\.xls", re.IGNORECASE)
SHEETS = ("All", "Male", "Female", "Full-Time", "Part-Time", "Male Full-Time", "Male Part-Time", "Female Full-Time",
          "Female Part-Time")  # fmt: skip
_TITLE_YEAR = re.compile(r",\s*(\d{4})\s*$")
_CODE = re.compile(r"^[A-Z]\d{8}$")
MARKERS = ("x", ":", "..", ".")


def _band(cv: float) -> str:
    """ONS's quality band for an estimate with this coefficient of variation (ASHE guide to quality)."""
    return "precise" if cv <= 5 else "reasonably precise" if cv <= 10 else "acceptable" if cv <= 20 else "unreliable"


def discover(mirror: Path | None) -> Discovery:
    if mirror is None:
        ref: FileRef = LiveFileRef(f"{FOLDER}/livingwagebyworkgeography.zip", PAGE, fetcher=OnsDatasetPageFetcher(
            PAGE, r"livingwagebyworkgeography\d{4}(?:provisional|revised)?\.zip"))  # fmt: skip
        return Discovery(datasets=[_dataset(ref)])
    return discover_newest(mirror, FOLDER, FILE, "ons/ashe-living-wage", lambda path: _dataset(FileRef(path, PAGE)),
                           "an ONS ASHE living wage")


def _dataset(ref: FileRef) -> Dataset:
    return Dataset(id="ons/ashe-living-wage", source="ons-ashe", title="Employee jobs paid below the Living Wage "
                   "Foundation rates, by local authority (ASHE, workplace basis)", publisher=ONS, files=(ref,),
                   load=load, prepare=prepare, publisher_url=PAGE)  # fmt: skip


def _table(path: Path, name: str, pattern: re.Pattern[str]) -> tuple[str, dict[str, list[tuple[Any, ...]]]]:
    members = zip_members(path, name, pattern)
    if len(members) != 1:
        raise ValidationError(name, f"{len(members)} files named like {pattern.pattern} in the archive; expected one "
                              "(ONS's Table 7 for local authorities)")  # fmt: skip
    member = f"{name}!{members[0]}"
    return member, read_workbook(read_member(path, name, members[0]), member, set(SHEETS).__contains__)


def _body(sheets: dict[str, list[tuple[Any, ...]]], member: str, sheet: str) -> tuple[int, list[tuple[Any, ...]]]:
    data = sheets.get(sheet)
    if data is None:
        raise ValidationError(member, f"sheet {sheet!r} not found; expected {', '.join(SHEETS)}")
    h = next((i for i, r in enumerate(data) if r and cell_text(r[0]) == "Description"), None)
    if h is None or len(data[h]) < 4:
        raise ValidationError(f"{member} [{sheet}]", "no header row: expected 'Description', 'Code', jobs, per cent")
    return h, data


def prepare(ds: Dataset, local: dict[str, Path]) -> dict[str, Any]:
    ref = ds.main_file
    path = local[ref.path]
    est_name, est = _table(path, ref.path, ESTIMATES)
    cv_name, cvs = _table(path, ref.path, CVS)
    edition = FILE.fullmatch(ref.path.rsplit("/", 1)[-1])
    status_note = f"{edition.group(2).capitalize()} estimate" if edition and edition.group(2) else None
    rows: list[tuple[Any, ...]] = []
    year = None
    uncoded = 0
    for sheet in SHEETS:
        h, data = _body(est, est_name, sheet)
        ch, cv_data = _body(cvs, cv_name, sheet)
        m = _TITLE_YEAR.search(cell_text(data[0][0]) if data and data[0] else "")
        if not m:
            raise ValidationError(f"{est_name} [{sheet}]", "the title does not end with the year (', YYYY')", row=1)
        if year not in (None, m.group(1)):
            raise ValidationError(f"{est_name} [{sheet}]", f"year {m.group(1)} differs from the other sheets' {year}")
        year = m.group(1)
        cv_by_code = {cell_text(r[1]): r for r in cv_data[ch + 1:] if len(r) > 3 and _CODE.match(cell_text(r[1]))}
        brk = "" if sheet == "All" else sheet
        for n, r in enumerate(data[h + 1:], start=h + 2):
            if len(r) < 4 or (cell_text(r[2]) == "" and cell_text(r[3]) == ""):
                continue
            code, name = cell_text(r[1]), cell_text(r[0])
            if not code:
                uncoded += 1  # "Not Classified": jobs with no workplace area
                continue
            if not _CODE.match(code):
                raise ValidationError(f"{est_name} [{sheet}]", f"{code!r} is not an area code", row=n, column="Code")
            cv = cv_by_code.get(code)
            for col, ind in ((2, "ashe-jobs-below-living-wage-number"), (3, "ashe-jobs-below-living-wage")):
                rows.append(_cell(f"{est_name} [{sheet}]", n, ind, code, name, f"{year}-04-01/P1M", brk, r[col],
                                  cv[col] if cv is not None and col < len(cv) else None, status_note,
                                  interval=col == 3))  # fmt: skip
    return {"rows": rows, "uncoded": uncoded, "year": year}


def _cell(where: str, n: int, ind: str, code: str, name: str, period: str, brk: str, v: Any, cv: Any,
          note: str | None, interval: bool) -> tuple[Any, ...]:  # fmt: skip
    status, lci, uci, notes = None, None, None, [note] if note else []
    if isinstance(v, str) and v.strip().lower() in MARKERS:
        v, status = None, v.strip().lower()
    if isinstance(v, int | float) and isinstance(cv, int | float):
        notes.append(f"CV {cv:g}% ({_band(cv)})")
        if interval:
            lci, uci = round(v * (1 - 1.96 * cv / 100), 3), round(v * (1 + 1.96 * cv / 100), 3)
    column = "Per cent" if ind.endswith("wage") else "Jobs (thousand)"
    return (where, n, column, ind, code, name, None, period, brk, v, lci, uci, status, "; ".join(notes) or None)


def load(ctx: LoadContext) -> None:
    book = ctx.prepared() if ctx.prepared else prepare(ctx.dataset, ctx.local)
    ctx.stage_rows(book["rows"])
    if book["uncoded"]:
        ctx.set_aside.append((book["uncoded"], "rows of jobs not classified to an area (no area code)"))
    ctx.metadata["survey_year"] = book["year"]
    ctx.metadata["not_loaded"] = "Table 9 (parliamentary constituencies)"
    caveat = ("Employee jobs on adult rates whose pay was not affected by absence, by where they are (workplace "
              "basis), in April. Living Wage Foundation rates. Each figure's note gives ONS's coefficient of "
              "variation (CV) and quality band; the 95% interval is approximately ±1.96 × CV. ONS suppresses "
              "figures with a CV above 20% (x).")
    common = dict(source_org=ONS, source_url=PAGE, experimental=False, caveats=caveat, breakdown_kind="jobs")
    ctx.add_indicator(IndicatorMeta(
        "ashe-jobs-below-living-wage", "Employee jobs paid below the Real Living Wage", "Per cent",
        measure="% of employee jobs", unit="% of employee jobs", decimal_places=1,
        description="Percentage of employee jobs in the area paid less per hour than the Living Wage Foundation's "
                    "rate (ASHE Table 7). The empty breakdown is all jobs; others are by sex and working pattern.",
        **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "ashe-jobs-below-living-wage-number", "Employee jobs paid below the Real Living Wage (thousands, indicative)",
        "Jobs (thousand)", measure="thousand jobs", unit="thousand jobs", decimal_places=0,
        description="Number of employee jobs paid below the Living Wage Foundation rate, in thousands. ONS: for "
                    "indicative purposes only, not an accurate count of jobs.", **common))  # fmt: skip
    for sheet in SHEETS[1:]:
        for ind in ("ashe-jobs-below-living-wage", "ashe-jobs-below-living-wage-number"):
            ctx.breakdown_labels[(ind, sheet)] = sheet.replace("-", " ").capitalize()
