"""Periods as ONS publishes them, and stable indicator ids."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosperity.periods import normalise_period, parse_period, period_label
from prosperity.sources.base import slugify


@pytest.mark.parametrize(
    ("raw", "canon", "label"),
    [
        ("2023-01-01/P1Y", "2023-01-01/P1Y", "2023"),
        ("1998", "1998-01-01/P1Y", "1998"),
        ("2024-04-01/P1Y", "2024-04-01/P1Y", "2024/25"),
        ("2019/20", "2019-04-01/P1Y", "2019/20"),
        ("2022-01-01/P3Y", "2022-01-01/P3Y", "2022 to 2024"),
        ("2023-07-01/P1M", "2023-07-01/P1M", "Jul 2023"),
        ("2025-03-15", "2025-03-15", "15 Mar 2025"),
        ("2019-08-01/P1Y", "2019-08-01/P1Y", "2019/20"),
    ],
)
def test_periods(raw, canon, label):
    assert normalise_period(raw) == canon
    assert period_label(canon) == label


@pytest.mark.parametrize("bad", ["", "2023-13-01/P1Y", "23", "2023-01-01/1Y", "last year", "2019/22"])
def test_bad_periods_say_what_was_expected(bad):
    with pytest.raises(ValueError, match="expected an ISO 8601|not a period|month must be"):
        normalise_period(bad)


def test_interval_ends():
    p = parse_period("2022-01-01/P3Y")
    assert (p.start, p.end) == (date(2022, 1, 1), date(2025, 1, 1))
    fy = parse_period("2024-04-01/P1Y")
    assert fy.end == date(2025, 4, 1)


@given(st.integers(min_value=1900, max_value=2100))
def test_plain_years_round_trip(year):
    canon = normalise_period(str(year))
    assert period_label(canon) == str(year)
    assert parse_period(canon).start == date(year, 1, 1)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Gross value added per hour worked", "gross-value-added-per-hour-worked"),
        ("Level 3 or above qualifications (Great Britain)", "level-3-or-above-qualifications-great-britain"),
        ("Claimant Count", "claimant-count"),
        ("Pupils meeting the expected standard in reading, writing and maths",
         "pupils-meeting-the-expected-standard-in-reading-writing-and-maths"),
    ],
)
def test_indicator_ids_are_slugs_of_publisher_names(name, slug):
    assert slugify(name) == slug


@given(st.text())
def test_slugs_are_clean(text):
    s = slugify(text)
    assert s == s.strip("-") and "--" not in s and all(c.isascii() and (c.isalnum() or c == "-") for c in s)


@pytest.mark.parametrize(
    "module",
    ["prosperity.warehouse.loading", "prosperity.sources.els", "prosperity.warehouse.build", "prosperity.assess.run",
     "prosperity.framework", "prosperity.methods", "prosperity.cli"],
)
def test_every_module_imports_first(module):
    """A notebook may import any module first: no import cycle may break that."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
