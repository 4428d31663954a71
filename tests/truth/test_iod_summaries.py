"""MHCLG's local authority summaries of the Indices of Deprivation 2019, rebuilt from the LSOA files.

Published figures reproduced (MHCLG, English Indices of Deprivation 2019, File 10 "Local Authority District
Summaries (lower-tier)", as quoted in):
* Manchester City Council, "Indices of Deprivation 2019: A measure of Manchester's relative level of
  deprivation" (Performance, Research & Intelligence, 2019), slide 2: the ten most deprived districts on the
  rank of average rank are, in order, Blackpool, Manchester, Knowsley, Liverpool, Barking and Dagenham,
  Birmingham, Hackney, Sandwell, Hull, Nottingham; Manchester is 2nd on the rank of extent, 5th on the rank of
  the proportion of LSOAs in the most deprived decile and 13th on the rank of local concentration; 122 of
  Manchester's 282 LSOAs are in the most deprived 10%.
* MHCLG, English Indices of Deprivation 2019, Statistical Release (26 September 2019), key findings: Middlesbrough,
  Liverpool, Knowsley, Kingston upon Hull and Manchester have the highest proportions of neighbourhoods among the
  most deprived in England.
* The mirror's README: Liverpool has 298 LSOAs, 145 of them in England's most deprived decile.
The average score and the supplementary indices (IDACI, IDAOPI) need Files 3 and 5, which the mirror does not
hold; they are not reproduced.
"""

from __future__ import annotations

import pytest

from prosperity.methods import IOD2019_LSOAS, LsoaRecord, deprivation_summary

from .conftest import LCR_MEMBERS

IMD = "Index of Multiple Deprivation"
MANCHESTER, LIVERPOOL, KNOWSLEY = "E08000003", "E08000012", "E08000011"


@pytest.fixture(scope="module")
def imd(assessor):
    return assessor.deprivation_summaries(IMD)


def _ranked(summaries, measure: str) -> list[str]:
    """Districts from most to least deprived by a measure (higher average rank/extent/... is more deprived)."""
    return sorted(summaries, key=lambda la: -getattr(summaries[la], measure))


def test_317_districts_of_2019(imd):
    assert len(imd) == 317
    assert sum(s.lsoas for s in imd.values()) == IOD2019_LSOAS


def test_rank_of_average_rank_top_ten(imd, assessor):
    top = [assessor.name(la) for la in _ranked(imd, "average_rank")[:10]]
    assert top == ["Blackpool", "Manchester", "Knowsley", "Liverpool", "Barking and Dagenham", "Birmingham",
                   "Hackney", "Sandwell", "Kingston upon Hull, City of", "Nottingham"]


def test_manchesters_published_ranks(imd):
    def rank(measure: str) -> int:
        return _ranked(imd, measure).index(MANCHESTER) + 1

    assert rank("average_rank") == 2
    assert rank("extent") == 2
    assert rank("share_in_most_deprived_decile") == 5
    assert rank("local_concentration") == 13
    m = imd[MANCHESTER]
    assert (m.lsoas, m.lsoas_in_most_deprived_decile) == (282, 122)


def test_highest_proportions_in_the_most_deprived_decile(imd, assessor):
    top = [assessor.name(la) for la in _ranked(imd, "share_in_most_deprived_decile")[:5]]
    assert top == ["Middlesbrough", "Liverpool", "Knowsley", "Kingston upon Hull, City of", "Manchester"]
    assert (imd[LIVERPOOL].lsoas, imd[LIVERPOOL].lsoas_in_most_deprived_decile) == (298, 145)


def test_employment_domain_is_weighted_by_working_age_people(assessor, wh):
    emp = assessor.lsoa_records("Employment")[KNOWSLEY]
    one = emp[0]
    working_age = wh.con.execute(
        "SELECT value FROM latest_observations WHERE indicator_id = 'iod2019-population' AND area_code = $c "
        "AND breakdown = 'Working age 18-59/64'", {"c": one.code}).fetchone()[0]
    total = wh.con.execute(
        "SELECT value FROM latest_observations WHERE indicator_id = 'iod2019-population' AND area_code = $c "
        "AND breakdown = 'Total'", {"c": one.code}).fetchone()[0]
    assert one.population == working_age != total
    income = {r.code: r.population for r in assessor.lsoa_records("Income")[KNOWSLEY]}
    assert income[one.code] == total


def test_the_same_code_summarises_the_combined_authority(assessor, imd):
    group = assessor.deprivation_summaries(IMD, {"lcr": LCR_MEMBERS})["lcr"]
    parts = [imd[la] for la in LCR_MEMBERS]
    assert group.lsoas == sum(p.lsoas for p in parts) == 989
    assert group.lsoas_in_most_deprived_decile == sum(p.lsoas_in_most_deprived_decile for p in parts) == 335
    # the average rank of the group is the population-weighted mean of its districts' average ranks
    assert group.average_rank == pytest.approx(sum(p.average_rank * p.population for p in parts)
                                               / sum(p.population for p in parts))
    records = [r for la in LCR_MEMBERS for r in assessor.lsoa_records(IMD)[la]]
    assert deprivation_summary(records, IOD2019_LSOAS) == group


def test_local_concentration_counts_exactly_ten_per_cent_of_people():
    # Three LSOAs of 100 people; 10% of 300 is 30 people, all from the most deprived LSOA (rank 1).
    records = [LsoaRecord("a", 1, 1, 100.0), LsoaRecord("b", 20000, 7, 100.0), LsoaRecord("c", 30000, 10, 100.0)]
    s = deprivation_summary(records, IOD2019_LSOAS)
    assert s.local_concentration == IOD2019_LSOAS  # reversed rank of rank 1
    # Extent (Technical report Appendix N): weight 1 up to the 10th percentile, 0.95 at the 11th ... 0 after 30th.
    assert s.extent == pytest.approx(1 / 3)
