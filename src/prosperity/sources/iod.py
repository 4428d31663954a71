"""English Indices of Deprivation (MHCLG): 2019 at LSOA level, and the 2025 local authority summaries.

IoD 2019, files 1, 2 and 6 of the GOV.UK release: every LSOA (2011) with its 2019 local authority, its rank
(1 = most deprived of 32,844) and decile for the IMD and each of the seven domains, and the mid-2015 population
denominators. File 1 repeats the IMD rank and decile of file 2; the load checks they agree. The LSOAs become
areas, each a child of its local authority.

IoD 2025, file 10: for each local authority and each index or domain, the population-weighted average rank,
the average score, the proportion of its LSOAs in the most deprived national decile, and the ranks of these.

The observations' period is the edition (``2019-01-01/P1Y`` for IoD 2019); the populations are dated mid-2015.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.govuk import govuk_sheet_ref
from prosperity.warehouse.loading import AreaRow, IndicatorMeta, LoadContext, itl_registrable

MHCLG = "Ministry of Housing, Communities and Local Government"
IOD2019_PAGE = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"
#: Live: MHCLG's own release files on GOV.UK (workbooks), found through the GOV.UK content API by an anchored file name
#: and written as the CSV the mirror holds (one sheet, from the header row). Sheet and file names: unverified.
IOD2019_GOVUK = "government/statistics/english-indices-of-deprivation-2019"
IOD2019_FILES = {
    "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz": r"File_1_-_IMD2019_Index_of_Multiple_Deprivation\.xlsx",
    "iod2019/File_2_-_IoD2019_Domains_of_Deprivation.csv.gz": r"File_2_-_IoD2019_Domains_of_Deprivation\.xlsx",
    "iod2019/File_6_-_IoD2019_Population_Denominators.csv.gz": r"File_6_-_IoD2019_Population_Denominators(_\d)?\.xlsx",
}  # fmt: skip
IOD2025_UPSTREAM = "https://raw.githubusercontent.com/traffordDataLab/open_data/main/imd_2025"
IOD2025_PAGE = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025"

FILE1 = "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
FILE2 = "iod2019/File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
FILE6 = "iod2019/File_6_-_IoD2019_Population_Denominators.csv.gz"
FILE2025 = "iod2025/indices_of_deprivation_2025_lad.csv"

DOMAINS_2019 = (
    ("Index of Multiple Deprivation (IMD)", "Index of Multiple Deprivation"),
    ("Income", "Income"),
    ("Employment", "Employment"),
    ("Education, Skills and Training", "Education, Skills and Training"),
    ("Health Deprivation and Disability", "Health Deprivation and Disability"),
    ("Crime", "Crime"),
    ("Barriers to Housing and Services", "Barriers to Housing and Services"),
    ("Living Environment", "Living Environment"),
)
POPULATION_2019 = (
    ("Total population: mid 2015 (excluding prisoners)", "Total"),
    ("Dependent Children aged 0-15: mid 2015 (excluding prisoners)", "Dependent children aged 0-15"),
    ("Population aged 16-59: mid 2015 (excluding prisoners)", "Aged 16-59"),
    ("Older population aged 60 and over: mid 2015 (excluding prisoners)", "Aged 60 and over"),
    ("Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)",
     "Working age 18-59/64"),
)  # fmt: skip
LSOA_COLUMNS = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
                "Local Authority District name (2019)"]  # fmt: skip
MEASURES_2025 = (
    ("average_rank", "iod2025-average-rank", "Average rank of LSOAs (population-weighted)", "rank"),
    ("average_score", "iod2025-average-score", "Average score of LSOAs (population-weighted)", "score"),
    ("proportion_bottom_decile", "iod2025-proportion-most-deprived-decile",
     "Proportion of LSOAs in the most deprived 10% nationally", "proportion"),
    ("rank_average_rank", "iod2025-rank-of-average-rank", "Rank of average rank (1 = most deprived)", "rank"),
    ("rank_average_score", "iod2025-rank-of-average-score", "Rank of average score (1 = most deprived)", "rank"),
    ("rank_proportion_bottom_decile", "iod2025-rank-of-proportion-most-deprived-decile",
     "Rank of proportion of LSOAs in the most deprived decile (1 = most deprived)", "rank"),
)  # fmt: skip
_LSOA = re.compile(r"^[EW]01\d{6}$")


def discover(mirror: Path | None) -> Discovery:
    return Discovery(
        datasets=[
            Dataset(
                id="iod2019/lsoa",
                source="mhclg-iod",
                title="English Indices of Deprivation 2019: LSOA ranks, deciles and population denominators",
                publisher=MHCLG,
                files=tuple(govuk_sheet_ref(p, IOD2019_GOVUK, IOD2019_FILES[p], r"(?!Notes$).+", r"LSOA code \(2011\)",
                                            gzip=True) for p in (FILE2, FILE1, FILE6)),
                load=load_2019,
                release_date=date(2019, 9, 26),
                publisher_url=IOD2019_PAGE,
                order=50,
            ),
            Dataset(
                id="iod2025/local-authorities",
                source="mhclg-iod",
                title="English Indices of Deprivation 2025: local authority district summaries",
                publisher=MHCLG,
                files=(FileRef(FILE2025, f"{IOD2025_UPSTREAM}/indices_of_deprivation_2025_lad.csv"),),
                load=load_2025,
                publisher_url=IOD2025_PAGE,
            ),
        ]
    )


def _lsoa_declarable(code: str, name: str | None, declared: str | None) -> AreaRow | None:
    if _LSOA.match(code) and name:
        return AreaRow(code, name, "lsoa")
    return itl_registrable(code, name, declared)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_2019(ctx: LoadContext) -> None:
    f2, f1, f6 = ctx.dataset.files
    h2 = ctx.read_csv(f2, "raw2")
    rank_cols = {d: next((h for h in h2 if h.startswith(f"{d} Rank")), None) for d, _ in DOMAINS_2019}
    decile_cols = {d: next((h for h in h2 if h.startswith(f"{d} Decile")), None) for d, _ in DOMAINS_2019}
    LoadContext.check_columns(ctx.name(f2), h2, LSOA_COLUMNS + [c for c in [*rank_cols.values(),
                              *decile_cols.values()] if c], [])  # fmt: skip
    for d, _ in DOMAINS_2019:
        if not rank_cols[d] or not decile_cols[d]:
            raise ValidationError(ctx.name(f2), f"no rank and decile columns for the domain {d!r}", row=1)
    ctx.declares_areas = _lsoa_declarable
    code, name = _q(LSOA_COLUMNS[0]), _q(LSOA_COLUMNS[1])
    for d, label in DOMAINS_2019:
        for ind, col in (("iod2019-rank", rank_cols[d]), ("iod2019-decile", decile_cols[d])):
            ctx.stage(
                f"SELECT ?, row_no, ?, ?, {code}, {name}, 'lsoa', '2019', ?, {_q(col)}, NULL, NULL, NULL, NULL "
                "FROM raw2",
                [ctx.name(f2), col, ind, label],
            )
            ctx.breakdown_labels[(ind, label)] = label
    h1 = ctx.read_csv(f1, "raw1")
    LoadContext.check_columns(ctx.name(f1), h1, LSOA_COLUMNS + ["Index of Multiple Deprivation (IMD) Rank",
                              "Index of Multiple Deprivation (IMD) Decile"], [])  # fmt: skip
    imd_rank, imd_decile = _q(rank_cols[DOMAINS_2019[0][0]]), _q(decile_cols[DOMAINS_2019[0][0]])
    mismatch = ctx.con.execute(
        f"""SELECT r1.row_no, r1.{code} FROM raw1 r1 LEFT JOIN raw2 r2 ON r1.{code} = r2.{code}
            WHERE r2.{code} IS NULL
               OR replace(r1."Index of Multiple Deprivation (IMD) Rank", ',', '') <> replace(r2.{imd_rank}, ',', '')
               OR r1."Index of Multiple Deprivation (IMD) Decile" <> r2.{imd_decile}
            ORDER BY r1.row_no LIMIT 1"""
    ).fetchone()
    if mismatch:
        raise ValidationError(ctx.name(f1), f"LSOA {mismatch[1]}: IMD rank or decile differs from {ctx.name(f2)}",
                              row=mismatch[0], column="Index of Multiple Deprivation (IMD) Rank")  # fmt: skip
    h6 = ctx.read_csv(f6, "raw6")
    LoadContext.check_columns(ctx.name(f6), h6, LSOA_COLUMNS + [c for c, _ in POPULATION_2019], [])
    for col, label in POPULATION_2019:
        ctx.stage(
            f"SELECT ?, row_no, ?, 'iod2019-population', {code}, {name}, 'lsoa', '2015-06-30', ?, {_q(col)}, "
            "NULL, NULL, NULL, NULL FROM raw6",
            [ctx.name(f6), col, label],
        )
        ctx.breakdown_labels[("iod2019-population", label)] = label
    la = _q(LSOA_COLUMNS[2])
    unknown_la = ctx.con.execute(
        f"SELECT row_no, {la} FROM raw2 WHERE {la} NOT IN (SELECT code FROM areas) ORDER BY row_no LIMIT 1"
    ).fetchone()
    if unknown_la:
        raise ValidationError(ctx.name(f2), f"unknown local authority code {unknown_la[1]!r}", row=unknown_la[0],
                              column=LSOA_COLUMNS[2])  # fmt: skip
    parents = ctx.con.execute(f"SELECT {code}, {la} FROM raw2").fetchall()
    ctx.write_reference("area_parents", ["child", "parent", "depth", "registered_by"],
                        [(c, p, 1, ctx.dataset.id) for c, p in parents])  # fmt: skip
    common = dict(source_org=MHCLG, source_url=IOD2019_PAGE, experimental=False, breakdown_kind="domain")
    ctx.add_indicator(IndicatorMeta(
        "iod2019-rank", "Index of Multiple Deprivation 2019: LSOA rank", "Rank (where 1 is most deprived)",
        measure="Rank of 32,844 LSOAs in England", unit="rank", decimal_places=0,
        description="Rank of each lower-layer super output area (2011) among England's 32,844, where 1 is the "
                    "most deprived, for the Index of Multiple Deprivation and each of its seven domains.",
        caveats="Most indicators relate to 2015/16. Ranks are relative: a change of rank does not mean a change "
                "in absolute deprivation.", **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "iod2019-decile", "Index of Multiple Deprivation 2019: LSOA decile", "Decile (where 1 is most deprived 10%)",
        measure="Decile of LSOAs in England", unit="decile", decimal_places=0,
        description="National decile of each LSOA, where 1 is the most deprived 10% of LSOAs in England.",
        **common))  # fmt: skip
    ctx.add_indicator(IndicatorMeta(
        "iod2019-population", "Population of LSOAs, mid-2015 (IoD 2019 denominators)", "Population denominators",
        measure="Persons, mid-2015, excluding prisoners", unit="persons", decimal_places=0,
        description="The mid-2015 population estimates used as denominators in the Indices of Deprivation 2019.",
        **{**common, "breakdown_kind": "age group"}))  # fmt: skip
    ctx.metadata = {"lsoas": ctx.con.execute("SELECT count(*) FROM raw2").fetchone()[0]}


def load_2025(ctx: LoadContext) -> None:
    (ref,) = ctx.dataset.files
    header = ctx.read_csv(ref, "raw")
    cols = ["area_code", "area_name", "area_type", "deprivation_data_year", "index_domain"]
    LoadContext.check_columns(ctx.name(ref), header, cols + [m[0] for m in MEASURES_2025], [])
    for col, ind, _, _ in MEASURES_2025:
        ctx.stage(
            f"SELECT ?, row_no, ?, ?, area_code, area_name, NULL, deprivation_data_year, index_domain, {_q(col)}, "
            "NULL, NULL, NULL, NULL FROM raw",
            [ctx.name(ref), col, ind],
        )
    for (domain,) in ctx.con.execute("SELECT DISTINCT index_domain FROM raw").fetchall():
        for _, ind, _, _ in MEASURES_2025:
            ctx.breakdown_labels[(ind, domain)] = domain
    for _col, ind, label, unit in MEASURES_2025:
        ctx.add_indicator(IndicatorMeta(
            ind, f"Indices of Deprivation 2025: {label.lower()}", label, measure=label, unit=unit,
            decimal_places=4 if unit == "proportion" else 2 if unit == "score" else 0,
            description=f"{label} for each local authority district (2024 boundaries), for the IMD 2025, its "
                        "domains and the two supplementary indices.",
            source_org=MHCLG, source_url=IOD2025_PAGE, experimental=False, breakdown_kind="domain"))  # fmt: skip
    ctx.metadata = {"rows": ctx.con.execute("SELECT count(*) FROM raw").fetchone()[0]}
