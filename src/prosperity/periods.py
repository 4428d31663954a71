"""Periods as ONS publishes them: ISO 8601 dates and start/duration intervals.

A period is stored as text in one canonical form:

- an interval ``YYYY-MM-DD/PnY`` or ``YYYY-MM-DD/PnM`` or ``YYYY-MM-DD/PnD`` (``2023-01-01/P1Y`` is calendar 2023,
  ``2024-04-01/P1Y`` the financial year 2024/25, ``2022-01-01/P3Y`` the three years 2022 to 2024);
- an instant ``YYYY-MM-DD`` (a count taken on a day, such as broadband coverage in January 2026).

Older files give plain years (``1998``); :func:`normalise_period` turns them into ``1998-01-01/P1Y``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

_INTERVAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})/P(\d+)([YMD])$")
_INSTANT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_FINANCIAL_YEAR = re.compile(r"^(\d{4})[-/](\d{2}|\d{4})$")

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Period:
    """A parsed period: ``start`` inclusive, ``end`` exclusive (equal for an instant)."""

    text: str
    start: date
    end: date
    count: int | None = None
    unit: str | None = None  # "Y", "M" or "D"; None for an instant

    @property
    def label(self) -> str:
        return period_label(self.text)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, d.day)


def normalise_period(raw: str) -> str:
    """Return the canonical text of a period, or raise ``ValueError`` saying what was expected.

    >>> normalise_period("1998")
    '1998-01-01/P1Y'
    >>> normalise_period("2023-01-01/P1Y")
    '2023-01-01/P1Y'
    >>> normalise_period("2019/20")
    '2019-04-01/P1Y'
    """
    text = (raw or "").strip()
    if _INTERVAL.match(text) or _INSTANT.match(text):
        parse_period(text)  # checks the date is real, the length not zero and the end not beyond the year 9999
        return text
    if m := _YEAR.match(text):
        return f"{m.group(1)}-01-01/P1Y"
    if m := _FINANCIAL_YEAR.match(text):
        start = int(m.group(1))
        end = int(m.group(2))
        if end % 100 == (start + 1) % 100:
            return f"{start}-04-01/P1Y"
    raise ValueError(
        f"{raw!r} is not a period; expected an ISO 8601 date or interval such as "
        "'2023-01-01/P1Y' or '2025-03-15', or a year such as '2023'"
    )


@lru_cache(maxsize=65536)  # a pure function of the text, and Period is immutable: assessing every area asks often
def parse_period(text: str) -> Period:
    """Parse a canonical period (see :func:`normalise_period`).

    Raises ``ValueError`` saying what is wrong for a date that does not exist (``2023-02-30``), an interval of
    length zero (``2023-01-01/P0Y``) or one ending after the year 9999 (``2023-01-01/P9999999999D``).
    """
    if m := _INTERVAL.match(text):
        start = _real_date(text, m)
        count, unit = int(m.group(4)), m.group(5)
        if count == 0:
            raise ValueError(f"{text!r} is a period of length zero; expected a duration of at least one "
                             f"{ {'Y': 'year', 'M': 'month', 'D': 'day'}[unit]}")  # fmt: skip
        try:
            if unit == "Y":
                end = _add_months(start, 12 * count)
            elif unit == "M":
                end = _add_months(start, count)
            else:
                end = start + timedelta(days=count)
        except (OverflowError, ValueError):
            raise ValueError(f"{text!r} is not a period: it would end after the year 9999") from None
        return Period(text, start, end, count, unit)
    if m := _INSTANT.match(text):
        d = _real_date(text, m)
        return Period(text, d, d)
    raise ValueError(f"{text!r} is not a canonical period")


def _real_date(text: str, m: re.Match[str]) -> date:
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as e:
        raise ValueError(f"{text!r} is not a period: {m.group(1)}-{m.group(2)}-{m.group(3)} is not a date ({e})") from None


def period_label(text: str) -> str:
    """A short label for people: ``2023``, ``2024/25``, ``2020 to 2022``, ``Jul 2023``, ``15 Mar 2025``."""
    try:
        p = parse_period(text)
    except ValueError:
        return text
    s = p.start
    if p.unit is None:
        return f"{s.day} {_MONTHS[s.month - 1]} {s.year}"
    if p.unit == "Y":
        if p.count == 1:
            if (s.month, s.day) == (1, 1):
                return str(s.year)
            return f"{s.year}/{(s.year + 1) % 100:02d}"
        last = p.end.year - 1 if (s.month, s.day) == (1, 1) else p.end.year
        if (s.month, s.day) == (1, 1):
            return f"{s.year} to {last}"
        return f"{s.year}/{(s.year + 1) % 100:02d} to {last - 1}/{last % 100:02d}"
    if p.unit == "M":
        if p.count == 1:
            return f"{_MONTHS[s.month - 1]} {s.year}"
        last = p.end - timedelta(days=1)
        return f"{_MONTHS[s.month - 1]} {s.year} to {_MONTHS[last.month - 1]} {last.year}"
    last = p.end - timedelta(days=1)
    if p.count == 1:
        return f"{s.day} {_MONTHS[s.month - 1]} {s.year}"
    return f"{s.day} {_MONTHS[s.month - 1]} {s.year} to {last.day} {_MONTHS[last.month - 1]} {last.year}"
