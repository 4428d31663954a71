"""Department for Education: Explore Education Statistics (EES) files, read as DfE publishes them.

EES publishes each release's "underlying data" as tidy CSV files (one row per time period, geographic level,
area and filter combination, one column per measure), alone or zipped with a data guidance file. This module
reads them for:

- ``dfe/eyfsp``: Early years foundation stage profile results, headline measures (the reformed profile, from
  2021/22): good level of development (GLD), all early learning goals, average goals, by pupil characteristic;
- ``dfe/eyfsp-2013-framework``: the same publication's local authority key measures for 2017/18 and 2018/19,
  under the earlier profile, which DfE says is not comparable with 2021/22 onwards: kept as separate indicators;
- ``dfe/ks2-attainment``: Key stage 2 attainment, regional and local authority file of the "all data" zip
  (reading, writing and maths, each subject, by sex), and the national disadvantage gap index;
- ``dfe/ks4-performance``: Key stage 4 performance, local authority files of the zip: Attainment 8, Progress 8
  (with its 95% confidence interval), grade 4 and 5 in English and maths, EBacc, and the same measures for
  disadvantaged pupils and all other pupils; the national disadvantage gap index;
- ``dfe/neet-16-17``: Participation in education, training and NEET age 16 to 17 by local authority ("all data"
  zip): NEET, activity not known, both, the cohort, by characteristic; participation at the end of March;
- ``dfe/neet-scorecard``: the NEET and participation local authority scorecard files, one year per file (every
  edition in the mirror is loaded): September Guarantee offers and vulnerable groups NEET or not known;
- ``dfe/children-looked-after``: Children looked after in England: number and rate per 10,000 children at
  31 March, starting and ceasing, with the child population the rates are of;
- ``dfe/care-leavers-activity`` and ``dfe/care-leavers-accommodation``: care leavers aged 17 to 18 and 19 to 21
  by activity (in education, employment or training …) and by suitability of accommodation;
- ``dfe/outcomes-children-in-need``: Outcomes for children in need, including children looked after: key stage 2
  and 4 results of children in need, on a child protection plan, and looked after for 12 months.

Rows are read for England (``country_code``), regions (``region_code``) and local authorities (``new_la_code``);
other geographic levels in a file are set aside and counted. EES's symbols (``c`` suppressed, ``x`` not
available, ``z`` not applicable, ``u`` low reliability, ``low`` and ``k`` rounding to zero, ``:``) are kept as
the observation's status, never as zero. Periods: an academic year ``202122`` is ``2021-09-01/P1Y``; a
"reporting year" ``2024`` of children's social care is the year to 31 March 2024 (``2023-04-01/P1Y``); a NEET
"calendar year" ``2022`` is the average of December 2021 to February 2022 (``2021-12-01/P3M``), and participation
is counted at the end of March.

Figures DfE publishes only as percentages are kept with the counts they are computed from, so that a combined
authority's figure can be built as a ratio of sums (``assess/aggregation.yaml``).

Live location: the publisher's own service. Where DfE serves the file as a data set of the Explore Education
Statistics public API, a build without a mirror finds its newest version there (the publication by its slug, the
data set by an anchored title pattern: :mod:`prosperity.sources.live.ees`), so a new release is found with no code
change. The titles are written from the files' own descriptions and are not yet checked against the live service:
a title that does not match stops the fetch with the titles the publication has. Files that are a release's whole
"download all data" bundle (key stage 2 and 4, NEET by characteristic), the one-year NEET scorecards and the
2018/19 profile on GOV.UK are not API data sets: a build without a mirror reports them as unavailable and names the
page (:class:`ManualDownload`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prosperity.errors import ValidationError
from prosperity.sources.base import Dataset, Discovery, FileRef
from prosperity.sources.live.base import LiveFileRef
from prosperity.sources.live.ees import EesDataSetFetcher
from prosperity.sources.published import ManualDownload, editions, keep_newest_edition, unclaimed
from prosperity.sources.workbooks import extracted, zip_members
from prosperity.warehouse.loading import IndicatorMeta, LoadContext

DFE = "Department for Education"
SOURCE = "dfe-ees"
EES = "https://explore-education-statistics.service.gov.uk/find-statistics"
#: EES symbols (EES data standards), kept as the observation's status.
MARKERS = ("c", "x", "z", "u", "low", "k", ":", ".", "..")
LEVELS = {"National": ("country_code", "country_name"), "Regional": ("region_code", "region_name"),
          "Local authority": ("new_la_code", "la_name")}  # fmt: skip
FOLDERS = ("dfe-early-years", "dfe-attainment", "dfe-neet", "dfe-childrens-social-care")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_MARKER_LIST = ", ".join(_lit(m) for m in MARKERS)
_TP, _TI = "trim(time_period)", "trim(time_identifier)"
PERIODS = {
    # kind: SQL giving the ISO 8601 period; anything unexpected becomes text validation rejects with the row
    "academic": rf"""CASE WHEN {_TI} = 'Academic year' AND regexp_matches({_TP}, '^\d{{6}}$')
                     THEN substr({_TP}, 1, 4) || '-09-01/P1Y' ELSE {_TI} || ' ' || {_TP} END""",
    "reporting": rf"""CASE WHEN {_TI} = 'Reporting year' AND regexp_matches({_TP}, '^\d{{4}}$')
                      THEN CAST(CAST({_TP} AS INTEGER) - 1 AS VARCHAR) || '-04-01/P1Y' ELSE {_TI} || ' ' || {_TP} END""",
    "neet": rf"""CASE WHEN {_TI} = 'Calendar year' AND regexp_matches({_TP}, '^\d{{4}}$')
                 THEN CAST(CAST({_TP} AS INTEGER) - 1 AS VARCHAR) || '-12-01/P3M' ELSE {_TI} || ' ' || {_TP} END""",
    "march": rf"""CASE WHEN {_TI} = 'Calendar year' AND regexp_matches({_TP}, '^\d{{4}}$')
                  THEN {_TP} || '-03-31' ELSE {_TI} || ' ' || {_TP} END""",
    "calendar": rf"""CASE WHEN {_TI} = 'Calendar year' AND regexp_matches({_TP}, '^\d{{4}}$')
                     THEN {_TP} || '-01-01/P1Y' ELSE {_TI} || ' ' || {_TP} END""",
}
PROVISIONAL_NOTE = "CASE WHEN lower(trim(version)) = 'provisional' THEN 'Provisional figures' END"


@dataclass(frozen=True)
class Measure:
    """One value column of a table read as one indicator, for the rows ``where`` selects."""

    indicator: str
    column: str
    where: str = "TRUE"
    breakdown: str = "''"  # SQL: the breakdown of each row ('' for the indicator's headline figure)
    lci: str | None = None
    uci: str | None = None
    optional: bool = False  # an edition may lack the column


@dataclass(frozen=True)
class Table:
    """A CSV of a publication: the file itself (``member`` None) or the zip members whose name matches."""

    measures: tuple[Measure, ...]
    period: str
    member: re.Pattern[str] | None = None
    base: str = "TRUE"  # rows of the table read at all (e.g. state-funded schools)
    note: str | None = None  # SQL giving each row's note
    levels: tuple[str, ...] = tuple(LEVELS)
    columns: tuple[str, ...] = ()  # filter columns the ``where``/``base`` expressions use


@dataclass(frozen=True)
class Publication:
    id: str
    title: str
    folder: str
    pattern: re.Pattern[str]
    page: str
    live_name: str  # the file's name in the raw cache of a build without a mirror
    tables: tuple[Table, ...]
    indicators: tuple[IndicatorMeta, ...]
    all_editions: bool = False
    other_levels: str = "only England, regions and local authorities are read"
    derive: Any = None  # optional step after staging: derive(ctx)
    #: the title of the file's data set in the EES public API (an anchored pattern), where DfE serves it there
    api_data_set: str | None = None


def _ind(ind: str, label: str, unit: str, dp: int, description: str, page: str, *, kind: str | None = None,
         caveats: str | None = None) -> IndicatorMeta:  # fmt: skip
    return IndicatorMeta(ind, label, label, measure=unit, unit=unit, decimal_places=dp, description=description,
                         caveats=caveats, source_org=DFE, source_url=page, experimental=False, breakdown_kind=kind)


# ---- early years foundation stage profile -------------------------------------------------------------------
EYFSP_PAGE = f"{EES}/early-years-foundation-stage-profile-results"
_EY_TOTAL = "characteristic = 'Total' AND characteristic_type = 'Total' AND gender = 'Total'"
_EY_CAVEAT = ("The profile was reformed in September 2021: results from 2021/22 are not comparable with earlier "
              "years, which are kept as separate indicators. Local authority figures are by school location.")
EYFSP = Publication(
    id="dfe/eyfsp", folder="dfe-early-years",
    live_name="1_eyfsp_headline_measures.csv", api_data_set=r"(?:EYFSP )?headline measures\b.*",
    pattern=re.compile(r"\d+_eyfsp_headline_measures_(\d{4})\.csv"),
    title="Early years foundation stage profile results: headline measures (2021 framework)", page=EYFSP_PAGE,
    other_levels="local authority district rows (by the child's home district) are not read; the local authority "
                 "rows, by school location, are",
    tables=(Table(period="academic", columns=("characteristic", "characteristic_type", "gender"), measures=(
        Measure("eyfsp-good-level-of-development", "gld_percentage", _EY_TOTAL),
        Measure("eyfsp-good-level-of-development-children", "gld_number", _EY_TOTAL),
        Measure("eyfsp-children-assessed", "children_number", _EY_TOTAL),
        Measure("eyfsp-all-early-learning-goals", "elg_percentage", _EY_TOTAL),
        Measure("eyfsp-all-early-learning-goals-children", "elg_number", _EY_TOTAL),
        Measure("eyfsp-communication-language-literacy", "comm_lang_lit_percentage", _EY_TOTAL),
        Measure("eyfsp-communication-language-literacy-children", "comm_lang_lit_number", _EY_TOTAL),
        Measure("eyfsp-average-early-learning-goals", "average_elgs", _EY_TOTAL),
        Measure("eyfsp-good-level-of-development-by-group", "gld_percentage",
                "gender = 'Total' AND characteristic <> 'Total'", "characteristic || ': ' || characteristic_type"),
        Measure("eyfsp-good-level-of-development-by-group", "gld_percentage",
                "characteristic = 'Total' AND gender <> 'Total'", "'Sex: ' || gender"),
    )),),
    indicators=(
        _ind("eyfsp-good-level-of-development", "Children achieving a good level of development at the end of "
             "reception", "%", 1, "Percentage of children assessed at the end of the reception year who reached the "
             "expected level in the early learning goals of the prime areas and of literacy and mathematics (the "
             "good level of development, 2021 profile).", EYFSP_PAGE, caveats=_EY_CAVEAT),
        _ind("eyfsp-good-level-of-development-children", "Children achieving a good level of development (number)",
             "children", 0, "Number of children reaching a good level of development.", EYFSP_PAGE),
        _ind("eyfsp-children-assessed", "Children assessed at the end of reception", "children", 0,
             "Number of children with an early years foundation stage profile.", EYFSP_PAGE),
        _ind("eyfsp-all-early-learning-goals", "Children at the expected level in all early learning goals", "%", 1,
             "Percentage of children at the expected level in all 17 early learning goals.", EYFSP_PAGE,
             caveats=_EY_CAVEAT),
        _ind("eyfsp-all-early-learning-goals-children", "Children at the expected level in all early learning goals "
             "(number)", "children", 0, "Number of children at the expected level in all early learning goals.",
             EYFSP_PAGE),
        _ind("eyfsp-communication-language-literacy", "Children at the expected level in communication, language "
             "and literacy", "%", 1, "Percentage of children at the expected level in the communication and "
             "language and literacy early learning goals.", EYFSP_PAGE, caveats=_EY_CAVEAT),
        _ind("eyfsp-communication-language-literacy-children", "Children at the expected level in communication, "
             "language and literacy (number)", "children", 0, "Number of children at the expected level in "
             "communication, language and literacy.", EYFSP_PAGE),
        _ind("eyfsp-average-early-learning-goals", "Average number of early learning goals at the expected level",
             "goals", 1, "Mean number of the 17 early learning goals at the expected level per child.", EYFSP_PAGE,
             caveats=_EY_CAVEAT),
        _ind("eyfsp-good-level-of-development-by-group", "Good level of development at the end of reception, by "
             "pupil characteristic", "%", 1, "Good level of development for groups of children (free school meal "
             "eligibility, ethnicity, first language, special educational needs, term of birth, sex).", EYFSP_PAGE,
             kind="pupil characteristic", caveats=_EY_CAVEAT),
    ),
)  # fmt: skip

_EY13_TOTAL = "gender = 'Total' AND characteristic = 'FSM eligibility' AND characteristic_type = 'Total'"
_EY13_CAVEAT = ("Early years foundation stage profile before the 2021 reform: not comparable with 2021/22 and later "
                "results. Percentages are published as whole numbers.")
EYFSP_2013 = Publication(
    id="dfe/eyfsp-2013-framework", folder="dfe-early-years",
    live_name="eyfsp_la_1_key_measures_additional_tables.csv",
    pattern=re.compile(r"eyfsp_la_1_key_measures_additional_tables_(\d{4}_\d{4})\.csv"),
    title="Early years foundation stage profile results: local authority key measures (2013 framework)",
    page="https://www.gov.uk/government/statistics/early-years-foundation-stage-profile-results-2018-to-2019",
    tables=(Table(period="academic", columns=("characteristic", "characteristic_type", "gender"), measures=(
        Measure("eyfsp-2013-good-level-of-development", "gld_percent", _EY13_TOTAL),
        Measure("eyfsp-2013-good-level-of-development-children", "gld_number", _EY13_TOTAL),
        Measure("eyfsp-2013-children-assessed", "number_of_pupils", _EY13_TOTAL),
        Measure("eyfsp-2013-all-early-learning-goals", "elg_percent", _EY13_TOTAL),
        Measure("eyfsp-2013-average-point-score", "average_point_score", _EY13_TOTAL),
        Measure("eyfsp-2013-good-level-of-development-by-group", "gld_percent",
                "gender = 'Total' AND characteristic_type <> 'Total'", "characteristic || ': ' || characteristic_type"),
        Measure("eyfsp-2013-good-level-of-development-by-group", "gld_percent",
                "characteristic = 'FSM eligibility' AND characteristic_type = 'Total' AND gender <> 'Total'",
                "'Sex: ' || gender"),
    )),),
    indicators=tuple(
        _ind(i, label, unit, dp, desc, "https://www.gov.uk/government/statistics/early-years-foundation-stage-profile-"
             "results-2018-to-2019", caveats=_EY13_CAVEAT, kind="pupil characteristic" if i.endswith("group") else None)
        for i, label, unit, dp, desc in (
            ("eyfsp-2013-good-level-of-development", "Children achieving a good level of development at the end of "
             "reception (2013 profile)", "%", 0, "Percentage of children reaching a good level of development "
             "under the early years foundation stage profile in use from 2013 to 2019."),
            ("eyfsp-2013-good-level-of-development-children", "Children achieving a good level of development "
             "(number, 2013 profile)", "children", 0, "Number of children reaching a good level of development."),
            ("eyfsp-2013-children-assessed", "Children assessed at the end of reception (2013 profile)", "children",
             0, "Number of children with an early years foundation stage profile."),
            ("eyfsp-2013-all-early-learning-goals", "Children at the expected level in all early learning goals "
             "(2013 profile)", "%", 0, "Percentage of children at least at the expected level in all 17 goals."),
            ("eyfsp-2013-average-point-score", "Average total point score (2013 profile)", "points", 1,
             "Mean of children's total points across the 17 early learning goals."),
            ("eyfsp-2013-good-level-of-development-by-group", "Good level of development by pupil characteristic "
             "(2013 profile)", "%", 0, "Good level of development for groups of children (free school meal "
             "eligibility, ethnicity, first language, special educational needs, sex)."),
        )
    ),
)  # fmt: skip

# ---- key stage 2 -----------------------------------------------------------------------------------------------
KS2_PAGE = f"{EES}/key-stage-2-attainment"
_KS2_SUBJECTS = (("rwm", "rwm", "reading, writing and maths"), ("read", "reading", "reading"),
                 ("writta", "writing", "writing (teacher assessment)"), ("mat", "maths", "maths"),
                 ("gps", "gps", "grammar, punctuation and spelling"))  # fmt: skip
_KS2_CAVEAT = ("State-funded schools. There were no key stage 2 assessments in 2019/20 or 2020/21 (shown as not "
               "available). The newest year of each edition is provisional until revised.")
KS2 = Publication(
    id="dfe/ks2-attainment", folder="dfe-attainment",
    live_name="key-stage-2-attainment.zip", pattern=re.compile(r"key-stage-2-attainment_(\d{4}-\d{2})\.zip"),
    title="Key stage 2 attainment: regional and local authority results", page=KS2_PAGE,
    tables=(
        Table(period="academic", member=re.compile(r"ks2_regional_and_local_authority_[\w-]*\.csv"),
              base="school_type = 'State-funded schools'", note=PROVISIONAL_NOTE,
              columns=("school_type", "gender", "version"),
              measures=tuple(m for col, ind, _ in _KS2_SUBJECTS for m in (
                  Measure(f"ks2-{ind}-expected-standard", f"pt_{col}_met_expected_standard", "gender = 'Total'"),
                  Measure(f"ks2-{ind}-expected-standard-pupils", f"t_{col}_met_expected_standard", "gender = 'Total'"),
                  Measure(f"ks2-{ind}-eligible-pupils", f"t_{col}_eligible_pupils", "gender = 'Total'"),
              )) + (
                  Measure("ks2-rwm-higher-standard", "pt_rwm_met_higher_standard", "gender = 'Total'"),
                  Measure("ks2-rwm-higher-standard-pupils", "t_rwm_met_higher_standard", "gender = 'Total'"),
                  Measure("ks2-rwm-expected-standard-by-sex", "pt_rwm_met_expected_standard",
                          "gender IN ('Boys', 'Girls')", "gender"),
              )),
        Table(period="academic", member=re.compile(r"ks2_\d{4}_[\w-]*gapindex[\w-]*\.csv"), levels=("National",),
              note=PROVISIONAL_NOTE, columns=("version",),
              measures=(Measure("ks2-disadvantage-gap-index", "disadvantage_gap_index"),)),
    ),
    indicators=tuple(
        _ind(f"ks2-{ind}-{what}", f"{label} at key stage 2 ({name})", unit, dp, desc.format(name=name), KS2_PAGE,
             caveats=_KS2_CAVEAT)
        for _col, ind, name in _KS2_SUBJECTS
        for what, label, unit, dp, desc in (
            ("expected-standard", "Pupils meeting the expected standard", "%", 0,
             "Percentage of eligible pupils at the end of key stage 2 meeting the expected standard in {name}."),
            ("expected-standard-pupils", "Pupils meeting the expected standard (number)", "pupils", 0,
             "Number of pupils meeting the expected standard in {name}."),
            ("eligible-pupils", "Pupils eligible for assessment", "pupils", 0,
             "Number of pupils at the end of key stage 2 eligible for assessment in {name}."),
        )
    ) + (
        _ind("ks2-rwm-higher-standard", "Pupils reaching the higher standard in reading, writing and maths (key "
             "stage 2)", "%", 0, "Percentage of eligible pupils reaching the higher standard in all of reading, "
             "writing and maths.", KS2_PAGE, caveats=_KS2_CAVEAT),
        _ind("ks2-rwm-higher-standard-pupils", "Pupils reaching the higher standard in reading, writing and maths "
             "(number)", "pupils", 0, "Number of pupils reaching the higher standard.", KS2_PAGE),
        _ind("ks2-rwm-expected-standard-by-sex", "Pupils meeting the expected standard in reading, writing and maths "
             "(key stage 2), by sex", "%", 0, "Expected standard in reading, writing and maths, boys and girls.",
             KS2_PAGE, kind="sex", caveats=_KS2_CAVEAT),
        _ind("ks2-disadvantage-gap-index", "Disadvantage gap index at key stage 2 (England)", "index", 2,
             "DfE's disadvantage gap index: the gap in average rank in reading and maths between disadvantaged "
             "pupils and all others, scaled from 0 (no gap) to 10. Published for England only.", KS2_PAGE),
    ),
)  # fmt: skip

# ---- key stage 4 -----------------------------------------------------------------------------------------------
KS4_PAGE = f"{EES}/key-stage-4-performance"
_KS4_ALL = "characteristic_gender = 'Total'"
_DIS = ("breakdown = 'disadvantage' AND characteristic_gender = 'Total' AND characteristic_disadvantage = "
        "'Disadvantaged'")
_NOT_DIS = ("breakdown = 'disadvantage' AND characteristic_gender = 'Total' AND characteristic_disadvantage = "
            "'Disadvantaged all other'")
_KS4_GROUP = ("concat_ws('; ', CASE WHEN characteristic_gender <> 'Total' THEN 'Sex: ' || characteristic_gender END, "
              "CASE WHEN characteristic_ethnic_major <> 'Total' THEN 'Ethnicity: ' || characteristic_ethnic_major END, "
              "CASE WHEN characteristic_free_school_meals <> 'Total' THEN 'Free school meals: ' || "
              "characteristic_free_school_meals END, CASE WHEN characteristic_sen_status <> 'Total' THEN "
              "'SEN status: ' || characteristic_sen_status END, CASE WHEN characteristic_sen_description <> 'Total' "
              "THEN 'SEN: ' || characteristic_sen_description END, CASE WHEN characteristic_disadvantage <> 'Total' "
              "THEN 'Disadvantage: ' || characteristic_disadvantage END, CASE WHEN characteristic_first_language <> "
              "'Total' THEN 'First language: ' || characteristic_first_language END)")
_KS4_NOT_TOTAL = "(breakdown <> 'Total' OR characteristic_gender <> 'Total')"
_KS4_CAVEAT = ("State-funded schools. Results for 2019/20 and 2020/21 come from centre- and teacher-assessed grades "
               "and are not comparable with other years; Progress 8 was not published for them.")
_KS4_GROUPS = (("", "all pupils", _KS4_ALL), ("-disadvantaged", "disadvantaged pupils", _DIS),
               ("-not-disadvantaged", "pupils who are not disadvantaged", _NOT_DIS))  # fmt: skip


def _ks4_measures(groups: tuple[tuple[str, str, str], ...]) -> tuple[Measure, ...]:
    out: list[Measure] = []
    for suffix, _who, where in groups:
        out += [Measure(f"ks4-attainment-8{suffix}", "avg_att8", where),
                Measure(f"ks4-attainment-8{suffix}-total-points", "t_att8", where),
                Measure(f"ks4-pupils{suffix}", "t_pupils", where),
                Measure(f"ks4-english-maths-grade-4{suffix}", "pt_l2basics_94", where),
                Measure(f"ks4-english-maths-grade-4{suffix}-pupils", "t_l2basics_94", where),
                Measure(f"ks4-english-maths-grade-5{suffix}", "pt_l2basics_95", where),
                Measure(f"ks4-english-maths-grade-5{suffix}-pupils", "t_l2basics_95", where)]  # fmt: skip
    return tuple(out)


def _derive_ks4_gap(ctx: LoadContext) -> None:
    """The Attainment 8 gap: all other pupils' average minus disadvantaged pupils' (two published figures)."""
    ctx.stage("""SELECT d.file, d.row_no, 'avg_att8 (disadvantaged all other minus disadvantaged)',
                        'ks4-attainment-8-disadvantage-gap', d.area_code, d.area_name, NULL, d.period_raw, '',
                        CAST(round(TRY_CAST(n.value_raw AS DOUBLE) - TRY_CAST(d.value_raw AS DOUBLE), 1) AS VARCHAR),
                        NULL, NULL, CASE WHEN d.value_raw IS NULL OR n.value_raw IS NULL
                                         THEN coalesce(d.status, n.status, 'x') END, d.note
                 FROM stage_obs d JOIN stage_obs n ON n.area_code = d.area_code AND n.period_raw = d.period_raw
                      AND n.file = d.file AND n.indicator_id = 'ks4-attainment-8-not-disadvantaged'
                 WHERE d.indicator_id = 'ks4-attainment-8-disadvantaged'""")


KS4 = Publication(
    id="dfe/ks4-performance", folder="dfe-attainment",
    live_name="key-stage-4-performance.zip",
    pattern=re.compile(r"key-stage-4-performance(?:-revised|-provisional)?_(\d{4}-\d{2})\.zip"),
    title="Key stage 4 performance: local authority results, with disadvantaged pupils and all others", page=KS4_PAGE,
    tables=(
        Table(period="academic", member=re.compile(r"\d{4}_la_data\.csv"), note=PROVISIONAL_NOTE,
              base="breakdown = 'Total' AND characteristic_admission_type = 'Total' AND "
                   "characteristic_religious_denomination = 'Total'",
              columns=("breakdown", "characteristic_gender", "characteristic_admission_type",
                       "characteristic_religious_denomination", "version"),
              measures=_ks4_measures(_KS4_GROUPS[:1]) + (
                  Measure("ks4-progress-8", "avg_p8score", _KS4_ALL, lci="p8score_CI_low", uci="p8score_CI_upp"),
                  Measure("ks4-progress-8-total", "t_p8score", _KS4_ALL),
                  Measure("ks4-progress-8-pupils", "t_inp8calc", _KS4_ALL),
                  Measure("ks4-ebacc-entry", "pt_ebacc_e_ptq_ee", _KS4_ALL),
                  Measure("ks4-ebacc-average-point-score", "avg_ebaccaps", _KS4_ALL),
              )),
        Table(period="academic", member=re.compile(r"\d{4}_lachar_data\.csv"), note=PROVISIONAL_NOTE,
              columns=("breakdown", "characteristic_gender", "characteristic_ethnic_major",
                       "characteristic_free_school_meals", "characteristic_sen_status", "characteristic_sen_description",
                       "characteristic_disadvantage", "characteristic_first_language", "version"),
              measures=_ks4_measures(_KS4_GROUPS[1:]) + (
                  Measure("ks4-attainment-8-by-group", "avg_att8", _KS4_NOT_TOTAL, _KS4_GROUP),
                  Measure("ks4-english-maths-grade-4-by-group", "pt_l2basics_94", _KS4_NOT_TOTAL, _KS4_GROUP),
              )),
        Table(period="academic", member=re.compile(r"\d{4}_disadvantage_gap_data\.csv"), levels=("National",),
              note=PROVISIONAL_NOTE, columns=("version",),
              measures=(Measure("ks4-disadvantage-gap-index", "disadvantaged_attainment_gap_index"),)),
    ),
    derive=_derive_ks4_gap,
    indicators=tuple(
        ind for suffix, who, _w in _KS4_GROUPS for ind in (
            _ind(f"ks4-attainment-8{suffix}", f"Average Attainment 8 score, {who} (key stage 4)", "points", 1,
                 f"Mean Attainment 8 score of {who} at the end of key stage 4 (eight GCSE-level qualifications, "
                 "English and maths double weighted).", KS4_PAGE, caveats=_KS4_CAVEAT),
            _ind(f"ks4-attainment-8{suffix}-total-points", f"Attainment 8 points, total of {who}", "points", 2,
                 f"Sum of the Attainment 8 scores of {who}: the numerator of the average.", KS4_PAGE),
            _ind(f"ks4-pupils{suffix}", f"Pupils at the end of key stage 4, {who}", "pupils", 0,
                 f"Number of {who} at the end of key stage 4 in state-funded schools.", KS4_PAGE),
            _ind(f"ks4-english-maths-grade-4{suffix}", f"Pupils achieving grade 4 or above in English and maths GCSEs, "
                 f"{who} (key stage 4)", "%", 1, f"Percentage of {who} at the end of key stage 4 achieving grade 4 "
                 "or above in both English and maths.", KS4_PAGE, caveats=_KS4_CAVEAT),
            _ind(f"ks4-english-maths-grade-4{suffix}-pupils", f"Pupils achieving grade 4 or above in English and "
                 f"maths, {who} (number)", "pupils", 0, f"Number of {who} achieving grade 4 or above in English and "
                 "maths.", KS4_PAGE),
            _ind(f"ks4-english-maths-grade-5{suffix}", f"Pupils achieving grade 5 or above in English and maths GCSEs, "
                 f"{who} (key stage 4)", "%", 1, f"Percentage of {who} at the end of key stage 4 achieving grade 5 "
                 "or above in both English and maths.", KS4_PAGE, caveats=_KS4_CAVEAT),
            _ind(f"ks4-english-maths-grade-5{suffix}-pupils", f"Pupils achieving grade 5 or above in English and "
                 f"maths, {who} (number)", "pupils", 0, f"Number of {who} achieving grade 5 or above in English and "
                 "maths.", KS4_PAGE),
        )
    ) + (
        _ind("ks4-progress-8", "Average Progress 8 score (key stage 4)", "score", 2, "Mean Progress 8 score: "
             "pupils' Attainment 8 compared with pupils nationally of the same key stage 2 attainment; 0 is the "
             "national average. With DfE's 95% confidence interval.", KS4_PAGE, caveats=_KS4_CAVEAT),
        _ind("ks4-progress-8-total", "Progress 8 scores, total", "score", 2, "Sum of pupils' Progress 8 scores: the "
             "numerator of the average.", KS4_PAGE),
        _ind("ks4-progress-8-pupils", "Pupils included in Progress 8", "pupils", 0, "Number of pupils with a "
             "Progress 8 score.", KS4_PAGE),
        _ind("ks4-ebacc-entry", "Pupils entering the English Baccalaureate", "%", 1, "Percentage of pupils at the end "
             "of key stage 4 entered for all English Baccalaureate components.", KS4_PAGE, caveats=_KS4_CAVEAT),
        _ind("ks4-ebacc-average-point-score", "English Baccalaureate average point score", "points", 2, "Mean "
             "English Baccalaureate average point score per pupil.", KS4_PAGE, caveats=_KS4_CAVEAT),
        _ind("ks4-attainment-8-by-group", "Average Attainment 8 score by pupil characteristic (key stage 4)", "points",
             1, "Attainment 8 for groups of pupils (sex, ethnicity, free school meals, special educational needs, "
             "disadvantage, first language).", KS4_PAGE, kind="pupil characteristic", caveats=_KS4_CAVEAT),
        _ind("ks4-english-maths-grade-4-by-group", "Grade 4 or above in English and maths by pupil characteristic "
             "(key stage 4)", "%", 1, "Grade 4 or above in English and maths for groups of pupils.", KS4_PAGE,
             kind="pupil characteristic", caveats=_KS4_CAVEAT),
        _ind("ks4-attainment-8-disadvantage-gap", "Attainment 8 gap between disadvantaged pupils and all other pupils "
             "(key stage 4)", "points", 1, "Average Attainment 8 score of pupils who are not disadvantaged minus that "
             "of disadvantaged pupils, both as DfE publishes them for the local authority (difference computed "
             "here). Disadvantaged: eligible for free school meals in the last six years, or looked after.",
             KS4_PAGE, caveats=_KS4_CAVEAT),
        _ind("ks4-disadvantage-gap-index", "Disadvantage gap index at key stage 4 (England)", "index", 2,
             "DfE's disadvantage gap index: the gap in average rank in English and maths GCSEs between "
             "disadvantaged pupils and all others, scaled from 0 to 10. Published for England only.", KS4_PAGE),
    ),
)  # fmt: skip

# ---- NEET and participation, 16 and 17 year olds -------------------------------------------------------------
NEET_PAGE = f"{EES}/participation-in-education-training-and-neet-age-16-to-17-by-local-authority"
_NEET_TOTAL = "Characteristic_grouping = 'Total' AND Characteristic = 'Total' AND Age = '16-17'"
_NEET_GROUP = ("CASE WHEN Characteristic_grouping = 'Total' THEN 'Age: ' || Age ELSE Characteristic_grouping || "
               "': ' || Characteristic || CASE WHEN Age <> '16-17' THEN ' (age ' || Age || ')' ELSE '' END END")
_NEET_CAVEAT = ("Young people of academic age 16 and 17 known to the local authority, average of the end of "
                "December, January and February. Local authorities' tracking differs; 'activity not known' counts "
                "those whose activity the authority could not confirm.")
_HEADLINE = "Participation_grouping = 'Headline_participation'"
NEET = Publication(
    id="dfe/neet-16-17", folder="dfe-neet",
    live_name="neets_by_la.zip", pattern=re.compile(r"neets_by_la(?:_?(\d{4}))?\.zip"),
    all_editions=True, title="Participation in education, training and NEET age 16 to 17 by local authority",
    page=NEET_PAGE,
    tables=(
        Table(period="neet", member=re.compile(r"ud_neet_characteristics\.csv"),
              columns=("Characteristic_grouping", "Characteristic", "Age"), measures=(
            Measure("neet-or-activity-not-known-16-17", "NEETNKprop", _NEET_TOTAL),
            Measure("neet-or-activity-not-known-16-17-number", "avgNEETNK", _NEET_TOTAL),
            Measure("neet-16-17", "NEETprop", _NEET_TOTAL),
            Measure("neet-16-17-number", "avgNEET", _NEET_TOTAL),
            Measure("activity-not-known-16-17", "Notknownprop", _NEET_TOTAL),
            Measure("activity-not-known-16-17-number", "avgNK", _NEET_TOTAL),
            Measure("cohort-16-17-known-to-local-authority", "avgcohort", _NEET_TOTAL),
            Measure("neet-or-activity-not-known-16-17-by-group", "NEETNKprop", f"NOT ({_NEET_TOTAL})", _NEET_GROUP),
        )),
        Table(period="march", member=re.compile(r"ud_participation_by_type\.csv"),
              columns=("Participation_grouping", "Participation_type"), measures=(
            Measure("participation-education-training-16-17", "percent",
                    f"{_HEADLINE} AND Participation_type = 'TOTAL participating in education and training'"),
            Measure("participation-education-training-16-17-number", "number",
                    f"{_HEADLINE} AND Participation_type = 'TOTAL participating in education and training'"),
            Measure("participation-cohort-16-17", "number", f"{_HEADLINE} AND Participation_type = 'cohort'"),
            Measure("participation-education-training-16-17-by-type", "percent",
                    f"{_HEADLINE} AND Participation_type NOT IN ('cohort', 'TOTAL participating in education and "
                    "training')", "Participation_type"),
        )),
    ),
    indicators=(
        _ind("neet-or-activity-not-known-16-17", "16 and 17 year olds not in education, employment or training "
             "(NEET) or whose activity is not known", "%", 1, "Percentage of 16 and 17 year olds known to the local "
             "authority who are NEET or whose activity is not known.", NEET_PAGE, caveats=_NEET_CAVEAT),
        _ind("neet-or-activity-not-known-16-17-number", "16 and 17 year olds NEET or activity not known (number)",
             "young people", 0, "Number NEET or whose activity is not known (three-month average).", NEET_PAGE),
        _ind("neet-16-17", "16 and 17 year olds not in education, employment or training (NEET)", "%", 1,
             "Percentage of 16 and 17 year olds known to the local authority who are NEET.", NEET_PAGE,
             caveats=_NEET_CAVEAT),
        _ind("neet-16-17-number", "16 and 17 year olds NEET (number)", "young people", 0, "Number NEET "
             "(three-month average).", NEET_PAGE),
        _ind("activity-not-known-16-17", "16 and 17 year olds whose activity is not known", "%", 1, "Percentage of "
             "16 and 17 year olds whose activity the local authority does not know.", NEET_PAGE, caveats=_NEET_CAVEAT),
        _ind("activity-not-known-16-17-number", "16 and 17 year olds whose activity is not known (number)",
             "young people", 0, "Number whose activity is not known (three-month average).", NEET_PAGE),
        _ind("cohort-16-17-known-to-local-authority", "16 and 17 year olds known to the local authority", "young "
             "people", 0, "The cohort NEET and activity not known are percentages of (three-month average).",
             NEET_PAGE),
        _ind("neet-or-activity-not-known-16-17-by-group", "16 and 17 year olds NEET or activity not known, by "
             "characteristic", "%", 1, "NEET or not known by age, sex, ethnic group and special educational needs.",
             NEET_PAGE, kind="characteristic", caveats=_NEET_CAVEAT),
        _ind("participation-education-training-16-17", "16 and 17 year olds participating in education or training",
             "%", 1, "Percentage of 16 and 17 year olds known to the local authority participating in education or "
             "training at the end of March.", NEET_PAGE),
        _ind("participation-education-training-16-17-number", "16 and 17 year olds participating in education or "
             "training (number)", "young people", 0, "Number participating at the end of March.", NEET_PAGE),
        _ind("participation-cohort-16-17", "16 and 17 year olds known to the local authority at the end of March",
             "young people", 0, "The cohort participation is a percentage of.", NEET_PAGE),
        _ind("participation-education-training-16-17-by-type", "16 and 17 year olds participating, by type of "
             "participation", "%", 1, "Full-time education, apprenticeships, work-based learning and other types, "
             "at the end of March.", NEET_PAGE, kind="type of participation"),
    ),
)  # fmt: skip

NEET_SCORECARD = Publication(
    id="dfe/neet-scorecard", folder="dfe-neet",
    live_name="UD_NEETNK_LA_dashboard.csv", pattern=re.compile(r"UD_NEETNK_LA_dashboard_(\d{4})\w*\.csv", re.I),
    all_editions=True, title="NEET and participation: local authority scorecard (one year per file)", page=NEET_PAGE,
    tables=(Table(period="calendar", columns=("Age",), base="Age = '16-17'", measures=(
        Measure("neet-scorecard-september-guarantee", "September_guarantee_Offer_made_percent"),
        Measure("neet-scorecard-vulnerable-groups-neet-or-not-known", "VG_NEET_NK_percentage", optional=True),
    )),),
    indicators=(
        _ind("neet-scorecard-september-guarantee", "16 and 17 year olds offered a place in education or training "
             "(September Guarantee)", "%", 1, "Percentage of 16 and 17 year olds who received an offer of a suitable "
             "place in education or training under the September Guarantee, as reported in the scorecard of the "
             "year.", NEET_PAGE),
        _ind("neet-scorecard-vulnerable-groups-neet-or-not-known", "Young people in vulnerable groups NEET or "
             "activity not known", "%", 1, "Percentage of 16 and 17 year olds in vulnerable groups (looked after, "
             "care leavers, young offenders, young carers and others) who are NEET or whose activity is not known, "
             "as reported in the scorecard of the year.", NEET_PAGE),
    ),
)  # fmt: skip

# ---- children's social care ------------------------------------------------------------------------------------
CLA_PAGE = f"{EES}/children-looked-after-in-england-including-adoptions"
_AT31 = "population_count = 'Children looked after at 31 March each year'"
_START = "population_count = 'Children starting to be looked after each year'"
_CEASE = "population_count = 'Children ceasing to be looked after each year'"
_CLA_CAVEAT = ("Year ending 31 March. Rates are per 10,000 children aged under 18 (ONS mid-year estimates, as DfE "
               "gives them in the file).")
CLA = Publication(
    id="dfe/children-looked-after", folder="dfe-childrens-social-care",
    live_name="cla_number_and_rate_per_10k_children.csv",
    api_data_set=r"(?:Children looked after|CLA)\b.*\bnumber and rate per 10,?000 children\b.*",
    pattern=re.compile(r"cla_number_and_rate_per_10k_children(?:_(\d{4}))?\.csv"),
    title="Children looked after in England: number and rate per 10,000 children, by local authority", page=CLA_PAGE,
    tables=(Table(period="reporting", columns=("population_count",), measures=(
        Measure("children-looked-after-rate", "rate_per_10000", _AT31),
        Measure("children-looked-after-number", "number", _AT31),
        Measure("children-starting-to-be-looked-after-rate", "rate_per_10000", _START),
        Measure("children-starting-to-be-looked-after-number", "number", _START),
        Measure("children-ceasing-to-be-looked-after-rate", "rate_per_10000", _CEASE),
        Measure("children-ceasing-to-be-looked-after-number", "number", _CEASE),
        Measure("child-population-under-18-dfe", "population_estimate", _AT31),
    )),),
    indicators=(
        _ind("children-looked-after-rate", "Children looked after at 31 March, per 10,000 children", "per 10,000 "
             "children", 0, "Children looked after by the local authority at 31 March per 10,000 children aged "
             "under 18.", CLA_PAGE, caveats=_CLA_CAVEAT),
        _ind("children-looked-after-number", "Children looked after at 31 March", "children", 0, "Number of children "
             "looked after by the local authority at 31 March.", CLA_PAGE, caveats=_CLA_CAVEAT),
        _ind("children-starting-to-be-looked-after-rate", "Children starting to be looked after, per 10,000 children",
             "per 10,000 children", 0, "Children who started to be looked after during the year, per 10,000 children "
             "aged under 18.", CLA_PAGE, caveats=_CLA_CAVEAT),
        _ind("children-starting-to-be-looked-after-number", "Children starting to be looked after", "children", 0,
             "Number of children who started to be looked after during the year.", CLA_PAGE, caveats=_CLA_CAVEAT),
        _ind("children-ceasing-to-be-looked-after-rate", "Children ceasing to be looked after, per 10,000 children",
             "per 10,000 children", 0, "Children who ceased to be looked after during the year, per 10,000 children "
             "aged under 18.", CLA_PAGE, caveats=_CLA_CAVEAT),
        _ind("children-ceasing-to-be-looked-after-number", "Children ceasing to be looked after", "children", 0,
             "Number of children who ceased to be looked after during the year.", CLA_PAGE, caveats=_CLA_CAVEAT),
        _ind("child-population-under-18-dfe", "Children aged under 18 (population DfE's rates are per)", "children",
             0, "The population estimate of children aged under 18 that DfE divides by for its rates per 10,000.",
             CLA_PAGE),
    ),
)  # fmt: skip


def _care_leaver_measures(age: str, key: str, what_col: str, yes: str, total: str, group: str) -> list[Measure]:
    return [Measure(f"care-leavers-{key}-{group}", "percentage", f"{_AGE} = {_lit(age)} AND {what_col} = {_lit(yes)}"),
            Measure(f"care-leavers-{key}-{group}-number", "number", f"{_AGE} = {_lit(age)} AND {what_col} = {_lit(yes)}"),
            Measure(f"care-leavers-{key}-{group}-total", "number", f"{_AGE} = {_lit(age)} AND {what_col} = {_lit(total)}")]


_AGE = "age"
_CL_CAVEAT = ("Care leavers who were looked after for at least 13 weeks after their 14th birthday, including some "
              "time after their 16th, with their activity or accommodation recorded around their birthday in the "
              "year to 31 March.")
CARE_LEAVERS = Publication(
    id="dfe/care-leavers-activity", folder="dfe-childrens-social-care",
    live_name="la_care_leavers_activity.csv", api_data_set=r"(?:LA )?care leavers\b.*\bactivity\b.*",
    pattern=re.compile(r"la_care_leavers_activity(?:_(\d{4}))?\.csv"),
    title="Care leavers aged 17 to 18 and 19 to 21 by activity, by local authority", page=CLA_PAGE,
    tables=(Table(period="reporting", columns=("age", "activity"), measures=(
        *_care_leaver_measures("Aged 19 to 21", "19-21", "activity", "Total in education, employment or training",
                               "Total", "eet"),
        *_care_leaver_measures("Aged 17 to 18", "17-18", "activity", "Total in education, employment or training",
                               "Total", "eet"),
        Measure("care-leavers-activity", "percentage", "activity <> 'Total'", "age || ': ' || activity"),
        Measure("care-leavers-activity-number", "number", "activity <> 'Total'", "age || ': ' || activity"),
    )),),
    indicators=tuple(
        ind for key, ages in (("19-21", "aged 19 to 21"), ("17-18", "aged 17 to 18")) for ind in (
            _ind(f"care-leavers-{key}-eet", f"Care leavers {ages} in education, employment or training", "%", 0,
                 f"Percentage of care leavers {ages} in education, employment or training.", CLA_PAGE,
                 caveats=_CL_CAVEAT),
            _ind(f"care-leavers-{key}-eet-number", f"Care leavers {ages} in education, employment or training "
                 "(number)", "care leavers", 0, f"Number of care leavers {ages} in education, employment or "
                 "training.", CLA_PAGE),
            _ind(f"care-leavers-{key}-eet-total", f"Care leavers {ages}", "care leavers", 0,
                 f"Number of care leavers {ages} (all activities, including not known).", CLA_PAGE),
        )
    ) + (
        _ind("care-leavers-activity", "Care leavers by activity", "%", 0, "Care leavers aged 17 to 18 and 19 to 21 by "
             "activity: higher and other education, apprenticeships, training or employment, NEET by reason, not "
             "known.", CLA_PAGE, kind="age and activity", caveats=_CL_CAVEAT),
        _ind("care-leavers-activity-number", "Care leavers by activity (number)", "care leavers", 0,
             "Number of care leavers by age and activity.", CLA_PAGE, kind="age and activity"),
    ),
)  # fmt: skip

CARE_LEAVERS_ACCOMMODATION = Publication(
    id="dfe/care-leavers-accommodation", folder="dfe-childrens-social-care",
    live_name="la_care_leavers_accommodation_suitability.csv",
    api_data_set=r"(?:LA )?care leavers\b.*\baccommodation\b.*",
    pattern=re.compile(r"la_care_leavers_accommodation_suitability(?:_(\d{4}))?\.csv"),
    title="Care leavers aged 17 to 18 and 19 to 21 in suitable accommodation, by local authority", page=CLA_PAGE,
    tables=(Table(period="reporting", columns=("age", "accommodation_suitability"), measures=(
        *_care_leaver_measures("19 to 21 years", "19-21", "accommodation_suitability",
                               "Accommodation considered suitable", "Suitability total", "suitable-accommodation"),
        *_care_leaver_measures("17 to 18 years", "17-18", "accommodation_suitability",
                               "Accommodation considered suitable", "Suitability total", "suitable-accommodation"),
    )),),
    indicators=tuple(
        ind for key, ages in (("19-21", "aged 19 to 21"), ("17-18", "aged 17 to 18")) for ind in (
            _ind(f"care-leavers-{key}-suitable-accommodation", f"Care leavers {ages} in suitable accommodation", "%",
                 0, f"Percentage of care leavers {ages} whose accommodation was considered suitable.", CLA_PAGE,
                 caveats=_CL_CAVEAT),
            _ind(f"care-leavers-{key}-suitable-accommodation-number", f"Care leavers {ages} in suitable "
                 "accommodation (number)", "care leavers", 0, f"Number of care leavers {ages} in suitable "
                 "accommodation.", CLA_PAGE),
            _ind(f"care-leavers-{key}-suitable-accommodation-total", f"Care leavers {ages} (accommodation recorded "
                 "or not)", "care leavers", 0, f"Number of care leavers {ages} in the accommodation table.", CLA_PAGE),
        )
    ),
)  # fmt: skip

CIN_PAGE = f"{EES}/outcomes-for-children-in-need-including-children-looked-after-by-local-authorities-in-england"
_CLA12 = "social_care_group = 'CLA 12 months at 31 March'"
_CIN_CAVEAT = ("Pupils in state-funded schools who were children in need (CINO: excluding those on a child "
               "protection plan or looked after), on a child protection plan (CPPO), or looked after continuously for "
               "12 months at 31 March (CLA 12 months).")
CIN_KS2 = Publication(
    id="dfe/outcomes-children-in-need-ks2", folder="dfe-childrens-social-care",
    live_name="ks2_la.csv", api_data_set=r".*\bkey stage 2\b.*\blocal authorit(?:y|ies)\b.*",
    pattern=re.compile(r"ks2_la(?:_(\d{4}))?\.csv"), page=CIN_PAGE,
    title="Outcomes for children in need, including children looked after: key stage 2 by local authority",
    tables=(Table(period="academic", note=PROVISIONAL_NOTE, columns=("social_care_group", "version"), measures=(
        Measure("ks2-rwm-expected-standard-social-care-group", "pt_rwm_met_expected_standard", "TRUE",
                "social_care_group"),
        Measure("ks2-rwm-expected-standard-looked-after", "pt_rwm_met_expected_standard", _CLA12),
        Measure("ks2-rwm-expected-standard-looked-after-pupils", "t_rwm_met_expected_standard", _CLA12),
        Measure("ks2-rwm-eligible-pupils-looked-after", "t_rwm_eligible_pupils", _CLA12),
    )),),
    indicators=(
        _ind("ks2-rwm-expected-standard-social-care-group", "Pupils meeting the expected standard in reading, writing "
             "and maths, by social care group (key stage 2)", "%", 0, "Key stage 2 expected standard for children "
             "in need, on a child protection plan, and looked after.", CIN_PAGE, kind="social care group",
             caveats=_CIN_CAVEAT),
        _ind("ks2-rwm-expected-standard-looked-after", "Looked-after children meeting the expected standard in "
             "reading, writing and maths (key stage 2)", "%", 0, "Percentage of children looked after for 12 months "
             "meeting the expected standard at key stage 2.", CIN_PAGE, caveats=_CIN_CAVEAT),
        _ind("ks2-rwm-expected-standard-looked-after-pupils", "Looked-after children meeting the expected standard "
             "at key stage 2 (number)", "pupils", 0, "Number of looked-after pupils meeting the expected standard.",
             CIN_PAGE),
        _ind("ks2-rwm-eligible-pupils-looked-after", "Looked-after children eligible for key stage 2 assessment",
             "pupils", 0, "Number of looked-after pupils eligible for the key stage 2 assessments.", CIN_PAGE),
    ),
)  # fmt: skip

CIN_KS4 = Publication(
    id="dfe/outcomes-children-in-need-ks4", folder="dfe-childrens-social-care",
    live_name="ks4_la.csv", api_data_set=r".*\bkey stage 4\b.*\blocal authorit(?:y|ies)\b.*",
    pattern=re.compile(r"ks4_la(?:_(\d{4}))?\.csv"), page=CIN_PAGE,
    title="Outcomes for children in need, including children looked after: key stage 4 by local authority",
    tables=(Table(period="academic", note=PROVISIONAL_NOTE, columns=("social_care_group", "version"), measures=(
        Measure("ks4-attainment-8-social-care-group", "avg_att8", "TRUE", "social_care_group"),
        Measure("ks4-attainment-8-looked-after", "avg_att8", _CLA12),
        Measure("ks4-attainment-8-looked-after-total-points", "t_att8", _CLA12),
        Measure("ks4-pupils-looked-after", "t_pupils", _CLA12),
        Measure("ks4-english-maths-grade-4-looked-after", "pt_l2basics_94", _CLA12),
        Measure("ks4-english-maths-grade-4-looked-after-pupils", "t_l2basics_94", _CLA12),
    )),),
    indicators=(
        _ind("ks4-attainment-8-social-care-group", "Average Attainment 8 score by social care group (key stage 4)",
             "points", 1, "Attainment 8 for children in need, on a child protection plan, and looked after.",
             CIN_PAGE, kind="social care group", caveats=_CIN_CAVEAT),
        _ind("ks4-attainment-8-looked-after", "Average Attainment 8 score of looked-after children (key stage 4)",
             "points", 1, "Mean Attainment 8 score of children looked after for 12 months at 31 March.", CIN_PAGE,
             caveats=_CIN_CAVEAT),
        _ind("ks4-attainment-8-looked-after-total-points", "Attainment 8 points, total of looked-after children",
             "points", 2, "Sum of looked-after pupils' Attainment 8 scores.", CIN_PAGE),
        _ind("ks4-pupils-looked-after", "Looked-after children at the end of key stage 4", "pupils", 0, "Number of "
             "children looked after for 12 months at the end of key stage 4.", CIN_PAGE),
        _ind("ks4-english-maths-grade-4-looked-after", "Looked-after children achieving grade 4 or above in English "
             "and maths (key stage 4)", "%", 1, "Percentage of looked-after pupils achieving grade 4 or above in "
             "English and maths.", CIN_PAGE, caveats=_CIN_CAVEAT),
        _ind("ks4-english-maths-grade-4-looked-after-pupils", "Looked-after children achieving grade 4 or above in "
             "English and maths (number)", "pupils", 0, "Number of looked-after pupils achieving grade 4 or above "
             "in English and maths.", CIN_PAGE),
    ),
)  # fmt: skip

PUBLICATIONS = (EYFSP, EYFSP_2013, KS2, KS4, NEET, NEET_SCORECARD, CLA, CARE_LEAVERS, CARE_LEAVERS_ACCOMMODATION,
                CIN_KS2, CIN_KS4)  # fmt: skip


# ---- discovery -------------------------------------------------------------------------------------------------
def _dataset(pub: Publication, refs: tuple[FileRef, ...]) -> Dataset:
    return Dataset(id=pub.id, source=SOURCE, title=pub.title, publisher=DFE, files=refs, publisher_url=pub.page,
                   load=lambda ctx: load(ctx, pub))  # fmt: skip


def live_ref(pub: Publication) -> LiveFileRef:
    """Where a build without a mirror gets the publication's file: the EES public API, or a person."""
    path = f"{pub.folder}/{pub.live_name}"
    if pub.api_data_set and pub.page.startswith(f"{EES}/"):
        slug = pub.page.removeprefix(f"{EES}/").split("/", 1)[0]
        return LiveFileRef(path, pub.page, fetcher=EesDataSetFetcher(slug, pub.api_data_set))
    return LiveFileRef(path, pub.page, fetcher=ManualDownload(pub.page, path))


def discover(mirror: Path | None) -> Discovery:
    found = Discovery()
    claimed: set[str] = set()
    for pub in PUBLICATIONS:
        if mirror is None:
            found.datasets.append(_dataset(pub, (live_ref(pub),)))
            continue
        files = editions(mirror, pub.folder, pub.pattern)
        if not files:
            found.missing.append((pub.id, f"no file named like {pub.pattern.pattern} in {pub.folder}/ of the mirror"))
            continue
        claimed.update(files)
        chosen = files if pub.all_editions else files[-1:]
        found.ignored.extend((f, f"an older edition of {chosen[-1].split('/')[1]}, which is loaded instead")
                             for f in files if f not in chosen)  # fmt: skip
        found.datasets.append(_dataset(pub, tuple(FileRef(f, pub.page) for f in chosen)))
    if mirror is not None:
        for folder in FOLDERS:
            found.ignored.extend(unclaimed(mirror, folder, claimed, "not a Department for Education file this "
                                           "build reads"))  # fmt: skip
    return found


# ---- loading ---------------------------------------------------------------------------------------------------
def _value_sql(col: str) -> tuple[str, str]:
    v = f"trim({_q(col)})"
    return (f"CASE WHEN lower({v}) IN ({_MARKER_LIST}) THEN NULL ELSE {v} END",
            f"CASE WHEN lower({v}) IN ({_MARKER_LIST}) THEN lower({v}) END")  # fmt: skip


def _stage_table(ctx: LoadContext, pub: Publication, table: Table, key: str) -> None:
    """Stage one CSV (a file or an extracted member, known to ``ctx`` under ``key``)."""
    header = ctx.read_csv(key, "raw")
    needed = {"time_period", "time_identifier", "geographic_level", *table.columns,
              *(c for lv in table.levels for c in LEVELS[lv])}
    for m in table.measures:
        if not m.optional:
            needed.add(m.column)
        needed.update(c for c in (m.lci, m.uci) if c)
    missing = sorted(c for c in needed if c not in header)
    if missing:
        raise ValidationError(key, f"missing column(s) {', '.join(repr(c) for c in missing)}; expected the columns "
                              f"of DfE's {pub.title} file", row=1)  # fmt: skip
    levels = ", ".join(_lit(lv) for lv in table.levels)
    code = "CASE geographic_level " + " ".join(f"WHEN {_lit(lv)} THEN trim({_q(LEVELS[lv][0])})"
                                                 for lv in table.levels) + " END"  # fmt: skip
    name = "CASE geographic_level " + " ".join(f"WHEN {_lit(lv)} THEN trim({_q(LEVELS[lv][1])})"
                                                 for lv in table.levels) + " END"  # fmt: skip
    note = table.note if table.note and "version" in header else "NULL"
    uncoded = ctx.con.execute(
        f"SELECT count(*), string_agg(DISTINCT coalesce({name}, '(no name)'), ', ') FROM raw "
        f"WHERE geographic_level IN ({levels}) AND trim(coalesce({code}, '')) = ''"
    ).fetchone()
    if uncoded and uncoded[0]:
        ctx.set_aside.append((int(uncoded[0]), f"rows of {key} without an area code ({uncoded[1]})"))
    for m in table.measures:
        if m.column not in header:
            continue
        value, status = _value_sql(m.column)
        lci = _value_sql(m.lci)[0] if m.lci else "NULL"
        uci = _value_sql(m.uci)[0] if m.uci else "NULL"
        ctx.stage(
            f"""SELECT ?, row_no, ?, ?, {code}, {name}, NULL, {PERIODS[table.period]}, {m.breakdown}, {value},
                       {lci}, {uci}, {status}, {note}
                FROM raw WHERE geographic_level IN ({levels}) AND ({table.base}) AND ({m.where})
                  AND trim(coalesce({_q(m.column)}, '')) <> '' AND trim(coalesce({code}, '')) <> ''""",
            [key, m.column, m.indicator],
        )
        if m.breakdown != "''":
            for (b,) in ctx.con.execute(
                f"SELECT DISTINCT {m.breakdown} FROM raw WHERE geographic_level IN ({levels}) AND ({table.base}) "
                f"AND ({m.where})"
            ).fetchall():
                if b:
                    ctx.breakdown_labels[(m.indicator, b)] = b
    others = ctx.con.execute(
        f"SELECT geographic_level, count(*) FROM raw WHERE geographic_level NOT IN ({levels}) GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for level, n in others:
        ctx.set_aside.append((int(n), f"rows of {key} for '{level}' ({pub.other_levels})"))


def load(ctx: LoadContext, pub: Publication) -> None:
    for ref in ctx.dataset.data_files:
        for table in pub.tables:
            if table.member is None:
                _stage_table(ctx, pub, table, ref.path)
                continue
            path = ctx.path(ref)
            members = zip_members(path, ref.path, table.member)
            if not members:
                raise ValidationError(ref.path, f"no file named like {table.member.pattern} in the archive; "
                                      f"expected DfE's {pub.title} data")  # fmt: skip
            with extracted(path, ref.path, members) as files:
                for member, tmp in files.items():
                    key = f"{ref.path}!{member}"
                    ctx.local[key] = tmp
                    _stage_table(ctx, pub, table, key)
    keep_newest_edition(ctx, [r.path for r in ctx.dataset.data_files])
    if pub.derive is not None:
        pub.derive(ctx)
    for meta in pub.indicators:
        ctx.add_indicator(meta)
    ctx.metadata["publication_page"] = pub.page
