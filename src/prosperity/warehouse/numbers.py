"""The one rule for a number in a source file, and the values each kind of unit cannot take.

A number is digits with an optional sign, decimal part and exponent. Thousands separators are commas between
groups of exactly three digits (``1,234,567.5``); anything else is not a number: ``3,9`` (a decimal comma, or a
separator in the wrong place), ``1,2,3``, ``3_1`` (an underscore, which Python and DuckDB would both read as 31),
``1 234``, ``12,34``, ``.5`` and ``5.`` (a decimal point needs digits on both sides), ``1e400`` (too large).

The same rule is applied in SQL by the loader (set-based, over every staged value at once: :func:`number_sql`)
and in Python (:func:`parse_number`), and a property test holds the two to each other.

>>> parse_number("1,234.5"), parse_number("-0.25"), parse_number("3e-2")
(1234.5, -0.25, 0.03)
>>> parse_number("3,9") is None, parse_number("3_1") is None, parse_number("1,2,3") is None
(True, True, True)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NUMBER_PATTERN = r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(NUMBER_PATTERN)

#: What the rule asks for, in messages.
EXPECTED = ("expected a number (digits with an optional decimal point; thousands separators only as commas "
            "between groups of three, such as 1,234.5)")  # fmt: skip


def parse_number(text: str | None) -> float | None:
    """The number ``text`` writes (surrounding spaces ignored), or ``None`` if it is not one by the rule above."""
    if text is None:
        return None
    t = text.strip()
    if not _NUMBER.fullmatch(t):
        return None
    value = float(t.replace(",", ""))
    return value if math.isfinite(value) else None


def number_sql(column: str) -> str:
    """SQL for the number a text column writes, or NULL where it is not one (the same rule as :func:`parse_number`).

    ``column`` is code, never a name from a file.
    """
    t = f"trim({column})"
    return (f"CASE WHEN regexp_full_match({t}, '{NUMBER_PATTERN}') "
            f"THEN TRY_CAST(replace({t}, ',', '') AS DOUBLE) END")  # fmt: skip


def is_number_sql(column: str) -> str:
    """SQL true where a text column writes a finite number by the rule."""
    return f"coalesce(isfinite({number_sql(column)}), false)"


@dataclass(frozen=True)
class Bounds:
    """The values a unit cannot take: below ``low`` or above ``high`` (either may be open)."""

    low: float | None
    high: float | None
    what: str  # how the unit is named in messages: "a percentage", "a rank"

    def reason(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.what} lies between {self.low:g} and {self.high:g}"
        if self.low is not None:
            return f"{self.what} cannot be below {self.low:g}"
        return f"{self.what} cannot be above {self.high:g}"


def bounds_for(unit: str | None, measure: str | None, label: str | None = None) -> Bounds | None:
    """The bounds of an indicator's unit, where the unit makes some values impossible; else ``None``.

    Only units whose meaning is certain are bounded: a share in per cent (not a percentage *change*), a
    proportion, a rank or decile, and counts of people, jobs, dwellings and enterprises (net additions, which can
    be negative, are not counts).
    """
    u = (unit or "").strip().lower()
    words = " ".join(x.lower() for x in (measure or "", label or ""))
    if any(w in words for w in ("change", "growth", "net ", "difference", "balance")):
        return None
    if u in ("%", "per cent", "percent", "percentage") or (not u and words.startswith("percentage")):
        return Bounds(0, None, "a percentage")
    if u == "proportion":
        return Bounds(0, 1, "a proportion")
    if u == "decile":
        return Bounds(1, 10, "a decile")
    if u == "rank":
        return Bounds(1, None, "a rank")
    if u in ("persons", "people", "jobs", "dwellings", "enterprises", "number of enterprises", "households"):
        return Bounds(0, None, f"a count of {u.removeprefix('number of ')}")
    return None
