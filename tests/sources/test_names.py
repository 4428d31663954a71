"""Area names as publishers write them, resolved to GSS codes through the register; unmatched names reported."""

from __future__ import annotations

import duckdb
import pytest

from prosperity.sources.names import LOCAL_AUTHORITY_LEVELS, AreaNames, Entry, name_key


@pytest.fixture(scope="module")
def names(reference_db) -> AreaNames:
    con = duckdb.connect(str(reference_db), read_only=True)
    try:
        return AreaNames.from_warehouse(con)
    finally:
        con.close()


@pytest.mark.parametrize(("written", "code"), [
    ("ST. HELENS", "E08000013"),            # Ofcom: upper case, "St."
    ("St Helens", "E08000013"),
    ("Kingston upon Hull, City of", "E06000010"),   # ONS's inverted form
    ("KINGSTON UPON HULL", "E06000010"),
    ("Brighton & Hove", "E06000043"),
    ("Bristol, City of", "E06000023"),
    ("Shepway", "E07000112"),               # former name of Folkestone and Hythe (same code)
    ("Rhondda Cynon Taff", "W06000016"),
    ("Liverpool", "E08000012"),
    ("Halton", "E06000006"),
])  # fmt: skip
def test_publishers_spellings_resolve(names, written, code):
    assert names.resolve(written) == code


def test_levels_keep_a_district_from_matching_a_parish_or_constituency(names):
    assert names.resolve("Preston") == "E07000123"  # the district, not the parish or the constituency
    assert names.resolve("Liverpool City Region", ["combined-authority"]) == "E47000004"
    assert names.resolve("Liverpool City Region") is None  # not a local authority


def test_every_unmatched_name_is_reported(names):
    res = names.resolve_all(["Liverpool", "Wirral", "Atlantis", "Liverpool City Region-LSIP", "Liverpool"])
    assert res.codes == {"Liverpool": "E08000012", "Wirral": "E08000015"}
    assert res.unmatched == ["Atlantis", "Liverpool City Region-LSIP"]
    msg = res.message("aps-nomis/T19.xlsx")
    assert msg.startswith("aps-nomis/T19.xlsx: 2 area names not in the area register")
    assert "'Atlantis'" in msg and "'Liverpool City Region-LSIP'" in msg


def test_ambiguous_names_are_reported_not_guessed():
    idx = AreaNames([Entry("Newport", "W06000022", "unitary-authority"), Entry("Newport", "E07999999", "district")])
    res = idx.resolve_all(["Newport"], LOCAL_AUTHORITY_LEVELS)
    assert res.codes == {} and res.ambiguous == {"Newport": ["E07999999", "W06000022"]}
    assert "more than one area" in res.message("f.csv")


def test_a_current_area_wins_over_an_ended_one_of_the_same_name():
    idx = AreaNames([Entry("Bournemouth", "E06000028", "unitary-authority", ended=True),
                     Entry("Bournemouth", "E06000058", "unitary-authority")])  # fmt: skip
    assert idx.resolve("BOURNEMOUTH") == "E06000058"


def test_name_key_rules():
    assert name_key("King's Lynn and West Norfolk") == name_key("Kings Lynn & West Norfolk")
    assert name_key("Stoke-on-Trent") == name_key("STOKE ON TRENT")
    assert name_key("  Bristol,  City   of ") == "city of bristol"


def test_the_code_current_for_the_period_wins():
    """One name, two codes (a boundary change): recorded years rule a code out for a period; among the rest a code
    in use wins over an ended one, and the register's current code over one it lists only as former."""
    idx = AreaNames([Entry("Fife", "S12000015", "council-area", ended=True, end_year=2017),
                     Entry("Fife", "S12000047", "council-area"),
                     Entry("Gateshead", "E08000020", "metropolitan-district", former=True),
                     Entry("Gateshead", "E08000037", "metropolitan-district"),
                     Entry("Newtown", "E07000901", "non-metropolitan-district", end_year=2019, ended=True),
                     Entry("Newtown", "E07000902", "non-metropolitan-district", start_year=2020)])  # fmt: skip
    assert idx.resolve("Fife", year=2021) == "S12000047"
    assert idx.resolve("Fife") == "S12000047"
    assert idx.resolve("Gateshead", year=2012) == idx.resolve("Gateshead") == "E08000037"
    assert idx.resolve("Newtown", year=2018) == "E07000901"  # the new code did not exist yet
    assert idx.resolve("Newtown", year=2021) == "E07000902"
    res = idx.resolve_all(["Newtown"], year=None)
    assert res.codes == {"Newtown": "E07000902"}


def test_authorities_with_old_and_new_codes_resolve_on_the_real_register(names):
    """The register keeps former GSS codes (boundary changes) beside current ones, with no end year; ONS's
    geography gives end years for some (Fife's S12000015 ended 2017). Each name resolves to one code."""
    expected = {"East Hertfordshire": "E07000242", "St Albans": "E07000240", "Stevenage": "E07000243",
                "Welwyn Hatfield": "E07000241", "Gateshead": "E08000037", "Northumberland": "E06000057",
                "East Dunbartonshire": "S12000045", "Fife": "S12000047", "Glasgow City": "S12000049",
                "North Lanarkshire": "S12000050", "Perth and Kinross": "S12000048"}  # fmt: skip
    for year in (2017, 2019, 2022):
        res = names.resolve_all(expected, year=year)
        assert res.codes == expected and not res.ambiguous and not res.unmatched, year
