"""Rank among peers and Oflog's MADs-from-median bands, checked against Oflog's published data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.methods import (
    InsufficientData,
    Polarity,
    mad_band,
    ons_explorer_band,
    rank_among_peers,
    robust_z,
)
from prosperity.methods.thresholds import ONS_MAD_SCALE

DATA = Path(__file__).parent / "data"


def _oflog_asc1():
    # communitiesuk/oflog-automated-text src/lib/ASC_data.csv, measure ASC1 (carer quality of life),
    # 2016-17, all 151 local authorities with a value: the published MEDIAN and MADs_from_median.
    with open(DATA / "oflog_asc1_2016-17.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_reproduces_oflog_mads_from_median():
    rows = _oflog_asc1()
    values = [float(r["Value"]) for r in rows]
    assert len(values) == 151
    for row in rows:
        result = mad_band(float(row["Value"]), values, Polarity.HIGHER_IS_BETTER)
        assert result.median == pytest.approx(float(row["MEDIAN"]))
        assert result.mads_from_median == pytest.approx(float(row["MADs_from_median"]), abs=1e-8)


def test_oflog_phrases_for_published_values():
    values = [float(r["Value"]) for r in _oflog_asc1()]
    # Enfield 7.7: +0.33 MADs; Coventry 7.2: −1.33; Portsmouth 8.0: +1.33 (Oflog's data).
    assert mad_band(7.7, values, Polarity.HIGHER_IS_BETTER).phrase == "broadly similar to"
    assert mad_band(7.2, values, Polarity.HIGHER_IS_BETTER).phrase == "slightly worse than"
    assert mad_band(8.0, values, Polarity.HIGHER_IS_BETTER).phrase == "slightly better than"
    assert mad_band(8.0, values, Polarity.LOWER_IS_BETTER).phrase == "slightly worse than"
    assert mad_band(8.0, values, Polarity.NO_JUDGEMENT).phrase == "slightly higher than"


@pytest.mark.parametrize(
    ("z", "phrase"),
    [
        (0.49, "broadly similar to"),
        (0.5, "slightly better than"),  # lower <= x < upper
        (-0.5, "broadly similar to"),
        (1.5, "better than"),
        (3.0, "much better than"),
        (-3.0, "worse than"),  # -3 is the lower edge of [-3, -1.5)
        (-3.01, "much worse than"),
        (-1.6, "worse than"),
        (7.5, None),
        (-7.6, None),
    ],
)
def test_oflog_band_edges(z, phrase):
    peers = [-1.0, 0.0, 1.0]  # median 0, MAD 1
    result = mad_band(z, peers, Polarity.HIGHER_IS_BETTER)
    assert result.phrase == phrase
    assert result.needs_manual_text is (phrase is None)


def test_ons_scaled_robust_z_and_bands():
    z, median, mad = robust_z(3.0, [-1.0, 0.0, 1.0], scale=ONS_MAD_SCALE)
    assert (median, mad) == (0, 1)
    assert z == pytest.approx(3 / 1.4826)
    assert ons_explorer_band(z) == "above average"
    assert ons_explorer_band(-0.5) == "average"
    assert ons_explorer_band(-8) == "outlier"


def test_zero_mad_and_no_peers_are_refused():
    with pytest.raises(InsufficientData):
        mad_band(1.0, [2.0, 2.0, 2.0], Polarity.HIGHER_IS_BETTER)
    with pytest.raises(InsufficientData):
        mad_band(1.0, [], Polarity.HIGHER_IS_BETTER)


# --- rank -----------------------------------------------------------------------------------------------


def test_competition_ranking_with_ties():
    values = {"A": 10.0, "B": 12.0, "C": 12.0, "D": 8.0, "E": None}
    assert rank_among_peers(values, "B", Polarity.HIGHER_IS_BETTER).rank == 1
    c = rank_among_peers(values, "C", Polarity.HIGHER_IS_BETTER)
    assert (c.rank, c.of, c.tied_with, c.excluded) == (1, 4, ("B",), ("E",))
    assert rank_among_peers(values, "A", Polarity.HIGHER_IS_BETTER).rank == 3  # 1, 1, 3, 4
    assert rank_among_peers(values, "D", Polarity.LOWER_IS_BETTER).rank == 1
    assert rank_among_peers(values, "B", Polarity.LOWER_IS_BETTER).rank == 3
    assert rank_among_peers(values, "B", Polarity.NO_JUDGEMENT).rank == 1
    with pytest.raises(InsufficientData):
        rank_among_peers(values, "E", Polarity.HIGHER_IS_BETTER)


peer_values = st.dictionaries(
    st.text(min_size=1, max_size=4),
    st.integers(min_value=-50, max_value=50).map(float),
    min_size=1,
    max_size=12,
)


@given(peer_values, st.randoms(use_true_random=False), st.sampled_from(list(Polarity)))
def test_rank_is_permutation_invariant(values, rnd, polarity):
    items = list(values.items())
    rnd.shuffle(items)
    shuffled = dict(items)
    for area in values:
        assert (
            rank_among_peers(values, area, polarity).rank == rank_among_peers(shuffled, area, polarity).rank
        )


@given(peer_values, st.sampled_from(list(Polarity)))
def test_ranks_follow_the_1224_rule(values, polarity):
    ranks = sorted(rank_among_peers(values, a, polarity).rank for a in values)
    # each rank r is used by k areas and the next rank used is r + k
    assert ranks[0] == 1
    for i, r in enumerate(ranks):
        assert r == ranks.index(r) + 1 and r <= i + 1
