"""DESNZ UK local authority greenhouse gas emissions: the newest long CSV, found through the GOV.UK content API.

The collection page lists one statistics release a year; the newest one's CSV attachment ("… local authority
greenhouse gas emissions … CSV dataset") has one row per local authority, calendar year, sector, sub-sector and
gas, in kt CO2e. Loaded as ``desnz/la-ghg-emissions`` (indicator ids in :data:`INDICATORS`), summed to sectors and
gases; per-person figures divide the total by the file's mid-year population.
"""

from __future__ import annotations

import re
from pathlib import Path

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery
from prosperity.sources.live.base import LiveFileRef, missing_without_fetch, read_provenance
from prosperity.sources.live.govuk import BASE, GovUkAttachmentFetcher
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

SOURCE = "desnz"
PUBLISHER = "Department for Energy Security and Net Zero"
COLLECTION = "government/collections/uk-local-authority-and-regional-greenhouse-gas-emissions-national-statistics"
PATH = "desnz/la-ghg-emissions.csv"
FETCHER = GovUkAttachmentFetcher(COLLECTION, r"local authority.*greenhouse gas emissions",
                                 r"2005-(?:20)?\d{2}-(?:uk-)?local-authority-ghg-emissions-csv-dataset\.csv")  # fmt: skip
COLUMNS = ["Local Authority", "Local Authority Code", "Calendar Year", "LA GHG Sector", "LA GHG Sub-sector",
           "Greenhouse gas", "Territorial emissions (kt CO2e)", "Emissions within the scope of influence of LAs (kt CO2e)",
           "Mid-year Population (thousands)"]  # fmt: skip
#: Columns whose headings DESNZ has changed between editions, matched by rule: role → pattern (whole heading).
#: The 2005–2023 edition says "kt CO2e"; earlier CO2-only editions said "kt CO2".
COLUMN_RULES = {
    "Territorial emissions (kt CO2e)": re.compile(r"Territorial emissions \(kt CO2e?\)", re.IGNORECASE),
    "Emissions within the scope of influence of LAs (kt CO2e)":
        re.compile(r"Emissions within the scope of influence of LAs \(kt CO2e?\)", re.IGNORECASE),
    "Mid-year Population (thousands)": re.compile(r"Mid-year Population \(thousands\)", re.IGNORECASE),
    "Area (km2)": re.compile(r"Area \(km2\)", re.IGNORECASE),
}  # fmt: skip


def match_columns(header: list[str], file: str) -> tuple[dict[str, str], list[str]]:
    """The file's heading for each role in :data:`COLUMN_RULES` (roles are the current edition's headings), and a
    note for each heading that differs from the current edition's, naming the edition's heading."""
    found: dict[str, str] = {}
    notes = []
    for role, pattern in COLUMN_RULES.items():
        match = [h for h in header if pattern.fullmatch(h.strip())]
        if len(match) > 1:
            raise ValidationError(file, f"columns {match} all match {role!r}; expected one", row=1)
        if match:
            found[role] = match[0]
            if match[0] != role:
                notes.append(f"{file}: column {match[0]!r} read as {role!r} (an edition with the older heading)")
    return found, notes
INDICATORS = {
    "desnz-ghg-emissions": "Territorial greenhouse gas emissions",
    "desnz-ghg-emissions-by-gas": "Territorial greenhouse gas emissions by gas",
    "desnz-ghg-emissions-in-scope": "Greenhouse gas emissions within the scope of influence of local authorities",
    "desnz-ghg-emissions-per-person": "Territorial greenhouse gas emissions per person",
    "desnz-co2-emissions": "Territorial carbon dioxide emissions",
}


def _num(col: str) -> str:
    q = col.replace('"', '""')
    return f'TRY_CAST(replace(trim("{q}"), \',\', \'\') AS DOUBLE)'


def load(ctx: LoadContext) -> None:
    ref = ctx.dataset.main_file
    read_provenance(ctx, ref)
    header = ctx.read_csv(ref, "raw")
    file = ctx.name(ref)
    cols, notes = match_columns(header, file)
    ctx.warnings.extend(notes)
    ctx.metadata["columns"] = cols  # the edition's own headings
    named = [cols.get(c, c) for c in COLUMNS]
    LoadContext.check_columns(file, header, named, [h for h in header if h not in named])
    terr, scope, pop = _num(named[6]), _num(named[7]), _num(named[8])
    con = ctx.con
    blank = con.execute("""SELECT count(*) FROM raw WHERE trim(coalesce("Local Authority Code", '')) = ''""").fetchone()
    if blank and blank[0]:
        ctx.set_aside.append((int(blank[0]), "rows without a local authority code (unallocated emissions)"))
    base = """FROM raw WHERE trim(coalesce("Local Authority Code", '')) <> ''"""
    rnd = "CAST(round({}, 6) AS TEXT)"
    # Totals and sectors (territorial and within scope), by gas, CO2 by sector, per person.
    for ind, value, by in (("desnz-ghg-emissions", terr, "''"), ("desnz-ghg-emissions", terr, '"LA GHG Sector"'),
                           ("desnz-ghg-emissions-in-scope", scope, "''"),
                           ("desnz-ghg-emissions-in-scope", scope, '"LA GHG Sector"'),
                           ("desnz-ghg-emissions-by-gas", terr, '"Greenhouse gas"')):  # fmt: skip
        ctx.stage(f"""SELECT ?, min(row_no), ?, ?, "Local Authority Code", any_value("Local Authority"), NULL,
                             "Calendar Year", {by}, {rnd.format(f'sum({value})')}, NULL, NULL, NULL, NULL
                      {base} GROUP BY "Local Authority Code", "Calendar Year", {by}""",
                  [file, named[6] if value == terr else named[7], ind])  # fmt: skip
    ctx.stage(f"""SELECT ?, min(row_no), ?, 'desnz-co2-emissions', "Local Authority Code", any_value("Local Authority"),
                         NULL, "Calendar Year", brk, {rnd.format(f'sum({terr})')}, NULL, NULL, NULL, NULL
                  FROM (SELECT *, unnest(['', "LA GHG Sector"]) AS brk {base} AND upper("Greenhouse gas") LIKE 'CO2%')
                  GROUP BY "Local Authority Code", "Calendar Year", brk""", [file, named[6]])  # fmt: skip
    ctx.stage(f"""SELECT ?, min(row_no), ?, 'desnz-ghg-emissions-per-person', "Local Authority Code",
                         any_value("Local Authority"), NULL, "Calendar Year", '',
                         {rnd.format(f'sum({terr}) / nullif(any_value({pop}), 0)')}, NULL, NULL, NULL, NULL
                  {base} GROUP BY "Local Authority Code", "Calendar Year" """, [file, named[8]])  # fmt: skip
    for ind, col in (("desnz-ghg-emissions", '"LA GHG Sector"'), ("desnz-ghg-emissions-in-scope", '"LA GHG Sector"'),
                     ("desnz-ghg-emissions-by-gas", '"Greenhouse gas"'), ("desnz-co2-emissions", '"LA GHG Sector"')):
        for (v,) in con.execute(f"SELECT DISTINCT {col} {base}").fetchall():
            if v:
                ctx.breakdown_labels[(ind, v)] = v
    ctx.set_aside_where("area_code NOT IN (SELECT code FROM areas)", "rows for areas not in the area register")
    prov = ctx.metadata.get("live", {})
    caveat = ("DESNZ revises the whole series with each release; figures for earlier years differ between releases. "
              f"Release: {prov.get('release') or 'as fetched'}.")
    common = dict(source_org=PUBLISHER, source_url=f"{BASE}/{COLLECTION}", experimental=False, caveats=caveat)
    for ind, label in INDICATORS.items():
        per = ind.endswith("per-person")
        unit = "t CO2e per person" if per else ("kt CO2" if ind.startswith("desnz-co2") else "kt CO2e")
        kind = {"desnz-ghg-emissions-by-gas": "gas"}.get(ind, None if per else "sector")
        ctx.add_indicator(IndicatorMeta(
            ind, label, label, measure=unit, unit=unit, decimal_places=2 if per else 1, breakdown_kind=kind,
            description=f"{label} for each local authority and calendar year; the empty breakdown is the total "
                        "of all sectors and gases." if not per else
                        f"{label}: all territorial emissions divided by the mid-year population.", **common))


def datasets() -> list[Dataset]:
    return [Dataset(id="desnz/la-ghg-emissions", source=SOURCE, title="UK local authority greenhouse gas emissions",
                    publisher=PUBLISHER, files=(LiveFileRef(PATH, f"{BASE}/api/content/{COLLECTION}", fetcher=FETCHER),),
                    load=load, publisher_url=f"{BASE}/{COLLECTION}")]  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    found = datasets()
    if mirror is None:
        return Discovery(datasets=found)
    present, missing = missing_without_fetch(mirror, [(d.id, d.main_file) for d in found], SOURCE, "GOV.UK")
    return Discovery(datasets=[d for d in found if d.id in present], missing=missing)
