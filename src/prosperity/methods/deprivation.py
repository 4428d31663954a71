"""Deprivation summaries for any set of LSOAs, as MHCLG summarises the Indices of Deprivation.

MHCLG's area summaries (IoD2019 Research report and Technical report; the definition as published with
the IoD2010 summaries on opendatacommunities.org): "the summary measure is calculated by averaging all of
the LSOA ranks in each local authority district. For the purpose of calculation, LSOAs are ranked such
that the most deprived LSOA is given the rank of 32,482 [32,844 in IoD2019]. The LSOA ranks are
population weighted within a local authority district." The "proportion of LSOAs in the most deprived
10% nationally" counts LSOAs (not people) in decile 1. Reference §14.5 asks for both for IMD aggregation.

Published LSOA ranks run from 1 = most deprived; the MHCLG average rank therefore uses
``N + 1 − rank`` so that a higher average means more deprived. Both orientations are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prosperity.methods._types import InsufficientData, MethodError, MethodResult

SOURCE_IOD = (
    "MHCLG English Indices of Deprivation 2019 Research report and Technical report, area summary "
    "measures 'average rank' and 'proportion of LSOAs in most deprived 10% nationally'; reference §14.5"
)
#: Number of LSOAs ranked in the IoD2019 (2011 LSOAs) and the IoD2025 (2021 LSOAs).
IOD2019_LSOAS = 32_844
IOD2025_LSOAS = 33_755
MOST_DEPRIVED_DECILE = 1


@dataclass(frozen=True)
class LsoaRecord:
    code: str
    rank: int  # 1 = most deprived
    decile: int  # 1 = most deprived 10%
    population: float


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


def deprivation_summary(records: Sequence[LsoaRecord], national_lsoas: int) -> DeprivationSummary:
    """Summarise a set of LSOAs. ``national_lsoas`` is the number ranked nationally (e.g. 32,844)."""
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
    )
