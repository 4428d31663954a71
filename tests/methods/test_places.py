"""Inequality between places, deprivation summaries, gaps in people's terms and aggregation."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.methods import (
    IOD2019_LSOAS,
    IncompleteCoverage,
    InsufficientData,
    LsoaRecord,
    MethodError,
    NotAggregable,
    Polarity,
    aggregate,
    aggregate_ratio_of_sums,
    aggregate_sum,
    aggregate_weighted_mean,
    deprivation_summary,
    dispersion,
    gap_in_people,
    gap_trend,
)

LCR = ("E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015")
MIRROR = Path(__file__).resolve().parents[3] / "shared" / "data" / "iod2019"

# --- inequality ----------------------------------------------------------------------------------------


def test_dispersion_worked_example():
    result = dispersion({"A": 2.0, "B": 4.0, "C": 6.0})
    assert (result.range, result.ratio, result.mean) == (4.0, 3.0, 4.0)
    assert result.coefficient_of_variation == pytest.approx((8 / 3) ** 0.5 / 4)
    assert (result.minimum_place, result.maximum_place) == ("A", "C")
    with pytest.raises(InsufficientData):
        dispersion({"A": 1.0})


def test_gap_trend_says_which_measure_and_periods():
    result = gap_trend({"2015": {"A": 2.0, "B": 6.0}, "2023": {"A": 3.0, "B": 5.0}}, measure="range")
    assert (result.direction, result.values, result.first_period, result.last_period) == (
        "narrowing",
        (4.0, 2.0),
        "2015",
        "2023",
    )
    assert "range" in result.explanation and "2015" in result.explanation
    widening = gap_trend({"2015": {"A": 3.0, "B": 5.0}, "2023": {"A": 2.0, "B": 6.0}}, measure="cv")
    assert widening.direction == "widening"


def test_gap_trend_refuses_different_places():
    with pytest.raises(InsufficientData):
        gap_trend({"2015": {"A": 1.0, "B": 2.0}, "2023": {"A": 1.0, "C": 2.0}})
    with pytest.raises(MethodError):
        gap_trend({"2015": {"A": 1.0, "B": 2.0}, "2023": {"A": 1.0, "B": 2.0}}, measure="gini")


# --- deprivation --------------------------------------------------------------------------------------


def test_deprivation_worked_example():
    records = [
        LsoaRecord("L1", rank=1, decile=1, population=1000),
        LsoaRecord("L2", rank=3000, decile=1, population=3000),
        LsoaRecord("L3", rank=32844, decile=10, population=1000),
    ]
    result = deprivation_summary(records, IOD2019_LSOAS)
    assert result.share_in_most_deprived_decile == pytest.approx(2 / 3)
    assert result.population_share_in_most_deprived_decile == pytest.approx(0.8)
    mean_rank = (1 * 1000 + 3000 * 3000 + 32844 * 1000) / 5000
    assert result.population_weighted_mean_rank == pytest.approx(mean_rank)
    assert result.average_rank == pytest.approx(32845 - mean_rank)
    with pytest.raises(InsufficientData):
        deprivation_summary([], IOD2019_LSOAS)
    with pytest.raises(MethodError):
        deprivation_summary([LsoaRecord("L1", 40000, 1, 10)], IOD2019_LSOAS)


def _iod2019_by_la():
    def rows(name):
        with gzip.open(MIRROR / name, "rt", encoding="utf-8-sig") as f:
            return list(csv.reader(f))[1:]

    population = {
        r[0]: float(r[4].replace(",", "")) for r in rows("File_6_-_IoD2019_Population_Denominators.csv.gz")
    }
    by_la = defaultdict(list)
    for r in rows("File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"):
        by_la[(r[2], r[3])].append(LsoaRecord(r[0], int(r[4].replace(",", "")), int(r[5]), population[r[0]]))
    return by_la


@pytest.mark.skipif(not MIRROR.exists(), reason="IoD2019 files of the shared mirror are not present")
def test_iod2019_published_summaries_from_the_mirror():
    by_la = _iod2019_by_la()
    summaries = {la: deprivation_summary(recs, IOD2019_LSOAS) for la, recs in by_la.items()}
    liverpool = summaries[("E08000012", "Liverpool")]
    # Mirror README: "Liverpool has 298 LSOAs, 145 of them in England's most deprived decile".
    assert (liverpool.lsoas, liverpool.lsoas_in_most_deprived_decile) == (298, 145)
    # IoD2019 Statistical Release (26 September 2019): "Middlesbrough, Liverpool, Knowsley, Kingston upon
    # Hull and Manchester are the local authorities with the highest proportions of neighbourhoods among the
    # most deprived in England".
    top5 = sorted(summaries, key=lambda la: -summaries[la].share_in_most_deprived_decile)[:5]
    assert [name for _, name in top5] == [
        "Middlesbrough",
        "Liverpool",
        "Knowsley",
        "Kingston upon Hull, City of",
        "Manchester",
    ]
    # The city region as a custom group of LSOAs: any set of LSOAs can be summarised.
    lcr = [r for (code, _), recs in by_la.items() if code in LCR for r in recs]
    group = deprivation_summary(lcr, IOD2019_LSOAS)
    assert group.lsoas == 79 + 98 + 298 + 119 + 189 + 206
    members = [summaries[la] for la in summaries if la[0] in LCR]
    assert group.lsoas_in_most_deprived_decile == sum(m.lsoas_in_most_deprived_decile for m in members)


# --- gap in people -------------------------------------------------------------------------------------


def test_gap_in_people_worked_example():
    # The brief's example: 70% employment among 1,000,000 residents against 75% → 50,000 more in work.
    result = gap_in_people(
        70.0,
        75.0,
        1_000_000,
        denominator_label="residents aged 16-64",
        denominator_period="2023-01-01/P1Y",
        polarity=Polarity.HIGHER_IS_BETTER,
        counted="residents in work",
    )
    assert result.people_rounded == 50_000
    assert "50,000 more residents in work" in result.explanation
    assert "2023-01-01/P1Y" in result.explanation and "residents aged 16-64" in result.explanation


def test_gap_in_people_lower_is_better_and_already_better():
    fewer = gap_in_people(
        6.0,
        4.0,
        500_000,
        denominator_label="economically active residents",
        denominator_period="2023",
        polarity=Polarity.LOWER_IS_BETTER,
        counted="unemployed",
    )
    assert fewer.people_rounded == -10_000 and "10,000 fewer unemployed" in fewer.explanation
    ahead = gap_in_people(
        80.0,
        75.0,
        1000,
        denominator_label="residents",
        denominator_period="2023",
        polarity=Polarity.HIGHER_IS_BETTER,
    )
    assert ahead.benchmark_met and "already better" in ahead.explanation
    with pytest.raises(MethodError):
        gap_in_people(
            1, 2, 0, denominator_label="x", denominator_period="y", polarity=Polarity.HIGHER_IS_BETTER
        )


# --- aggregation ---------------------------------------------------------------------------------------


def test_sum_refuses_missing_members_unless_partial_is_allowed():
    values = {"E06000006": 10.0, "E08000011": 20.0, "E08000012": None}
    with pytest.raises(IncompleteCoverage) as err:
        aggregate_sum(values, LCR)
    assert "E08000013" in str(err.value) and "partial" in str(err.value)
    partial = aggregate_sum(values, LCR, allow_partial=True)
    assert (partial.value, partial.complete, partial.coverage) == (30.0, False, pytest.approx(2 / 6))


def test_weighted_mean_and_ratio_of_sums():
    members = ("A", "B")
    wm = aggregate_weighted_mean(
        {"A": 10.0, "B": 20.0}, {"A": 1.0, "B": 3.0}, members, weight_name="population"
    )
    assert wm.value == pytest.approx(17.5) and wm.weight_name == "population"
    ros = aggregate_ratio_of_sums({"A": 70.0, "B": 30.0}, {"A": 100.0, "B": 100.0}, members, scale=100)
    assert ros.value == pytest.approx(50.0) and ros.numerator_total == 100.0


def test_not_aggregable_raises_a_named_error():
    with pytest.raises(NotAggregable, match="median gross weekly pay cannot be aggregated"):
        aggregate("not_aggregable", LCR, indicator="median gross weekly pay", reason="a median of medians")
    with pytest.raises(MethodError):
        aggregate("sum", LCR)


counts = st.lists(st.floats(min_value=0, max_value=1e9), min_size=1, max_size=10)


@given(counts)
def test_aggregate_sum_equals_sum(values):
    members = [f"M{i}" for i in range(len(values))]
    result = aggregate("sum", members, values=dict(zip(members, values, strict=True)))
    assert result.value == pytest.approx(sum(values))
    assert result.complete and result.coverage == 1


@given(st.lists(st.tuples(st.floats(0, 1e6), st.floats(1, 1e6)), min_size=1, max_size=10))
def test_ratio_of_sums_is_the_denominator_weighted_mean_of_rates(pairs):
    members = [f"M{i}" for i in range(len(pairs))]
    nums = {m: n for m, (n, _) in zip(members, pairs, strict=True)}
    dens = {m: d for m, (_, d) in zip(members, pairs, strict=True)}
    rates = {m: nums[m] / dens[m] for m in members}
    ros = aggregate_ratio_of_sums(nums, dens, members)
    wm = aggregate_weighted_mean(rates, dens, members, weight_name="denominator")
    assert ros.value == pytest.approx(wm.value, rel=1e-9, abs=1e-12)
    assert min(rates.values()) - 1e-9 <= ros.value <= max(rates.values()) + 1e-9
