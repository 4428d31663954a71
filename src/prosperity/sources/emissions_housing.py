"""Local authority CO2 emissions by sector (BEIS/DESNZ via mySociety) and dwelling completions (ONS/MHCLG).

- ``emissions/la-co2``: territorial CO2 emissions by sector and sub-sector, kt CO2, for each UK local authority,
  with emissions per person and per km². Live, from DESNZ's own long CSV of the newest release (all gases, found
  through the GOV.UK content API: :mod:`prosperity.sources.live.desnz`), of which the CO2 rows are read. The mirror
  holds the same statistics as mySociety re-packaged them (CO2 only, 2005–2020, one column per sub-sector, with
  three-letter register codes mapped to GSS codes through ``local-authorities/lookup_gss_to_registry.csv``); the
  reader accepts both shapes.
- ``housing/dwelling-completions``: permanent dwellings completed, by UK local authority and financial year. Live,
  from ONS's own workbook (:mod:`prosperity.sources.ons_house_building`, found on the ONS dataset page), which a
  mirror may also hold. The mirror's file is otherwise an analyst's compilation of that workbook (DanOlner/ukcompare:
  financial years 2019/20 to 2023/24 for Great Britain, with completions per 1,000 residents from the Annual
  Population Survey); it is read from the mirror only, never fetched from the analyst's repository.
"""

from __future__ import annotations

from pathlib import Path

from prosperity.errors import ValidationError
from prosperity.sources import ons_house_building
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef
from prosperity.sources.ons_house_building import PAGE as ONS_HOUSING_PAGE
from prosperity.warehouse.loading import IndicatorMeta, LoadContext
from prosperity.warehouse.sql import quote_ident as _q

MYSOCIETY = "https://raw.githubusercontent.com/mysociety/uk_local_authority_names_and_codes/main/data"
DESNZ_PAGE = "https://www.gov.uk/government/collections/uk-local-authority-and-regional-greenhouse-gas-emissions-national-statistics"  # noqa: E501
HOUSING_UPSTREAM = "https://raw.githubusercontent.com/DanOlner/ukcompare/main/data"
HOUSING_PAGE = ONS_HOUSING_PAGE
EMISSIONS = "emissions/local_authority_emissions.csv"
LOOKUP = "local-authorities/lookup_gss_to_registry.csv"
HOUSING = "housing/dwelling_completions_localauthorities.csv"
PER_PERSON, PER_KM2 = "Per Person Emissions:t", "Emissions per km2:kt"
NOT_SECTORS = ("Population:000s", "Area:km2", PER_PERSON, PER_KM2)


def _emissions(mirror: Path | None) -> Dataset:
    if mirror is None:  # live: the publisher's own file
        from prosperity.sources.live.desnz import COLLECTION, FETCHER
        from prosperity.sources.live.desnz import PATH as DESNZ_CSV

        return Dataset(id="emissions/la-co2", source="desnz-la-emissions",
                       title="Local authority territorial CO2 emissions by sector",
                       publisher="Department for Energy Security and Net Zero",
                       files=(LiveFileRef(DESNZ_CSV, f"https://www.gov.uk/api/content/{COLLECTION}", fetcher=FETCHER),),
                       load=load_emissions, publisher_url=DESNZ_PAGE)  # fmt: skip
    return Dataset(id="emissions/la-co2", source="desnz-la-emissions",
                   title="Local authority territorial CO2 emissions by sector",
                   publisher="Department for Energy Security and Net Zero (as re-packaged by mySociety)",
                   files=(FileRef(EMISSIONS, DESNZ_PAGE), FileRef(LOOKUP, f"{MYSOCIETY}/lookup_gss_to_registry.csv",
                                                                  "metadata")),
                   load=load_emissions, publisher_url=DESNZ_PAGE)  # fmt: skip


def _housing() -> Dataset:
    return Dataset(id="housing/dwelling-completions", source="ons-house-building",
                   title="Permanent dwellings completed, by local authority",
                   publisher="Office for National Statistics (as compiled by an analyst, with population rates)",
                   files=(FileRef(HOUSING, f"{HOUSING_UPSTREAM}/dwelling_completions_localauthorities.csv"),),
                   load=load_housing, publisher_url=HOUSING_PAGE)  # fmt: skip


def discover(mirror: Path | None) -> Discovery:
    found = Discovery(datasets=[_emissions(mirror)])
    if mirror is None:  # live: ONS's own workbook, never the analyst's compilation
        found.datasets.append(ons_house_building.live_dataset())
    elif (publisher := ons_house_building.in_mirror(mirror)) is not None:
        found.datasets.append(ons_house_building.dataset(FileRef(publisher, ONS_HOUSING_PAGE)))
        if (mirror / HOUSING).is_file():
            found.ignored.append((HOUSING, f"an analyst's compilation of {publisher}, which is loaded instead"))
    else:
        found.datasets.append(_housing())
    if mirror is not None:
        for name in ("la_labels.csv", "datapackage.yaml", "la_labels.resource.yaml",
                     "local_authority_emissions.resource.yaml"):  # fmt: skip
            found.ignored.append((f"emissions/{name}", "package metadata and mySociety's emissions-profile "
                                  "labels, not official statistics"))  # fmt: skip
    return found


def load_emissions(ctx: LoadContext) -> None:
    if len(ctx.dataset.files) == 1:
        return load_emissions_desnz(ctx)
    data, lookup = ctx.dataset.files
    header = ctx.read_csv(data, "raw")
    sectors = [h for h in header if h.endswith(":kt CO2")]
    LoadContext.check_columns(ctx.name(data), header, ["Year", "local-authority-code", "official-name", *sectors,
                              PER_PERSON, PER_KM2], list(NOT_SECTORS))  # fmt: skip
    if not sectors:
        raise ValidationError(ctx.name(data), "no sector columns (named '<sector>:kt CO2') found", row=1)
    lh = ctx.read_csv(lookup, "lookup")
    LoadContext.check_columns(ctx.name(lookup), lh, ["gss-code", "local-authority-code"], [])
    unmapped = ctx.con.execute(
        """SELECT r.row_no, r."local-authority-code", r."official-name" FROM raw r
           LEFT JOIN lookup l ON l."local-authority-code" = r."local-authority-code"
           WHERE l."gss-code" IS NULL ORDER BY r.row_no LIMIT 1"""
    ).fetchone()
    if unmapped:
        raise ValidationError(ctx.name(data), f"register code {unmapped[1]!r} ({unmapped[2]}) has no GSS code in "
                              f"{ctx.name(lookup)}", row=unmapped[0], column="local-authority-code")  # fmt: skip
    joined = """(SELECT r.*, l."gss-code" AS gss FROM raw r
                 JOIN lookup l ON l."local-authority-code" = r."local-authority-code")"""
    file = ctx.name(data)
    for col in sectors:
        sector = col.rsplit(":", 1)[0]
        ctx.stage(f"SELECT ?, row_no, ?, 'co2-emissions', gss, \"official-name\", NULL, \"Year\", ?, {_q(col)}, "
                  f"NULL, NULL, NULL, NULL FROM {joined}", [file, col, sector])  # fmt: skip
        ctx.breakdown_labels[("co2-emissions", sector)] = sector
    for col, ind in ((PER_PERSON, "co2-emissions-per-person"), (PER_KM2, "co2-emissions-per-km2")):
        ctx.stage(f"SELECT ?, row_no, ?, ?, gss, \"official-name\", NULL, \"Year\", '', {_q(col)}, "
                  f"NULL, NULL, NULL, NULL FROM {joined}", [file, col, ind])  # fmt: skip
    common = dict(source_org="Department for Energy Security and Net Zero", source_url=DESNZ_PAGE,
                  experimental=False)  # fmt: skip
    caveat = ("Territorial CO2 only (not all greenhouse gases), 2005–2020, from the DESNZ local authority "
              "emissions statistics as packaged by mySociety; later DESNZ releases revise the whole series.")
    ctx.add_indicator(IndicatorMeta(
        "co2-emissions", "CO2 emissions by sector", "Territorial CO2 emissions", measure="Kilotonnes of CO2",
        unit="kt CO2", decimal_places=1, breakdown_kind="sector",
        description="Territorial carbon dioxide emissions by sector and sub-sector for each local authority.",
        caveats=caveat, **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "co2-emissions-per-person", "CO2 emissions per person", "Per Person Emissions",
        measure="Tonnes of CO2 per resident", unit="t CO2 per person", decimal_places=1,
        description="Territorial CO2 emissions divided by resident population.", caveats=caveat, **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "co2-emissions-per-km2", "CO2 emissions per square kilometre", "Emissions per km2",
        measure="Kilotonnes of CO2 per km²", unit="kt CO2 per km²", decimal_places=2,
        description="Territorial CO2 emissions divided by land area.", caveats=caveat, **common))  # fmt: skip


def load_emissions_desnz(ctx: LoadContext) -> None:
    """The CO2 rows of DESNZ's long CSV (one row per authority, year, sector, sub-sector and gas), in the shape of
    the indicators above: sub-sectors, ``<sector> Total`` and ``Total Emissions``, per person and per km²."""
    from prosperity.sources.live.base import read_provenance
    from prosperity.sources.live.desnz import COLUMNS, match_columns

    (ref,) = ctx.dataset.files
    read_provenance(ctx, ref)
    header = ctx.read_csv(ref, "raw")
    file = ctx.name(ref)
    cols, notes = match_columns(header, file)
    ctx.warnings.extend(notes)
    ctx.metadata["columns"] = cols
    need = [cols.get(c, c) for c in (*COLUMNS, "Area (km2)")]
    LoadContext.check_columns(file, header, need, [h for h in header if h not in need])
    terr, pop, area = (_q(cols.get(c, c)) for c in (COLUMNS[6], COLUMNS[8], "Area (km2)"))
    num = "TRY_CAST(replace(trim({}), ',', '') AS DOUBLE)"
    base = """FROM raw WHERE trim(coalesce("Local Authority Code", '')) <> '' AND upper(trim("Greenhouse gas")) = 'CO2'"""
    for brk in ('"LA GHG Sub-sector"', '"LA GHG Sector" || \' Total\'', "'Total Emissions'"):
        ctx.stage(f"""SELECT ?, min(row_no), ?, 'co2-emissions', "Local Authority Code", any_value("Local Authority"),
                             NULL, "Calendar Year", {brk}, CAST(round(sum({num.format(terr)}), 6) AS TEXT),
                             NULL, NULL, NULL, NULL {base} GROUP BY "Local Authority Code", "Calendar Year", {brk}""",
                  [file, cols.get(COLUMNS[6], COLUMNS[6])])  # fmt: skip
    for ind, denom in (("co2-emissions-per-person", pop), ("co2-emissions-per-km2", area)):
        ctx.stage(f"""SELECT ?, min(row_no), ?, ?, "Local Authority Code", any_value("Local Authority"), NULL,
                             "Calendar Year", '',
                             CAST(round(sum({num.format(terr)}) / nullif(any_value({num.format(denom)}), 0), 6) AS TEXT),
                             NULL, NULL, NULL, NULL {base} GROUP BY "Local Authority Code", "Calendar Year" """,
                  [file, cols.get(COLUMNS[6], COLUMNS[6]), ind])  # fmt: skip
    blank = ctx.con.execute("""SELECT count(*) FROM raw WHERE trim(coalesce("Local Authority Code", '')) = ''""")
    n = blank.fetchone()[0]
    if n:
        ctx.set_aside.append((int(n), "rows without a local authority code (unallocated emissions)"))
    ctx.set_aside_where("area_code NOT IN (SELECT code FROM areas)", "rows for areas not in the area register")
    for (b,) in ctx.con.execute("SELECT DISTINCT breakdown FROM stage_obs WHERE indicator_id = 'co2-emissions'").fetchall():
        ctx.breakdown_labels[("co2-emissions", b)] = b
    common = dict(source_org="Department for Energy Security and Net Zero", source_url=DESNZ_PAGE, experimental=False)
    caveat = ("Territorial CO2 (the CO2 rows of DESNZ's all-gas dataset), newest release; DESNZ revises the whole "
              f"series with each release. Release: {(ctx.metadata.get('live') or {}).get('release') or 'as fetched'}.")
    ctx.add_indicator(IndicatorMeta(
        "co2-emissions", "CO2 emissions by sector", "Territorial CO2 emissions", measure="Kilotonnes of CO2",
        unit="kt CO2", decimal_places=1, breakdown_kind="sector",
        description="Territorial carbon dioxide emissions by sector ('<sector> Total') and sub-sector, and in all "
                    "('Total Emissions'), for each local authority.", caveats=caveat, **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "co2-emissions-per-person", "CO2 emissions per person", "Per Person Emissions",
        measure="Tonnes of CO2 per resident", unit="t CO2 per person", decimal_places=1,
        description="Territorial CO2 emissions divided by the mid-year population.", caveats=caveat,
        **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "co2-emissions-per-km2", "CO2 emissions per square kilometre", "Emissions per km2",
        measure="Kilotonnes of CO2 per km²", unit="kt CO2 per km²", decimal_places=2,
        description="Territorial CO2 emissions divided by area.", caveats=caveat, **common))  # fmt: skip


def load_housing(ctx: LoadContext) -> None:
    (ref,) = ctx.dataset.files
    header = ctx.read_csv(ref, "raw")
    cols = ["Local Authority Code", "Local Authority Name", "financial_year", "dwelling_count",
            "completions_per1000residents"]  # fmt: skip
    LoadContext.check_columns(ctx.name(ref), header, cols, ["Region or Country Name", "residentpop_count",
                              "residentpop_CI", "SY_localauthority", "GB_completions_per1000residents",
                              "percentofGBav", "rank"])  # fmt: skip
    period = "concat(financial_year, '/', right(CAST(CAST(financial_year AS INTEGER) + 1 AS TEXT), 2))"
    for col, ind in (("dwelling_count", "dwelling-completions"),
                     ("completions_per1000residents", "dwelling-completions-per-1000-residents")):  # fmt: skip
        ctx.stage(
            f"""SELECT ?, row_no, ?, ?, "Local Authority Code", "Local Authority Name", NULL,
                       CASE WHEN regexp_matches(financial_year, '^\\d{{4}}$') THEN {period} ELSE financial_year END,
                       '', {_q(col)}, NULL, NULL, NULL, NULL FROM raw""",
            [ctx.name(ref), col, ind],
        )
    common = dict(source_org="Office for National Statistics", source_url=HOUSING_PAGE,
                  experimental=False)  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "dwelling-completions", "Permanent dwellings completed", "dwelling_count", measure="Dwellings",
        unit="dwellings", decimal_places=0,
        description="Permanent dwellings completed in the financial year, all tenures.", **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "dwelling-completions-per-1000-residents", "Dwellings completed per 1,000 residents",
        "completions_per1000residents", measure="Dwellings per 1,000 residents", unit="per 1,000 residents",
        decimal_places=1, description="Permanent dwellings completed per 1,000 resident population.",
        **common))  # fmt: skip
