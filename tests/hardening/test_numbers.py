"""One strict rule for numbers, one value per key whatever the period's spelling, impossible values rejected with
the reason; on copies of real files, and property-tested with Hypothesis against the SQL the loader runs."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prosperity.periods import normalise_period
from prosperity.warehouse.build import build
from prosperity.warehouse.numbers import bounds_for, number_sql, parse_number
from tests.conftest import make_mirror
from tests.hardening.conftest import CC, rewrite

SMOKERS = "els/cigarette-smokers/cigarette-smokers.csv"
OBS, LCI, UCI, PERIOD = 5, 8, 9, 4


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    """One warehouse for the rejection tests (a rejected file changes no release): claimant count (%) and
    cigarette smokers (% with 95% intervals) copied; each test's changes are undone after it."""
    tmp = tmp_path_factory.mktemp("numbers")
    m = make_mirror(tmp / "mirror", copy=("els/claimant-count", "els/cigarette-smokers"))
    db = tmp / "w.duckdb"
    assert not build(db, mirror=m, assess=False).rejected
    return m, db, {p: (m / p).read_bytes() for p in (CC, SMOKERS)}


@pytest.fixture
def mirror_db(shared):
    m, db, originals = shared
    yield m, db
    for p, data in originals.items():
        (m / p).write_bytes(data)


def rejected(m: Path, db: Path, dataset: str = "els/claimant-count") -> str:
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}[dataset]
    assert res.status == "rejected", res
    return res.message


@pytest.mark.parametrize("text", ["3,9", "1,2,3", "3_1", "12,34", "1234,567", "1 234", ".5", "5.", "1e400", "--3"])
def test_numbers_that_break_the_rule_are_rejected(mirror_db, text: str):
    m, db = mirror_db
    rewrite(m / CC, lambda rows: rows[9].__setitem__(OBS, text))
    msg = rejected(m, db)
    assert msg.startswith(f"{CC}, row 10, column 'observation': {text!r} is not a number; expected a number")
    assert "groups of three" in msg


def test_the_same_period_written_two_ways_is_one_key(mirror_db):
    m, db = mirror_db

    def add(rows):
        row = list(rows[1])
        assert row[PERIOD].endswith("-01-01/P1Y")
        row[PERIOD] = row[PERIOD][:4]  # 2001-01-01/P1Y → 2001
        row[OBS] = str(float(row[OBS]) + 1)
        rows.append(row)

    rewrite(m / CC, add)
    msg = rejected(m, db)
    assert "duplicate key with different values" in msg and "(however it is written)" in msg
    assert msg.startswith(f"{CC}, row 2:") and "for period '2001'" in msg and "for period '2001-01-01/P1Y'" in msg


def test_identical_values_under_two_spellings_load_once(small):
    m, db = small

    def add(rows):
        row = list(rows[1])
        row[PERIOD], row[OBS] = row[PERIOD][:4], f"{float(row[OBS]):,}"
        rows.append(row)

    rewrite(m / CC, add)
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}["els/claimant-count"]
    assert res.status == "loaded" and (1, "identical duplicate rows") in res.set_aside


def test_a_negative_percentage_is_impossible(mirror_db):
    m, db = mirror_db
    rewrite(m / CC, lambda rows: rows[9].__setitem__(OBS, "-2.5"))
    assert rejected(m, db) == (f"{CC}, row 10, column 'observation': '-2.5' is impossible: a percentage cannot be "
                               "below 0")  # fmt: skip


def test_a_lower_limit_above_the_upper_is_impossible(mirror_db):
    m, db = mirror_db

    def swap(rows):
        rows[3][LCI], rows[3][UCI] = rows[3][UCI], rows[3][LCI]

    rewrite(m / SMOKERS, swap)
    msg = rejected(m, db, "els/cigarette-smokers")
    assert msg.startswith(f"{SMOKERS}, row 4, column 'lower 95% limit': ") and "lower 95% limit is above the upper" in msg


@pytest.mark.parametrize("period, words", [
    ("2001-01-01/P0Y", "length zero"),
    ("2001-01-01/P9999999999D", "after the year 9999"),
    ("2001-02-30/P1Y", "is not a date"),
])  # fmt: skip
def test_impossible_periods_are_located(mirror_db, period: str, words: str):
    m, db = mirror_db
    rewrite(m / CC, lambda rows: rows[6].__setitem__(PERIOD, period))
    msg = rejected(m, db)
    assert msg.startswith(f"{CC}, row 7, column 'period': {period!r}") and words in msg


def test_a_second_observation_column_is_rejected(mirror_db):
    m, db = mirror_db
    rewrite(m / CC, lambda rows: [r.append("observation" if i == 0 else "1") for i, r in enumerate(rows)])
    msg = rejected(m, db)
    assert msg.startswith(f"{CC}, row 1:") and "'observation' appear more than once" in msg


def test_a_second_observation_column_in_another_case_is_rejected(mirror_db):
    m, db = mirror_db
    rewrite(m / CC, lambda rows: [r.append("Observation" if i == 0 else "1") for i, r in enumerate(rows)])
    assert "appear more than once" in rejected(m, db)


# ---- properties ------------------------------------------------------------------------------------------------
_CON = duckdb.connect()


def sql_number(text: str) -> float | None:
    row = _CON.execute(f"SELECT CASE WHEN isfinite(v) THEN v END FROM (SELECT {number_sql('$t')} AS v)",
                       {"t": text}).fetchone()  # fmt: skip
    return row[0]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789,._-+eE ", max_size=14))
def test_python_and_sql_apply_the_same_rule(text: str):
    assert parse_number(text) == sql_number(text)


@settings(deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(min_value=0, max_value=6))
def test_every_correctly_grouped_number_reads_back(n: int, places: int):
    value = n / 10**places
    text = f"{value:,.{places}f}"
    assert parse_number(text) == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert sql_number(text) == parse_number(text)


@settings(deadline=None)
@given(st.integers(min_value=1000, max_value=10**12), st.data())
def test_a_separator_out_of_place_is_never_a_number(n: int, data: st.DataObject):
    digits = str(n)
    cut = data.draw(st.integers(min_value=1, max_value=len(digits) - 1))
    text = digits[:cut] + "," + digits[cut:]
    if (len(digits) - cut) % 3 == 0 and cut <= 3 and len(digits) - cut == 3:
        return  # a correct separator: 1,234
    assert parse_number(text) is None and sql_number(text) is None
    assert parse_number(digits[:cut] + "_" + digits[cut:]) is None


@given(st.integers(min_value=1000, max_value=9998))
def test_a_year_and_its_interval_are_one_period(year: int):
    assert normalise_period(str(year)) == normalise_period(f"{year}-01-01/P1Y") == f"{year}-01-01/P1Y"


@given(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_no_negative_share_passes(value: float):
    b = bounds_for("%", "Percentage", "Claimant Count")
    assert b is not None and value < b.low
    assert bounds_for("%", "Percentage change", None) is None  # a change may be negative


def test_parse_number_examples():
    assert parse_number(" 1,234,567.25 ") == 1234567.25 and parse_number("-0.5e3") == -500
