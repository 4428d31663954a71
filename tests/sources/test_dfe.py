"""DfE files read as published (EES CSVs and zips): the mirror README's check figures, markers kept, editions."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from prosperity.assess.engine import Assessor
from prosperity.assess.spec import Spec
from prosperity.methods import Polarity
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror
from tests.sources.helpers import assessment, obs

CLA = "dfe-childrens-social-care/cla_number_and_rate_per_10k_children.csv"
LIVERPOOL, HALTON, ENGLAND, LCR = "E08000012", "E06000006", "E92000001", "E47000004"


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w



def test_key_stage_2_liverpool_2021_22_check_figure(wh):
    # README: Liverpool 2021/22 state-funded RWM expected standard 2,971 of 5,586 (53.2%).
    met = obs(wh, "ks2-rwm-expected-standard-pupils", LIVERPOOL, "2021-09-01/P1Y")
    eligible = obs(wh, "ks2-rwm-eligible-pupils", LIVERPOOL, "2021-09-01/P1Y")
    assert (met["value"], eligible["value"]) == (2971, 5586)
    assert round(100 * met["value"] / eligible["value"], 1) == 53.2
    pct = obs(wh, "ks2-rwm-expected-standard", LIVERPOOL, "2021-09-01/P1Y")
    assert pct["value"] == 53 and pct["note"] == "Provisional figures"  # DfE rounds to whole numbers


def test_key_stage_2_years_without_assessments_are_kept_as_not_available(wh):
    for period in ("2019-09-01/P1Y", "2020-09-01/P1Y"):
        o = obs(wh, "ks2-rwm-expected-standard", LIVERPOOL, period)
        assert o["value"] is None and o["status"] == "x"


def test_key_stage_4_disadvantaged_liverpool_check_figure(wh):
    # README: Liverpool 2021/22 Att8 disadvantaged 36.1 vs non-disadvantaged 52.2.
    assert obs(wh, "ks4-attainment-8-disadvantaged", LIVERPOOL, "2021-09-01/P1Y")["value"] == 36.1
    assert obs(wh, "ks4-attainment-8-not-disadvantaged", LIVERPOOL, "2021-09-01/P1Y")["value"] == 52.2
    assert obs(wh, "ks4-attainment-8-disadvantage-gap", LIVERPOOL, "2021-09-01/P1Y")["value"] == 16.1
    # Progress 8 keeps DfE's 95% interval
    p8 = obs(wh, "ks4-progress-8", LIVERPOOL, "2021-09-01/P1Y")
    assert (p8["value"], p8["lci_95"], p8["uci_95"]) == (-0.29, -0.33, -0.25)
    # 2019/20 had no Progress 8: the ':' DfE published is kept
    assert obs(wh, "ks4-progress-8", LIVERPOOL, "2019-09-01/P1Y")["status"] == ":"


def test_early_years_check_figures(wh):
    # README: England GLD 65.2% (2021/22); Liverpool 2018/19 GLD 65% (FSM 51%, all other 68%).
    assert obs(wh, "eyfsp-good-level-of-development", ENGLAND, "2021-09-01/P1Y")["value"] == 65.2
    assert obs(wh, "eyfsp-2013-good-level-of-development", LIVERPOOL, "2018-09-01/P1Y")["value"] == 65
    by = "eyfsp-2013-good-level-of-development-by-group"
    assert obs(wh, by, LIVERPOOL, "2018-09-01/P1Y", "FSM eligibility: FSM")["value"] == 51
    assert obs(wh, by, LIVERPOOL, "2018-09-01/P1Y", "FSM eligibility: All_other")["value"] == 68
    # the reformed profile is a separate series from the 2013 one (DfE: not comparable)
    assert not wh.query("SELECT 1 FROM latest_observations WHERE indicator_id = 'eyfsp-good-level-of-development' "
                        "AND period < '2021'")  # fmt: skip


def test_social_care_figures_and_markers(wh):
    assert obs(wh, "children-looked-after-rate", LIVERPOOL, "2023-04-01/P1Y")["value"] == 155
    assert obs(wh, "children-looked-after-number", LIVERPOOL, "2023-04-01/P1Y")["value"] == 1490
    assert obs(wh, "child-population-under-18-dfe", LIVERPOOL, "2023-04-01/P1Y")["value"] == 95953
    assert obs(wh, "care-leavers-19-21-eet-number", LIVERPOOL, "2023-04-01/P1Y")["value"] == 346
    assert obs(wh, "care-leavers-19-21-eet-total", LIVERPOOL, "2023-04-01/P1Y")["value"] == 601
    assert obs(wh, "care-leavers-19-21-eet", LIVERPOOL, "2023-04-01/P1Y")["value"] == 58
    c = obs(wh, "care-leavers-activity", LIVERPOOL, "2023-04-01/P1Y", "Aged 17 to 18: In an apprenticeship")
    assert c["value"] is None and c["status"] == "c"  # suppressed to avoid disclosure, kept as such
    assert obs(wh, "ks4-attainment-8-looked-after", LIVERPOOL, "2023-09-01/P1Y")["value"] == 17.4


def test_neet_three_month_average_and_every_scorecard_year(wh):
    o = obs(wh, "neet-or-activity-not-known-16-17", LIVERPOOL, "2021-12-01/P3M")  # Dec 2021 to Feb 2022
    assert round(o["value"], 2) == 7.58
    n = obs(wh, "neet-or-activity-not-known-16-17-number", LIVERPOOL, "2021-12-01/P3M")["value"]
    cohort = obs(wh, "cohort-16-17-known-to-local-authority", LIVERPOOL, "2021-12-01/P3M")["value"]
    assert round(100 * n / cohort, 2) == 7.58
    # both scorecard files (one year each) are loaded
    years = wh.query("SELECT DISTINCT period FROM latest_observations WHERE indicator_id = "
                     "'neet-scorecard-september-guarantee' AND area_code = ? ORDER BY 1", [LIVERPOOL])  # fmt: skip
    assert [r["period"] for r in years] == ["2021-01-01/P1Y", "2022-01-01/P1Y"]



def test_combined_authority_figures_are_ratios_of_the_members_counts(warehouse_path: Path, mirror: Path):
    # School readiness for the city region: children reaching GLD over children assessed, summed over the six
    # councils, computed here straight from DfE's file.
    members = ("E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015")
    path = str(mirror / "dfe-early-years/1_eyfsp_headline_measures_2022.csv")
    gld, children = duckdb.connect().execute(
        f"""SELECT sum(CAST(gld_number AS INT)), sum(CAST(children_number AS INT)) FROM read_csv('{path}',
            all_varchar=true) WHERE geographic_level = 'Local authority' AND characteristic = 'Total' AND
            gender = 'Total' AND new_la_code IN {members}"""
    ).fetchone()
    a = assessment(warehouse_path, "school-readiness", LCR)
    value, how = a["value"], a["derivation"]["rule"]
    assert how == "ratio_of_sums"
    assert value == pytest.approx(100 * gld / children)


def _with_csv_rows(src: Path, dest: Path, edit) -> None:
    with src.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = edit(rows)
    with dest.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.fixture(scope="module")
def social_care(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("dfe-social-care")
    m = make_mirror(root / "mirror", "dfe-childrens-social-care")
    db = root / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    assert not s.rejected, [r.message for r in s.rejected]
    return m, db


def test_a_newer_edition_with_one_more_year_is_a_new_release(social_care, tmp_path, mirror):
    _, db0 = social_care
    db = tmp_path / "w.duckdb"
    shutil.copyfile(db0, db)
    m = make_mirror(tmp_path / "mirror", copy=("dfe-childrens-social-care",))

    def next_year(rows):  # next year's file: the 2024 rows again as 2025, Liverpool's count revised
        head = rows[0]
        tp, code, what, num = (head.index(c) for c in ("time_period", "new_la_code", "population_count", "number"))
        new = [r[:tp] + ["2025"] + r[tp + 1:] for r in rows[1:] if r[tp] == "2024"]
        for r in new:
            if r[code] == LIVERPOOL and r[what].startswith("Children looked after at 31 March"):
                r[num] = "1500"
        return [head, *new, *rows[1:]]

    _with_csv_rows(mirror / CLA, m / "dfe-childrens-social-care/cla_number_and_rate_per_10k_children_2025.csv",
                   next_year)  # fmt: skip
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}
    assert res["dfe/children-looked-after"].status == "loaded"
    assert res["dfe/care-leavers-activity"].status == "unchanged"
    assert (CLA, "an older edition of cla_number_and_rate_per_10k_children_2025.csv, which is loaded instead") \
        in s.ignored  # fmt: skip
    with Warehouse.open(db) as wh:
        assert len(wh.releases("dfe/children-looked-after")) == 2
        assert obs(wh, "children-looked-after-number", LIVERPOOL, "2024-04-01/P1Y")["value"] == 1500
        assert obs(wh, "children-looked-after-number", LIVERPOOL, "2023-04-01/P1Y")["value"] == 1490


def test_bad_value_and_missing_column_are_rejected_with_where(tmp_path, mirror):
    m = make_mirror(tmp_path / "mirror", copy=("dfe-childrens-social-care",))
    target = m / "dfe-childrens-social-care/la_care_leavers_activity.csv"

    def bad_value(rows):
        rows[5][rows[0].index("number")] = "about 4"
        return rows

    _with_csv_rows(mirror / "dfe-childrens-social-care/la_care_leavers_activity.csv", target, bad_value)
    ks2 = m / "dfe-childrens-social-care/ks2_la.csv"
    _with_csv_rows(mirror / "dfe-childrens-social-care/ks2_la.csv", ks2,
                   lambda rows: [[c for i, c in enumerate(r) if i != rows[0].index("social_care_group")] for r in rows])
    s = build(tmp_path / "w.duckdb", mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}
    assert res["dfe/care-leavers-activity"].status == "rejected"
    assert res["dfe/care-leavers-activity"].message.startswith(
        "dfe-childrens-social-care/la_care_leavers_activity.csv, row 6, column 'number': 'about 4' is not a number")
    assert res["dfe/outcomes-children-in-need-ks2"].message == (
        "dfe-childrens-social-care/ks2_la.csv, row 1: missing column(s) 'social_care_group'; expected the columns of "
        "DfE's Outcomes for children in need, including children looked after: key stage 2 by local authority file")
    assert res["dfe/children-looked-after"].status == "loaded"  # everything else still loads


def test_a_damaged_zip_is_rejected_and_a_newer_zip_edition_is_chosen(tmp_path, mirror):
    m = make_mirror(tmp_path / "mirror", "dfe-attainment/key-stage-4-performance-revised_2021-22.zip")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("data/readme.txt", "no data here")
    (m / "dfe-attainment/key-stage-2-attainment_2022-23.zip").write_bytes(buf.getvalue())
    (m / "dfe-attainment/key-stage-2-attainment_2021-22.zip").symlink_to(
        mirror / "dfe-attainment/key-stage-2-attainment_2021-22.zip")
    s = build(tmp_path / "w.duckdb", mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}
    assert res["dfe/ks2-attainment"].status == "rejected"
    assert res["dfe/ks2-attainment"].message.startswith(
        "dfe-attainment/key-stage-2-attainment_2022-23.zip: no file named like ks2_regional_and_local_authority_")
    assert res["dfe/ks4-performance"].status == "loaded"


def test_key_stage_4_binding_reproduces_the_strategy_s_own_figure(warehouse_path: Path, wh):
    # The Local Industrial Strategy (draft, March 2020, line 746): "59% of English and Maths GCSE students in LCR
    # achieved grades 4 or above" in 2018/19, against a "national level of 65%". The city region's figure is built
    # from its six councils' pupils (a ratio of sums); England's is published.
    a = assessment(warehouse_path, "attainment-key-stage-4", LCR)
    assert a["warehouse_indicator"] == "ks4-english-maths-grade-4"
    spec = Spec("k", "k", Polarity.HIGHER_IS_BETTER, "%", "ks4-english-maths-grade-4")
    series = {p.period: p.value for p in Assessor(wh).series(spec, LCR).points}
    assert round(series["2018-09-01/P1Y"]) == 59
    assert round(obs(wh, "ks4-english-maths-grade-4", ENGLAND, "2018-09-01/P1Y")["value"]) == 65
