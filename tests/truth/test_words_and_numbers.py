"""Every stored sentence against its assessment's fields: the numbers come from the fields, every unit survives
every mention, money says its price basis, labels keep the publisher's capitalisation, caveats travel with the
figure, spread between member places is given for rates only, and an old figure says it is not the latest."""

from __future__ import annotations

import re
from typing import Any

from prosperity.assess import status as st
from prosperity.assess.sentences import fmt, short_unit

NUMBER = re.compile(r"(?<![\w.])[-+−]?£?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
#: constants of the rules and scales that sentences name (95% intervals, 0.5% a year, 1 to 32,844, ...)
CONSTANTS = {95.0, 0.5, 1.0, 3.0, 5.0, 10.0, 30.0, 100.0, 32844.0, 2020.0}
#: string fields whose digits may be quoted (periods, dates, labels, the publisher's own words)
QUOTED_KEYS = {"period", "period_label", "from_label", "to_label", "from_period", "to_period", "label", "unit",
               "release_date", "text", "set_by", "resolved", "note", "notes", "measured_as", "name", "area_name",
               "group", "how", "population_weight", "citation", "date", "from_period_iso", "figure_area_name"}


def _leaves(x: Any, key: str = "") -> tuple[list[float], list[str]]:
    nums, texts = [], []
    if isinstance(x, bool) or x is None:
        return nums, texts
    if isinstance(x, (int, float)):
        return [float(x)], texts
    if isinstance(x, str):
        return nums, ([x] if key in QUOTED_KEYS else [])
    items = x.items() if isinstance(x, dict) else ((key, v) for v in x) if isinstance(x, list) else ()
    for k, v in items:
        if k in ("sentences", "headline"):
            continue
        n, t = _leaves(v, k)
        nums += n
        texts += t
    return nums, texts


def _candidates(a: dict[str, Any]) -> set[float]:
    nums, texts = _leaves(a)
    out = set(CONSTANTS)
    for x in nums:
        for y in (x, x * 100, x - 100, 100 - x):
            out.add(abs(y))
    for t in texts:
        for m in NUMBER.finditer(t):
            out.add(float(m.group(1).replace(",", "") + (m.group(2) or "")))
    return out


def _matches(value: float, decimals: int, candidates: set[float]) -> bool:
    return any(abs(round(c, decimals) - value) < 10 ** -decimals / 2 + 1e-9 for c in candidates)


def test_every_number_in_every_sentence_is_a_field(stored):
    checked = 0
    for a in stored:
        cands = _candidates(a)
        for s in a["sentences"]:
            if s.startswith("The publisher's note"):
                continue  # the publisher's own words, quoted
            for m in NUMBER.finditer(s):
                decimals = len(m.group(2)) - 1 if m.group(2) else 0
                value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
                assert _matches(value, decimals, cands), (a["indicator"], a["area"], m.group(0), s)
                checked += 1
    assert checked > 5000


def _mentions(a: dict[str, Any]) -> list[float]:
    """The fields given in the indicator's own unit that sentences state."""
    vals = [a["value"]]
    if a["benchmark"]:
        vals.append(a["benchmark"]["value"])
    t = a["trend"] or {}
    if t.get("from_value") is not None and t.get("from_period") != t.get("to_period"):
        vals += [t["from_value"], t["to_value"]]
    if a["peers"] and a["peers"].get("band"):
        vals.append(a["peers"]["mad"]["median"])
    return [v for v in vals if v is not None]


def test_every_unit_survives_every_mention(stored):
    for a in stored:
        if a["value"] is None:
            continue
        unit = short_unit(a["unit"])
        text = " ".join(a["sentences"])
        dp = None if a["derivation"] else a["source"].get("decimal_places")
        for v in _mentions(a):
            assert fmt(v, unit, dp) in text, (a["indicator"], a["area"], fmt(v, unit, dp))
        if "," in unit:  # "per 100,000 people" is never cut to "per 100"
            head = re.escape(unit.split(",")[0])
            assert not re.search(head + r"(?!,)", text.replace(unit, "")), (a["indicator"], unit)


def test_money_figures_say_their_price_basis_on_first_mention(stored):
    for a in stored:
        if a["value"] is not None and a["unit"].strip().startswith("£"):
            assert re.search(r"\((current (basic |market )?prices|chained volume[^)]*|real terms[^)]*)\)",
                             a["sentences"][0]), a["sentences"][0]


def test_labels_keep_the_publishers_capitalisation(stored):
    for a in stored:
        assert a["label"] in a["sentences"][0], (a["label"], a["sentences"][0])


def test_caveats_travel_with_the_figure(stored, lcr):
    for a in stored:
        if a["value"] is None:
            continue
        for c in a["caveats"]:
            assert c["text"] in " ".join(a["sentences"])
    assert {c["kind"] for c in lcr["child-poverty"]["caveats"]} >= {"provisional"}  # DWP: "provisional"
    assert any("official statistics in development" in c["kind"] for c in lcr["gva-per-hour-worked"]["caveats"])


def test_spread_between_member_places_is_for_rates_only(stored):
    totals = [a for a in stored if any("a total, not a rate" in n for n in a["notes"])]
    assert totals
    for a in totals:
        assert a["members"] is None and a["benchmark"] is None and a["peers"] is None, a["indicator"]


def test_an_old_figure_says_it_is_not_the_latest(stored):
    flagged = [a for a in stored if a["latest_available"]]
    assert flagged  # e.g. exports for combined authorities whose newest year is older than others'
    for a in flagged:
        assert a["latest_available"]["period"] > a["period"]
        assert any("not the latest period" in s for s in a["sentences"])
    for a in stored:
        if a["value"] is not None and not a["latest_available"]:
            assert not any("not the latest period" in s for s in a["sentences"])


def test_gaps_in_people_use_the_published_rates_denominator(stored):
    for a in stored:
        g = (a["benchmark"] or {}).get("gap_in_people")
        if g:
            assert a["warehouse_indicator"] in ("business-births", "business-deaths")
            assert g["denominator_indicator"] == "active-businesses"
        if a["warehouse_indicator"] == "high-growth-businesses" and a["benchmark"]:
            assert a["benchmark"]["gap_in_people"] is None  # per business with 10+ employees: not held


def test_status_reason_is_given(stored):
    for a in stored:
        if a["status"] not in (st.NO_DATA,):
            assert a["status_reason"], (a["indicator"], a["area"])
