"""Deprivation summaries for any set of LSOAs, by MHCLG's method for the Indices of Deprivation area summaries.

MHCLG publishes, for every local authority district and for the IMD, each domain and the two supplementary
indices, six summary measures (The English Indices of Deprivation 2019, Research report, section 3 and
Technical report, Appendix N "Summary measures"). Five of them follow from each LSOA's rank and population;
the sixth needs the LSOA scores:

* **average rank**: the population-weighted mean of the LSOA ranks, the ranks reversed "such that the most
  deprived LSOA is given the rank of 32,844" (so a higher average is more deprived);
* **average score**: the population-weighted mean of the LSOA scores (needs the scores: File 5);
* **proportion of LSOAs in the most deprived 10% nationally**: a count of LSOAs, not of people;
* **extent**: the share of the population living in the most deprived LSOAs, weighted: "the population
  living in the most deprived 11 to 30 per cent of Lower-layer Super Output Areas receive a sliding weight,
  ranging from 0.95 for those in the most deprived eleventh percentile, to 0.05 for those in the most
  deprived thirtieth percentile ... decreases by (0.95-0.05)/19 for each of the subsequent nineteen
  percentiles ... and zero for areas outside the most deprived 30 per cent" (Technical report, Appendix N);
  the most deprived 10% have weight 1;
* **local concentration**: the population-weighted average (reversed) rank of the area's most deprived LSOAs
  that together contain exactly 10% of its population (the last LSOA counted in part).

The population weights are the mid-2015 denominators of File 6: total population for the IMD and every
domain except the Employment domain, which uses the working-age population (18-59/64); the supplementary
indices use children aged 0-15 (IDACI) and people aged 60 and over (IDAOPI). Percentiles and deciles are of
the national ranking: an LSOA of rank r (1 = most deprived) of N is in percentile ⌈100r/N⌉ and decile
⌈10r/N⌉, which is how the published deciles are cut (rank 3,284 is the last of decile 1 of 32,844).

The same function summarises any set of LSOAs: a local authority, a combined authority, a custom group.
Both the average rank and the share of LSOAs in the most deprived decile are given, as in the Indices of
Deprivation's own local authority summaries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from prosperity.methods._types import InsufficientData, MethodError, MethodResult

SOURCE_IOD = (
    "MHCLG, The English Indices of Deprivation 2019: Research report (section 3, area summaries) and "
    "Technical report (Appendix N, summary measures): average rank, average score, proportion of LSOAs in the "
    "most deprived 10% nationally, extent, local concentration"
)
#: Number of LSOAs ranked in the IoD2019 (2011 LSOAs) and the IoD2025 (2021 LSOAs).
IOD2019_LSOAS = 32_844
IOD2025_LSOAS = 33_755
MOST_DEPRIVED_DECILE = 1
#: Extent: full weight up to this percentile, a sliding weight from 0.95 to 0.05 up to the 30th, then zero.
EXTENT_FULL_WEIGHT_PERCENTILE = 10
EXTENT_LAST_PERCENTILE = 30
EXTENT_FIRST_SLIDING_WEIGHT = 0.95
EXTENT_LAST_SLIDING_WEIGHT = 0.05
#: Local concentration: the most deprived LSOAs holding this share of the area's population.
LOCAL_CONCENTRATION_SHARE = 0.10


@dataclass(frozen=True)
class LsoaRecord:
    code: str
    rank: int  # 1 = most deprived
    decile: int  # 1 = most deprived 10%
    population: float  # the domain's population weight
    score: float | None = None


@dataclass(frozen=True, kw_only=True)
class DeprivationSummary(MethodResult):
    lsoas: int
    national_lsoas: int
    population: float
    lsoas_in_most_deprived_decile: int
    share_in_most_deprived_decile: float
    population_in_most_deprived_decile: float
    population_share_in_most_deprived_decile: float
    #: population-weighted mean of the published ranks (1 = most deprived; lower is more deprived)
    population_weighted_mean_rank: float
    #: MHCLG "average rank": population-weighted mean of N + 1 − rank (higher is more deprived)
    average_rank: float
    #: MHCLG "average score": population-weighted mean score; None unless every LSOA has a score
    average_score: float | None
    #: MHCLG "extent": weighted share of the population in the most deprived 30% of LSOAs (0 to 1)
    extent: float
    #: MHCLG "local concentration": mean reversed rank of the most deprived LSOAs holding 10% of the people
    local_concentration: float


def national_percentile(rank: int, national_lsoas: int) -> int:
    """The national percentile (1 = most deprived 1%) of an LSOA ranked ``rank`` of ``national_lsoas``."""
    return math.ceil(100 * rank / national_lsoas)


def extent_weight(rank: int, national_lsoas: int) -> float:
    """The Appendix N weight of an LSOA's population in the extent measure."""
    p = national_percentile(rank, national_lsoas)
    if p <= EXTENT_FULL_WEIGHT_PERCENTILE:
        return 1.0
    if p <= EXTENT_LAST_PERCENTILE:
        step = (EXTENT_FIRST_SLIDING_WEIGHT - EXTENT_LAST_SLIDING_WEIGHT) / (
            EXTENT_LAST_PERCENTILE - EXTENT_FULL_WEIGHT_PERCENTILE - 1
        )
        return EXTENT_FIRST_SLIDING_WEIGHT - step * (p - EXTENT_FULL_WEIGHT_PERCENTILE - 1)
    return 0.0


def deprivation_summary(records: Sequence[LsoaRecord], national_lsoas: int) -> DeprivationSummary:
    """MHCLG's summary measures for a set of LSOAs. ``national_lsoas`` is the number ranked (e.g. 32,844);
    each record's ``population`` is the weight for the index or domain summarised (see the module docstring)."""
    if not records:
        raise InsufficientData("no LSOAs to summarise")
    codes = [r.code for r in records]
    if len(set(codes)) != len(codes):
        raise MethodError("an LSOA appears more than once")
    for r in records:
        if not 1 <= r.rank <= national_lsoas or not 1 <= r.decile <= 10 or r.population < 0:
            raise MethodError(f"LSOA {r.code}: rank, decile or population out of range")
    population = sum(r.population for r in records)
    if population <= 0:
        raise InsufficientData("the LSOAs have no population to weight by")
    deprived = [r for r in records if r.decile == MOST_DEPRIVED_DECILE]
    deprived_pop = sum(r.population for r in deprived)
    mean_rank = sum(r.rank * r.population for r in records) / population
    scored = all(r.score is not None for r in records)
    average_score = sum(r.score * r.population for r in records) / population if scored else None  # type: ignore[operator]
    extent = sum(extent_weight(r.rank, national_lsoas) * r.population for r in records) / population
    need, taken, weighted = LOCAL_CONCENTRATION_SHARE * population, 0.0, 0.0
    for r in sorted(records, key=lambda r: r.rank):
        part = min(r.population, need - taken)
        if part <= 0:
            break
        weighted += (national_lsoas + 1 - r.rank) * part
        taken += part
    return DeprivationSummary(
        method="iod-area-summary",
        source=SOURCE_IOD,
        lsoas=len(records),
        national_lsoas=national_lsoas,
        population=population,
        lsoas_in_most_deprived_decile=len(deprived),
        share_in_most_deprived_decile=len(deprived) / len(records),
        population_in_most_deprived_decile=deprived_pop,
        population_share_in_most_deprived_decile=deprived_pop / population,
        population_weighted_mean_rank=mean_rank,
        average_rank=national_lsoas + 1 - mean_rank,
        average_score=average_score,
        extent=extent,
        local_concentration=weighted / taken,
    )
