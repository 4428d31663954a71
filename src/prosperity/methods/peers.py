"""Position among peers: rank with ties, and robust z-score (MADs from the median) bands with phrases.

* Rank: competition ranking ("1224"): an area's rank is 1 + the number of peers strictly better than it,
  so tied areas share the best rank of their group and the next rank is skipped. Rank 1 is the best
  value by polarity (highest when higher is better, lowest when lower is better); with no judgement, rank
  1 is the highest value.
* Robust z-score: ``(x − median) / (scale · MAD)`` across the peers. Oflog's
  ``MADs_from_median`` uses the raw MAD (scale 1, checked against the prototype's published data); the ONS
  Subnational Indicators Explorer scales the MAD by 1.4826 (in its published R script). Polarity flips the sign so
  that positive is better, as the ONS script negates values of negative polarity.
* Oflog phrases (the automated-text prototype's rules table): ±0.5 / 1.5 / 3 / 7.5 MADs → "broadly similar to",
  "slightly better than", "better than", "much better than" (and worse); beyond ±7.5 the sentence is
  written by hand. With no judgement, Oflog's higher/lower phrases are used.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from prosperity.methods._types import InsufficientData, MethodError, MethodResult, Polarity, require_finite
from prosperity.methods.thresholds import MAD_OUTLIER_LIMIT, OFLOG_BANDS, OFLOG_MAD_SCALE, ONS_AVERAGE_BAND

SOURCE_RANK = "standard competition ranking ('1224'), direction by polarity (Fingertips/LG Inform polarity)"
SOURCE_OFLOG = (
    "Oflog automated-text prototype (public code: communitiesuk/oflog-automated-text, its rules table and "
    "page); ONS Subnational Indicators Explorer (public code: ONSvisual/subnational-indicators, its R script "
    "and configuration)"
)


@dataclass(frozen=True, kw_only=True)
class PeerRank(MethodResult):
    area: str
    value: float
    rank: int
    of: int
    tied_with: tuple[str, ...]
    polarity: Polarity
    rule: str
    excluded: tuple[str, ...]


def _values(values: Mapping[str, float | None]) -> tuple[dict[str, float], tuple[str, ...]]:
    kept, excluded = {}, []
    for code, v in values.items():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            excluded.append(code)
        else:
            kept[code] = require_finite(f"value for {code}", v)
    return kept, tuple(sorted(excluded))


def rank_among_peers(values: Mapping[str, float | None], area: str, polarity: Polarity) -> PeerRank:
    """Rank ``area`` among ``values`` (peers, including the area). Peers without a value are excluded."""
    kept, excluded = _values(values)
    if area not in kept:
        raise InsufficientData(f"{area} has no value to rank")
    x = kept[area]
    low_first = polarity is Polarity.LOWER_IS_BETTER
    better = sum(1 for v in kept.values() if (v < x if low_first else v > x))
    ties = tuple(sorted(c for c, v in kept.items() if v == x and c != area))
    direction = "lowest" if low_first else "highest"
    return PeerRank(
        method="competition-rank-1224",
        source=SOURCE_RANK,
        area=area,
        value=x,
        rank=1 + better,
        of=len(kept),
        tied_with=ties,
        polarity=polarity,
        rule=f"rank 1 is the {direction} value; tied areas share the best rank of their group (1224)",
        excluded=excluded,
    )


@dataclass(frozen=True, kw_only=True)
class MadBand(MethodResult):
    value: float
    median: float
    mad: float
    scale: float
    #: signed robust z-score of the raw value, (x − median)/(scale·MAD)
    mads_from_median: float
    #: the same, with the sign flipped for lower-is-better so that positive is better
    score: float
    polarity: Polarity
    band_lower: float
    band_upper: float
    #: Oflog's phrase, or None beyond ±7.5 MADs where Oflog writes the sentence by hand
    phrase: str | None
    needs_manual_text: bool
    peers_used: int


def robust_z(
    value: float, peer_values: list[float], scale: float = OFLOG_MAD_SCALE
) -> tuple[float, float, float]:
    """``(z, median, MAD)``, ``z = (value − median) / (scale · MAD)``, MAD the median absolute deviation."""
    if not peer_values:
        raise InsufficientData("no peer values to compare with")
    median = statistics.median(peer_values)
    mad = statistics.median(abs(v - median) for v in peer_values)
    if mad == 0:
        raise InsufficientData(
            "the median absolute deviation of the peers is zero, so no robust z-score exists"
        )
    return (value - median) / (scale * mad), median, mad


def mad_band(
    value: float,
    peer_values: Mapping[str, float | None] | list[float],
    polarity: Polarity,
    *,
    scale: float = OFLOG_MAD_SCALE,
) -> MadBand:
    """Oflog's phrase for where ``value`` sits against the peers' median, in MADs from the median.

    A score x falls in the band with ``lower <= x < upper`` (Oflog's ``+page.svelte``).
    """
    value = require_finite("value", value)
    peers = list(_values(peer_values)[0].values()) if isinstance(peer_values, Mapping) else list(peer_values)
    z, median, mad = robust_z(value, peers, scale)
    score = -z if polarity is Polarity.LOWER_IS_BETTER else z
    for lower, upper, judged, neutral in OFLOG_BANDS:
        if lower <= score < upper:
            phrase = neutral if polarity is Polarity.NO_JUDGEMENT else judged
            break
    else:  # pragma: no cover - the bands cover the real line
        raise MethodError(f"no band for score {score}")
    return MadBand(
        method="oflog-mads-from-median" if scale == OFLOG_MAD_SCALE else "ons-robust-z",
        source=SOURCE_OFLOG,
        value=value,
        median=median,
        mad=mad,
        scale=scale,
        mads_from_median=z,
        score=score,
        polarity=polarity,
        band_lower=lower,
        band_upper=upper,
        phrase=phrase,
        needs_manual_text=phrase is None,
        peers_used=len(peers),
    )


def ons_explorer_band(score: float) -> str:
    """The ONS explorer's bands of a polarity-adjusted, 1.4826-scaled robust z-score.

    Within ±1 → "average"; above → "above average"; below → "below average"; beyond ±7.5 → "outlier"
    (``app/config.json``: ``threshold: 1``, ``tickBands [-7.5, -1, 0, 1, 7.5]``, ``outlierLimits ±7.5``).
    """
    if abs(score) > MAD_OUTLIER_LIMIT:
        return "outlier"
    if score > ONS_AVERAGE_BAND:
        return "above average"
    if score < -ONS_AVERAGE_BAND:
        return "below average"
    return "average"
