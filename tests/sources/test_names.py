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
