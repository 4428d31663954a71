"""Shared types of the methods library: polarity, judgements, the result base and named errors.

Every method returns a small frozen dataclass that derives from :class:`MethodResult`. It records a
stable ``method`` id (for example ``"fingertips-ci-overlap-95"``), the ``source`` it follows, the inputs it
used and its intermediate values, so that any status shown to a reader can be explained from the result
alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from prosperity.errors import ProsperityError


class Polarity(StrEnum):
    """Which direction of an indicator is good.

    Mirrors Fingertips' ``PolarityIds`` (``RagHighIsGood = 1``, ``RagLowIsGood = 0``,
    ``BlueOrangeBlue = 99``), which FingertipsNext renames ``HighIsGood / LowIsGood / NoJudgement``.
    """

    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    NO_JUDGEMENT = "no_judgement"


class Comparison(StrEnum):
    """The outcome of comparing an area with something else (a benchmark, its own past)."""

    BETTER = "better"
    SIMILAR = "similar"
    WORSE = "worse"
    HIGHER = "higher"
    LOWER = "lower"
    NOT_COMPARED = "not_compared"


@dataclass(frozen=True, kw_only=True)
class MethodResult:
    """Base of every result: which method produced it and which published source that method follows."""

    method: str
    source: str


class MethodError(ProsperityError, ValueError):
    """A method was given input it cannot use (the message says what and why)."""


class InsufficientData(MethodError):
    """There are too few valid points, or a required value (interval, denominator) is missing."""


class NotAggregable(MethodError):
    """An indicator cannot be aggregated to a group of areas by the rule asked for."""


class IncompleteCoverage(NotAggregable):
    """Some member areas of a group have no value, so a group figure would silently be partial."""

    def __init__(self, missing: tuple[str, ...], members: tuple[str, ...]):
        self.missing = missing
        self.members = members
        super().__init__(
            f"{len(missing)} of {len(members)} member areas have no value ({', '.join(missing)}); "
            "refusing to produce a partial group figure. Pass allow_partial=True to get a figure "
            "that reports its coverage instead."
        )


def directional(raw: Comparison, polarity: Polarity) -> Comparison:
    """Turn a raw ``HIGHER``/``LOWER`` comparison into better/worse by polarity.

    With no judgement, the raw direction is kept (Fingertips shows these as blue "higher"/"lower").
    """
    if raw not in (Comparison.HIGHER, Comparison.LOWER) or polarity is Polarity.NO_JUDGEMENT:
        return raw
    higher_is_good = polarity is Polarity.HIGHER_IS_BETTER
    if (raw is Comparison.HIGHER) == higher_is_good:
        return Comparison.BETTER
    return Comparison.WORSE


def meets(value: float, target: float, polarity: Polarity) -> bool:
    """Whether ``value`` is at or beyond ``target`` in the better direction (equal to it with no judgement)."""
    if polarity is Polarity.LOWER_IS_BETTER:
        return value <= target
    if polarity is Polarity.HIGHER_IS_BETTER:
        return value >= target
    return value == target


def require_finite(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise :class:`MethodError` naming the input if it is not finite."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MethodError(f"{name} must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise MethodError(f"{name} must be a finite number, got {value!r}")
    return number
