"""The product's figures for the combined authority against ONS's own published E47000004 values.

Published figures reproduced: every Explore Local Statistics (ONS) indicator file that publishes E47000004
(Liverpool City Region Combined Authority), read as published; and, where the product can also build the
figure from the six councils (aggregation.yaml), that the build equals ONS's published figure: DESNZ CO2 by
sector (mySociety package, combined-authority rows), ONS short-term let guest nights (monthly, rounded to 10).
The regional accounts' own totals: balanced GVA at current prices of ITL2 TLD7 and ITL1 TLD equal the sums of
their ITL3/ITL2 parts (to the £1 million the tables are rounded to); chained volume measures are not additive,
as ONS says, and the product refuses to sum them.
"""

from __future__ import annotations

import pytest

from prosperity.assess import Spec
from prosperity.methods import Polarity

from .conftest import LCR, LCR_MEMBERS


def test_every_assessment_for_the_city_region_uses_onss_own_figure_where_published(wh, lcr):
    checked = 0
    for ind, a in lcr.items():
        if a["value"] is None or a["read_area"]:
            continue
        code = a.get("figure_area") or LCR
        rows = wh.con.execute(
            "SELECT value FROM latest_observations WHERE indicator_id = $i AND area_code = $a AND breakdown = $b "
            "AND period = $p AND value IS NOT NULL",
            {"i": a["warehouse_indicator"], "a": code, "b": a["breakdown"], "p": a["period"]},
        ).fetchall()
        if not rows:
            assert a["derivation"], f"{ind}: no published figure, so the figure must say how it was built"
            continue
        assert a["value"] == pytest.approx(rows[0][0]), ind
        assert not a["derivation"], f"{ind}: ONS publishes the figure; it must not be rebuilt"
        checked += 1
    assert checked >= 25


@pytest.mark.parametrize(("indicator", "breakdown", "tolerance"), [
    ("co2-emissions", "Total Emissions", 1e-6),
    ("co2-emissions", "Transport Total", 1e-6),
    ("co2-emissions", "Domestic Total", 1e-6),
    ("number-of-guest-nights-at-a-short-term-let", "", 30.0),  # six figures rounded to the nearest 10
])
def test_a_group_built_from_the_councils_equals_the_published_combined_authority(assessor, indicator, breakdown,
                                                                                  tolerance):
    spec = Spec("x", "x", Polarity.NO_JUDGEMENT, "u", indicator, breakdown=breakdown)
    built = {p.period: p.value for p in assessor.series(spec, "group", members=LCR_MEMBERS).points}
    published = {p.period: p.value for p in assessor.published(indicator, LCR, breakdown)}
    common = set(built) & set(published)
    assert len(common) == len(published) >= 10
    for period in common:
        assert built[period] == pytest.approx(published[period], abs=tolerance), period


def test_regional_accounts_current_prices_add_up_to_onss_totals(assessor):
    spec = Spec("gva", "GVA", Polarity.HIGHER_IS_BETTER, "£ million", "gva-current-prices", breakdown="Total")
    for parent, parts in (("TLD7", ["TLD71", "TLD72", "TLD73", "TLD74"]),
                          ("TLD", ["TLD1", "TLD3", "TLD4", "TLD6", "TLD7"])):
        built = {p.period: p.value for p in assessor.series(spec, "group", members=parts).points}
        published = {p.period: p.value for p in assessor.published("gva-current-prices", parent, "Total")}
        assert len(published) >= 25 and set(built) == set(published)
        for period, v in published.items():
            assert built[period] == pytest.approx(v, abs=len(parts))  # each part rounded to £1 million


def test_chained_volume_measures_are_not_summed(assessor):
    parts = ["TLD71", "TLD72", "TLD73", "TLD74"]
    raw = {}
    for code in parts:
        for p in assessor.published("gva-chained-volume", code, "Total"):
            raw.setdefault(p.period, 0.0)
            raw[p.period] += p.value
    published = {p.period: p.value for p in assessor.published("gva-chained-volume", "TLD7", "Total")}
    assert max(abs(raw[k] - published[k]) for k in published) > 100  # the parts do not add up to the whole
    spec = Spec("gva-real", "GVA (real)", Polarity.HIGHER_IS_BETTER, "£ million", "gva-chained-volume",
                breakdown="Total")  # fmt: skip
    s = assessor.series(spec, "group", members=parts)
    assert not s.points and "not additive" in s.reason
