"""The Additionality Guide's calculation (HCA, 4th edition, 2014), checked by hand-worked arithmetic.

No worked example of the guide can be reproduced here: the project's reference notes
(``../shared/reference/programmes-evaluation-scenarios.md`` §2.1) give the guide's formula but none of its worked
examples (chapter 5.3) and no verified ready-reckoner table, and the guide itself is not in ``../shared/reference``.
These tests check the formula as printed there and the rules by arithmetic done by hand below, and check that
every ready-reckoner value says it is not from a cited table.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.evaluate.additionality import PRESETS, AdditionalityError, assess, net_additional


def test_the_simplified_form_by_hand() -> None:
    # 200 gross jobs; deadweight 25% (medium), leakage 10% (low), displacement 50% (medium), substitution 5%
    # (from a survey), composite multiplier 1.5 (medium):
    # 200 × 0.75 × 0.9 × 0.5 × 0.95 × 1.5 = 96.1875
    a = assess("jobs created", "jobs", 200, "sub-regional", {
        "deadweight": {"level": "medium"}, "leakage": {"level": "low"}, "displacement": {"level": "medium"},
        "substitution": {"value": 0.05, "source": "beneficiary survey"}, "multiplier": {"level": "medium"}})
    assert a.net_central == pytest.approx(96.1875)
    assert a.ratio == pytest.approx(96.1875 / 200)
    # Low case: every factor at its pessimistic neighbour (DW 50%, L 25%, Dp 75%, S 5%, M 1.1):
    # 200 × 0.5 × 0.75 × 0.25 × 0.95 × 1.1 = 19.59375; high: DW 10%, L 0, Dp 25%, M 1.9:
    # 200 × 0.9 × 1 × 0.75 × 0.95 × 1.9 = 243.675
    assert a.net_low == pytest.approx(19.59375)
    assert a.net_high == pytest.approx(243.675)
    assert a.driver == "displacement"
    assert [t["factor"] for t in a.tornado][0] == "displacement"
    assert "Additionality Guide" in a.factors["leakage"].source and "§4.2" in a.factors["leakage"].source
    # The presets are not from a cited table, and the result says so (no invented citation).
    assert "not from a cited table" in a.factors["leakage"].source
    assert not a.presets_verified and a.as_dict()["presets_verified"] is False
    assert any("not from a cited table" in n and "leakage low (0.1)" in n for n in a.notes)


def test_the_full_form_with_a_reference_case() -> None:
    # AI = GI(1−L)(1−Dp)(1−S)M − GI*(1−L)(1−Dp)(1−S)M with GI = 100, GI* = 30, L = 0.1, Dp = 0.25, S = 0, M = 1.1
    # = (100 − 30) × 0.9 × 0.75 × 1.1 = 51.975
    assert net_additional(100, 0.1, 0.25, 0.0, 1.1, reference_gross=30) == pytest.approx(51.975)
    a = assess("floorspace", "m²", 100, "local", {"leakage": {"level": "low"}, "displacement": {"level": "low"},
                                                  "multiplier": {"level": "low"}}, reference_gross=30)
    assert a.net_central == pytest.approx(51.975 * 1.0)  # substitution defaults to zero, with a note
    assert any("substitution" in n for n in a.notes)


def test_national_displacement_is_total_unless_evidenced() -> None:
    a = assess("jobs", "jobs", 500, "national", {"deadweight": {"level": "low"}, "leakage": {"level": "none"}})
    assert a.factors["displacement"].central == 1.0
    assert a.net_central == 0.0
    assert any("national level" in n for n in a.notes)
    b = assess("jobs", "jobs", 500, "national", {"deadweight": {"level": "low"}, "leakage": {"level": "none"},
                                                  "displacement": {"level": "medium"}})
    assert b.net_central > 0 and any("supply-side" in n for n in b.notes)


def test_the_full_form_with_deadweight_as_reference_is_the_simplified_form() -> None:
    # The guide's formula (as the reference notes print it) with GI* = DW × GI and the same adjustments
    # reduces to net = GI (1 − DW)(1 − L)(1 − Dp)(1 − S) M: 400 × 0.5 × 0.75 × 0.5 × 0.9 × 1.5 = 101.25.
    assert net_additional(400, 0.25, 0.5, 0.1, 1.5, reference_gross=200) == pytest.approx(101.25)
    assert net_additional(400, 0.25, 0.5, 0.1, 1.5, deadweight=0.5) == pytest.approx(101.25)


def test_factors_from_evidence_carry_no_unverified_note() -> None:
    ev = {"value": 0.2, "low": 0.1, "high": 0.3, "source": "programme evaluation 2024, table 4"}
    a = assess("learners", "learners", 1000, "local", {"deadweight": ev, "leakage": ev, "displacement": ev,
                                                        "substitution": ev, "multiplier": {"value": 1.2,
                                                        "source": "regional input-output table"}})  # fmt: skip
    assert a.presets_verified and not any("cited table" in n for n in a.notes)
    assert a.net_central == pytest.approx(1000 * 0.8**4 * 1.2)


def test_presets_are_the_ready_reckoner_ladders() -> None:
    assert [p.value for p in PRESETS["deadweight"].values()] == [0, 0.1, 0.25, 0.5, 0.75, 1.0]
    assert [p.value for p in PRESETS["leakage"].values()] == [0, 0.1, 0.25, 0.5, 0.75, 1.0]
    assert [p.value for p in PRESETS["displacement"].values()] == [0, 0.25, 0.5, 0.75, 1.0]
    assert [p.value for p in PRESETS["multiplier"].values()] == [1.1, 1.5, 1.9]
    assert "substitution" not in PRESETS
    assert not any(p.verified for ladder in PRESETS.values() for p in ladder.values())
    assert all("not from a cited table" in p.citation for ladder in PRESETS.values() for p in ladder.values())


@pytest.mark.parametrize(("factors", "message"), [
    ({"leakage": {"level": "huge"}}, "not one of"),
    ({"substitution": {"level": "low"}}, "no ready reckoner for substitution"),
    ({"leakage": {"value": 0.2}}, "needs its source"),
])  # fmt: skip
def test_bad_factors_are_refused_with_the_reason(factors: dict, message: str) -> None:
    base = {"deadweight": {"level": "low"}, "leakage": {"level": "low"}, "displacement": {"level": "low"}}
    with pytest.raises(AdditionalityError, match=message):
        assess("jobs", "jobs", 10, "local", {**base, **factors})


def test_a_level_outside_the_list_is_refused() -> None:
    with pytest.raises(AdditionalityError, match="spatial level"):
        assess("jobs", "jobs", 10, "galactic", {})


@given(st.floats(0, 1e6), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(1, 3), st.floats(0, 1))
def test_net_never_exceeds_gross_times_multiplier(g, lk, dp, s, m, dw) -> None:
    net = net_additional(g, lk, dp, s, m, dw)
    assert -1e-9 <= net <= g * m + 1e-6
