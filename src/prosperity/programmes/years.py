"""Financial years and reporting rounds, as UK public bodies count them.

A financial year runs from 1 April to 31 March and is written ``2025-26``. A reporting round is a half-year
(``2025-26-H1``: April to September; ``2025-26-H2``: October to March), as the Towns Fund returns use, or a
quarter (``2025-26-Q1`` … ``Q4``), as the Pathfinder and UKSPF quarterly returns use (MHCLG,
``funding-service-design-post-award-data-store``, Towns Fund round 4 schema and Pathfinders round 2 config).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_FY = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*$", re.IGNORECASE)
_ROUND = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*[-_ ]?\s*(H[12]|Q[1-4])\s*$", re.IGNORECASE)


def fy_of(d: date) -> str:
    """The financial year a date falls in: 2025-04-01 and 2026-03-31 are both in ``2025-26``."""
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def fy_start_year(text: str) -> int:
    """``2025-26``, ``2025/26``, ``FY2025-26`` or ``2025-2026`` → 2025; ValueError for anything else."""
    m = _FY.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a financial year; write it as 2025-26")
    start, end = int(m.group(1)), m.group(2)
    if int(end) % 100 != (start + 1) % 100:
        raise ValueError(f"{text!r} is not a financial year: the second year must follow the first (2025-26)")
    return start


def normalise_fy(text: str) -> str:
    start = fy_start_year(text)
    return f"{start}-{(start + 1) % 100:02d}"


def fy_bounds(fy: str) -> tuple[date, date]:
    """First and last day of a financial year: ``2025-26`` → 2025-04-01, 2026-03-31."""
    start = fy_start_year(fy)
    return date(start, 4, 1), date(start + 1, 3, 31)


@dataclass(frozen=True)
class Round:
    """A reporting round: its id (``2025-26-H1``), financial year and the period it reports on."""

    id: str
    fy: str
    part: str  # H1, H2, Q1 … Q4
    start: date
    end: date

    @property
    def label(self) -> str:
        months = f"{self.start:%B %Y} to {self.end:%B %Y}"
        kind = "half-year" if self.part.startswith("H") else "quarter"
        return f"{self.fy} {self.part} ({kind}, {months})"

    @property
    def is_year_end(self) -> bool:
        """The last round of its financial year (H2 or Q4): capital not spent by now slips into the next year."""
        return self.part in ("H2", "Q4")


def _month_end(y: int, m: int) -> date:
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_round(text: str) -> Round:
    """``2025-26-H1`` (also ``2025/26 H1``) → the round; ValueError for anything else."""
    m = _ROUND.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a reporting round; write it as 2025-26-H1, 2025-26-H2 or 2025-26-Q1 … Q4")
    fy = normalise_fy(f"{m.group(1)}-{m.group(2)}")
    part = m.group(3).upper()
    y = fy_start_year(fy)
    first_month = {"H1": 4, "H2": 10, "Q1": 4, "Q2": 7, "Q3": 10, "Q4": 1}[part]
    months = 6 if part.startswith("H") else 3
    sy = y + 1 if first_month < 4 else y
    last_month = first_month + months - 1
    ey = sy + (last_month > 12)
    last_month = (last_month - 1) % 12 + 1
    return Round(f"{fy}-{part}", fy, part, date(sy, first_month, 1), _month_end(ey, last_month))


def round_of(d: date, half_years: bool = True) -> Round:
    """The half-year (or quarter) round a date falls in."""
    fy = fy_of(d)
    months_in = (d.month - 4) % 12
    part = f"H{months_in // 6 + 1}" if half_years else f"Q{months_in // 3 + 1}"
    return parse_round(f"{fy}-{part}")


def months_between(a: date, b: date) -> float:
    """Length of a period in months, counting both ends: 2025-04-01..2026-03-31 → 12.0."""
    return (b.year - a.year) * 12 + (b.month - a.month) + (b.day - a.day + 1) / 30.4375


def longer_than_a_year(start: date, end: date) -> bool:
    """IATI rule 7.5.3: a budget period must not be longer than one year (end at most a year after start, less a day)."""
    try:
        limit = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        limit = date(start.year + 1, 3, 1)
    return end >= limit
