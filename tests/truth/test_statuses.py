"""Every stored status follows the written rules of prosperity.assess.status (README "Assessments")."""

from __future__ import annotations

from prosperity.assess import status as st
from prosperity.periods import parse_period

from .conftest import LCR


def test_every_status_is_one_of_the_agreed_words(stored):
    assert stored
    for a in stored:
        assert a["status"] in st.STATUSES, (a["indicator"], a["area"], a["status"])
        if a["trend"]:
            assert a["trend"]["status"] in st.STATUSES
        for t in a["targets"]:
            assert t["status"] is None or t["status"] in st.TARGET_STATUSES


def test_improving_and_worsening_rest_on_a_test_or_three_comparable_points(stored):
    for a in stored:
        t = a["trend"] or {}
        if t.get("status") not in (st.IMPROVING, st.WORSENING):
            continue
        if t.get("marker") in ("increasing", "decreasing"):
            assert t["marker_eligible"] and len(t["marker_periods"]) == 5
            continue
        judged = t.get("real_terms") or t
        assert judged["points"] >= 3, (a["indicator"], a["area"])
        assert abs(judged["cagr"]) >= 0.005, (a["indicator"], a["area"], judged["cagr"])


def test_no_trend_marker_on_overlapping_or_broken_periods(stored):
    seen_overlap = False
    for a in stored:
        t = a["trend"] or {}
        if a["period"] and parse_period(a["period"]).unit == "Y" and parse_period(a["period"]).count > 1:
            seen_overlap = True
            assert t.get("marker") is None, (a["indicator"], a["area"])  # Fingertips refuses overlapping periods
        if t.get("marker"):
            years = t["marker_periods"]
            assert years == list(range(years[0], years[0] + 5))  # five consecutive years: nothing bridged
    assert seen_overlap  # healthy life expectancy is published for overlapping 3-year periods


def test_healthy_life_expectancy_gets_no_marker(lcr):
    a = lcr["healthy-life-expectancy-female"]
    assert a["period"].endswith("/P3Y") and a["trend"]["marker"] is None
    assert "overlapping multi-year periods" in a["trend"]["marker_ineligible_reason"]


def test_child_poverty_two_periods_are_too_few(lcr):
    a = lcr["child-poverty"]  # 28.8% in both years: the old product called this "an improvement"
    assert a["trend"]["points"] == 2 and a["status"] == st.TOO_FEW_POINTS
    assert not any("improvement" in s for s in a["sentences"])


def test_a_monthly_series_is_not_a_series_break(lcr):
    a = lcr["short-term-let-guest-nights"]
    assert parse_period(a["period"]).unit == "M"
    assert not any("series break" in n for n in a["notes"])
    months = {parse_period(p).start.month for p in a["trend"]["periods"]}
    assert len(months) == 1  # compared year on year, the same month each year


def test_a_stand_in_is_named_and_never_judged(stored, lcr):
    a = lcr["berd"]
    assert a["read_area"]["code"] == "E12000002" and a["figure_area"] == "E12000002"
    assert a["status"] == st.NOT_JUDGED and a["trend"]["status"] == st.NOT_JUDGED
    assert a["benchmark"] is None and a["peers"] is None
    for s in a["sentences"]:
        assert "North West" in s, s  # every sentence names the area the figure is for
    assert "Business expenditure on research and development (BERD) in Liverpool City Region was" not in " ".join(
        a["sentences"])
    # and no stand-in counts towards an area's own judgements anywhere
    for x in stored:
        if x["read_area"]:
            assert x["status"] == st.NOT_JUDGED
            assert all(t["status"] is None for t in x["targets"])


def test_targets_are_assessed_only_for_their_strategys_area(stored):
    for a in stored:
        if a["area"] != LCR:
            assert not any(t["set_by"].startswith("Liverpool City Region") for t in a["targets"]), a["area"]
