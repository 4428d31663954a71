"""OHID Fingertips exports: the standard 27-column CSV Fingertips gives for any indicator, as a source.

A file downloaded from Fingertips (``la_hospital_admissions_2324.csv``: indicator 90284, hospital admissions
caused by injuries in children aged 0 to 14, per 10,000, for upper-tier authorities and England) is read whatever
its name: its ``Indicator ID`` column says what it holds, and the dataset is ``fingertips/indicator-<ids>``, so a
later download of the same indicator (one more year) is a new release of the same dataset. When several files hold
the same indicators, the one whose name sorts last (Fingertips exports carry the year) is loaded and the others are
listed as older editions.

Loaded for each indicator: ``fingertips-<id>`` (the value with its 95% interval, by sex with the empty breakdown
for persons, and by age where the file has more than one), and its ``-count`` and ``-denominator``, so that a
combined authority's rate is the ratio of its members' sums (``assess/aggregation.yaml``). Rows of category
breakdowns (deprivation deciles) are set aside and counted; a value Fingertips does not present is kept as not
available with Fingertips's note.

Live, the same CSV comes from the Fingertips API (``/api/all_data/csv/by_indicator_id``) for the indicators in
:data:`EXPORTS`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef
from prosperity.sources.live.fingertips import PATH as LIFE_EXPECTANCY_PATH
from prosperity.sources.live.fingertips import PUBLISHER, FingertipsCsvFetcher, read_export
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

FOLDER = "fingertips"
#: Fingertips indicators fetched live: indicator id → child area type (502: counties and unitary authorities).
EXPORTS = {"90284": 502}
#: Units Fingertips states in each indicator's metadata (the CSV export does not carry them).
UNITS = {"90284": ("Crude rate per 10,000 children aged 0 to 14", "per 10,000")}
REQUIRED = ["Indicator ID", "Indicator Name", "Area Code", "Area Name", "Sex", "Age", "Category Type",
            "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator"]  # fmt: skip
_ID = re.compile(r"^\d{1,7}$")


def _ids_of(path: Path) -> tuple[str, ...] | None:
    """The indicator ids a Fingertips CSV holds (read from its first rows), or None if it is not one."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            if "Indicator ID" not in (reader.fieldnames or []):
                return None
            ids = set()
            for i, row in enumerate(reader):
                ids.add((row.get("Indicator ID") or "").strip())
                if i > 5000:
                    break
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    ids.discard("")
    return tuple(sorted(ids)) if ids and all(_ID.match(i) for i in ids) else None


def _dataset(ids: tuple[str, ...], ref: FileRef) -> Dataset:
    return Dataset(id=f"{FOLDER}/indicator-{'-'.join(ids)}", source="ohid-fingertips", publisher=PUBLISHER,
                   title=f"OHID Fingertips indicator {', '.join(ids)}", files=(ref,), load=load,
                   publisher_url=f"https://fingertips.phe.org.uk/search/{','.join(ids)}")  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    found = Discovery()
    if mirror is None:
        for fid, child in EXPORTS.items():
            fetcher = FingertipsCsvFetcher((fid,), child_area_type_id=child)
            url, params = fetcher.url()
            path = f"{FOLDER}/indicator-{fid}.csv"
            found.datasets.append(_dataset((fid,), LiveFileRef(path, f"{url}?indicator_ids={fid}", fetcher=fetcher)))
        return found
    d = mirror / FOLDER
    groups: dict[tuple[str, ...], list[str]] = {}
    for p in sorted(d.iterdir()) if d.is_dir() else []:
        rel = f"{FOLDER}/{p.name}"
        if not p.is_file() or p.suffix.lower() != ".csv" or rel == LIFE_EXPECTANCY_PATH:
            continue
        ids = _ids_of(p)
        if ids is None:
            found.ignored.append((rel, "not a Fingertips export (no 'Indicator ID' column of numeric ids)"))
            continue
        groups.setdefault(ids, []).append(rel)
    for ids, paths in groups.items():
        paths.sort(key=lambda s: re.sub(r"\d+", lambda m: m.group(0).zfill(8), s))
        found.datasets.append(_dataset(ids, FileRef(paths[-1], f"https://fingertips.phe.org.uk/api/all_data/csv/"
                                                    f"by_indicator_id?indicator_ids={','.join(ids)}")))  # fmt: skip
        found.ignored.extend((p, f"an older export of the same indicators as {paths[-1]}, which is loaded instead")
                             for p in paths[:-1])  # fmt: skip
    return found


def load(ctx: LoadContext) -> None:
    ref = ctx.dataset.main_file
    header = read_export(ctx, REQUIRED)
    con = ctx.con
    bad = con.execute("""SELECT row_no, "Indicator ID" FROM raw WHERE NOT regexp_matches(trim("Indicator ID"),
                         '^[0-9]+$') ORDER BY row_no LIMIT 1""").fetchone()  # fmt: skip
    if bad:
        raise ValidationError(ctx.name(ref), f"{bad[1]!r} is not a Fingertips indicator id", row=bad[0],
                              column="Indicator ID")  # fmt: skip
    note = ', "Value note"' if "Value note" in header else ", NULL"
    # The breakdown is the sex ("" for persons, so that a group's rate is the ratio of its members' sums of the
    # persons count and denominator), with the age where the file has more than one.
    sex = """CASE WHEN r."Sex" = 'Persons' THEN '' ELSE r."Sex" END"""
    brk = f"""CASE WHEN count(DISTINCT r."Age") OVER (PARTITION BY r."Indicator ID") > 1
                   THEN r."Sex" || ', ' || r."Age" ELSE {sex} END"""
    where = """FROM raw r JOIN ft_periods p ON p.raw = r."Time period"
               WHERE trim(coalesce(r."Category Type", '')) = ''"""
    for suffix, value, lci, uci in (("", 'r."Value"', 'r."Lower CI 95.0 limit"', 'r."Upper CI 95.0 limit"'),
                                    ("-count", 'r."Count"', "NULL", "NULL"),
                                    ("-denominator", 'r."Denominator"', "NULL", "NULL")):  # fmt: skip
        ctx.stage(f"""SELECT ?, r.row_no, ?, 'fingertips-' || trim(r."Indicator ID") || '{suffix}', r."Area Code",
                             r."Area Name", NULL, p.period, {brk}, {value}, {lci}, {uci},
                             CASE WHEN trim(coalesce({value}, '')) = '' THEN 'x' END {note if not suffix else ', NULL'}
                      {where}""", [ctx.name(ref), value.split(".", 1)[1].strip('"')])  # fmt: skip
    ctx.set_aside_where("area_code NOT IN (SELECT code FROM areas)", "rows for areas not in the area register")
    for fid, name in con.execute('SELECT DISTINCT trim("Indicator ID"), any_value("Indicator Name") FROM raw '
                                 'GROUP BY 1').fetchall():  # fmt: skip
        common = dict(source_org=PUBLISHER, source_url=f"https://fingertips.phe.org.uk/search/{fid}",
                      experimental=False, breakdown_kind="sex")  # fmt: skip
        measure, unit = UNITS.get(fid, ("Value as Fingertips publishes it", "as published"))
        ctx.add_indicator(IndicatorMeta(
            f"fingertips-{fid}", name, name, measure=measure, unit=unit,
            decimal_places=1, description=f"{name} (Fingertips indicator {fid}), with its 95% interval.",
            caveats="Values Fingertips does not present are kept as not available, with Fingertips's note.",
            **common))  # fmt: skip
        for part in ("count", "denominator"):
            ctx.add_indicator(IndicatorMeta(
                f"fingertips-{fid}-{part}", f"{name}: {part}", f"{part.title()} ({name})", measure=part.title(),
                unit="people" if part == "denominator" else "events", decimal_places=0,
                description=f"The {part} of Fingertips indicator {fid}, for aggregation to groups of areas.",
                **common))  # fmt: skip
