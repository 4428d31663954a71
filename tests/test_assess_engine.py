"""Assessments on the real mirror: published figures, named methods, and what must never be claimed."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.assess import Assessor, Spec, TargetSpec
from prosperity.methods import Polarity
from prosperity.warehouse import Warehouse

GVA_HOUR = Spec("gva-per-hour", "GVA per hour worked", Polarity.HIGHER_IS_BETTER, "£",
                "gross-value-added-per-hour-worked",
                targets=(TargetSpec("close-gap", "ratio_to_benchmark", 2040, 100, unit="%", benchmark="K99000002",
                                    set_by="Liverpool City Region Combined Authority"),))  # fmt: skip
IMD = Spec("imd-most-deprived", "Share of LSOAs in England's most deprived 10%", Polarity.LOWER_IS_BETTER, "%",
           "iod2019-decile", breakdown="Index of Multiple Deprivation")  # fmt: skip
LCR = ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"]


@pytest.fixture(scope="module")
def assessor(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as wh:
        yield Assessor(wh)


def test_productivity_gap_with_the_uk(assessor):
    a = assessor.assess(GVA_HOUR, "E47000004")
    assert a.period == "2023-01-01/P1Y" and round(a.value, 2) == 37.33
    assert a.benchmark["area"] == "K99000002" and round(a.benchmark["value"], 2) == 41.87
    gap = (a.value / a.benchmark["value"] - 1) * 100
    assert round(gap, 1) == -10.8
    assert a.benchmark["gap_history"][-1]["gap_percent"] == pytest.approx(gap)
    # No intervals: a difference and a ratio, never a claim of significance.
    assert a.benchmark["significant"] is False and a.benchmark["comparison"] == "not_compared"
    assert any("no claim of a statistically significant difference" in s for s in a.sentences)
    assert "£37.33" in a.sentences[0] and "2023" in a.sentences[0] and "Office for National Statistics" in a.sentences[0]
    assert any("the gap has widened from 9.0% below to 10.8% below" in s for s in a.sentences)
    assert a.releases and a.releases[0]["dataset_id"] == "els/gross-value-added"


def test_peer_rank_among_combined_authorities(assessor):
    a = assessor.assess(GVA_HOUR, "E47000004")
    p = a.peers
    assert p["group"] == "combined authorities in England" and p["method"] == "competition-rank-1224"
    values = sorted((v["value"] for v in p["values"]), reverse=True)
    assert values.index(a.value) + 1 == p["rank"] and p["of"] == len(values) >= 10
    assert p["band"] in ("broadly similar to", "slightly better than", "slightly worse than", "better than",
                         "worse than", "much better than", "much worse than")  # fmt: skip


def test_local_authority_peers_are_its_statistical_neighbours(assessor):
    a = assessor.assess(GVA_HOUR, "E08000012")
    assert round(a.value, 2) == 37.48
    assert "similar-authority" in a.peers["group"] and a.peers["of"] <= 21


def test_deprivation_share_from_lsoas(assessor):
    liv = assessor.assess(IMD, "E08000012")
    assert liv.derivation["lsoas"] == 298 and liv.derivation["in_most_deprived_decile"] == 145
    assert liv.value == pytest.approx(145 / 298 * 100)
    lcr = assessor.assess(IMD, "E47000004")
    assert lcr.derivation["lsoas"] == 989 and lcr.derivation["in_most_deprived_decile"] == 335


def test_net_zero_target_gets_a_status_by_linear_projection(assessor):
    spec = Spec("ghg", "Greenhouse gas emissions per person", Polarity.LOWER_IS_BETTER, "t CO2e",
                "greenhouse-gas-emissions",
                targets=(TargetSpec("net-zero-2040", "zero", 2040, 0, set_by="LCR CA"),))  # fmt: skip
    a = assessor.assess(spec, "E47000004")
    t = a.target
    assert t["method"] == "dns-linear-projection" and t["status"] in ("on track", "off track", "met", "missed")
    assert t["on_track"] is not None and t["required_rate"]["absolute_per_year"] < 0
    assert "CAGR cannot handle" in t["note"]
    assert t["projected_value"] >= 0  # emissions are projected no lower than zero


def test_confidence_intervals_are_used_where_published(assessor):
    spec = Spec("hle-f", "Female healthy life expectancy", Polarity.HIGHER_IS_BETTER, "yrs",
                "female-healthy-life-expectancy")  # fmt: skip
    a = assessor.assess(spec, "E08000012")
    assert a.lci_95 is not None and a.benchmark["method"].startswith("fingertips")
    assert a.benchmark["comparison"] in ("better", "similar", "worse")
    # 3-year pooled periods overlap: Fingertips gives no trend marker on them, and neither does the assessment.
    assert a.trend["marker"] is None and a.trend["significance_tested"] is False
    assert "overlapping multi-year" in a.trend["marker_ineligible_reason"]
    # Annual APS rates with intervals get the marker.
    emp = assessor.assess(Spec("emp", "Employment rate", Polarity.HIGHER_IS_BETTER, "%", "employment-rate"), "E08000012")
    assert emp.trend["marker"] is not None and emp.trend["significance_tested"] is True


def test_a_group_is_built_only_where_the_indicator_allows(assessor):
    homes = Spec("homes", "Dwellings completed", Polarity.HIGHER_IS_BETTER, "dwellings", "dwelling-completions")
    g = assessor.assess(homes, "my-group", area_name="Liverpool and Wirral", members=["E08000012", "E08000015"])
    liv = assessor.published("dwelling-completions", "E08000012", "")
    wir = assessor.published("dwelling-completions", "E08000015", "")
    assert g.value == liv[-1].value + wir[-1].value and g.derivation["rule"] == "sum"
    # A rate with no denominator in the warehouse is refused, and the assessment says so.
    rate = Spec("emp", "Employment rate", Polarity.HIGHER_IS_BETTER, "%", "employment-rate")
    r = assessor.assess(rate, "my-group", area_name="Liverpool and Wirral", members=["E08000012", "E08000015"])
    assert r.value is None and r.status == "no data" and "not aggregable" in r.notes[0]


def test_as_of_reads_the_warehouse_as_it_stood(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as wh:
        before = Assessor(wh, as_of="2000-01-01").assess(GVA_HOUR, "E47000004")
    assert before.value is None and before.status == "no data"


def test_gap_in_businesses_uses_the_stated_denominator(assessor):
    spec = Spec("births", "Business birth rate", Polarity.HIGHER_IS_BETTER, "%", "business-births")
    a = assessor.assess(spec, "E06000006")
    g = a.benchmark["gap_in_people"]
    den = [p for p in assessor.published("active-businesses", "E06000006", "") if p.period == a.period][0]
    assert g["denominator"] == den.value and g["denominator_indicator"] == "active-businesses"
    assert g["people"] == round((a.benchmark["value"] - a.value) / 100 * den.value)
    assert g["denominator_period"] == a.period_label
    # No gap in people where the warehouse lacks the right denominator.
    emp = assessor.assess(Spec("emp", "Employment rate", Polarity.HIGHER_IS_BETTER, "%", "employment-rate"), "E08000012")
    assert emp.benchmark["gap_in_people"] is None


def test_gaps_between_member_places(assessor):
    spec = Spec("emp", "Employment rate", Polarity.HIGHER_IS_BETTER, "%", "employment-rate")
    a = assessor.assess(spec, "E47000004")
    m = a.members
    assert {v["area"] for v in m["values"]} == set(LCR)
    values = [v["value"] for v in m["values"]]
    assert m["range"] == pytest.approx(max(values) - min(values))
    import statistics

    assert m["coefficient_of_variation"] == pytest.approx(statistics.pstdev(values) / statistics.fmean(values))
    g = m["gap_trend"]
    assert g["direction"] in ("narrowing", "widening", "unchanged") and g["to"] == pytest.approx(
        m["coefficient_of_variation"])
    assert any("member areas" in s for s in a.sentences)


def test_business_birth_rate_for_the_city_region_is_births_over_active_businesses(assessor):
    spec = Spec("births", "Business birth rate", Polarity.HIGHER_IS_BETTER, "%", "business-births")
    a = assessor.assess(spec, "E47000004")
    assert a.derivation["rule"] == "weighted_mean" and a.derivation["weight"] == "active-businesses"
    births = active = 0.0
    for la in LCR:
        rate = {p.period: p.value for p in assessor.published("business-births", la, "")}[a.period]
        n = {p.period: p.value for p in assessor.published("active-businesses", la, "")}[a.period]
        births += rate / 100 * n
        active += n
    assert a.value == pytest.approx(births / active * 100)
