"""Aggregation of member areas into a combined authority or a user-defined group, by a declared rule.

Member areas are aggregated, with a record of how, to a combined authority or a custom group only where it
is valid: sums of counts, weighted means with the right denominator, ratios of sums; otherwise the site
says it cannot aggregate.

* ``sum`` — counts (jobs, businesses, tonnes of CO2);
* ``weighted_mean`` — a mean weighted by a named weight (e.g. population), for averages of a population;
* ``ratio_of_sums`` — a rate rebuilt from its numerator and denominator: Σ numerators / Σ denominators;
* ``not_aggregable`` — e.g. medians or indices: raises :class:`NotAggregable`.

A member without a value makes the group figure partial: by default that raises
:class:`IncompleteCoverage`; with ``allow_partial=True`` the figure is returned with its coverage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from prosperity.methods._types import (
    IncompleteCoverage,
    InsufficientData,
    MethodError,
    MethodResult,
    NotAggregable,
    require_finite,
)

SOURCE_AGGREGATE = (
    "aggregation rules of this site (sums of counts, weighted means with the right "
    "denominator, ratios of sums, otherwise not aggregable)"
)


class AggregationRule(StrEnum):
    SUM = "sum"
    WEIGHTED_MEAN = "weighted_mean"
    RATIO_OF_SUMS = "ratio_of_sums"
    NOT_AGGREGABLE = "not_aggregable"


@dataclass(frozen=True, kw_only=True)
class Aggregate(MethodResult):
    rule: AggregationRule
    value: float
    members: tuple[str, ...]
    members_used: tuple[str, ...]
    missing: tuple[str, ...]
    complete: bool
    #: share of members with a value (for weighted rules, also see ``weight_coverage``)
    coverage: float
    weight_name: str | None = None
    numerator_total: float | None = None
    denominator_total: float | None = None
    scale: float = 1.0


def _present(members: Sequence[str], *series: Mapping[str, float | None]) -> tuple[list[str], list[str]]:
    if not members:
        raise InsufficientData("a group needs at least one member area")
    if len(set(members)) != len(members):
        raise MethodError("a member area is listed more than once")
    used, missing = [], []
    for m in members:
        if all(s.get(m) is not None for s in series):
            used.append(m)
        else:
            missing.append(m)
    return used, missing


def _check(members: Sequence[str], used: list[str], missing: list[str], allow_partial: bool) -> None:
    if missing and not allow_partial:
        raise IncompleteCoverage(tuple(missing), tuple(members))
    if not used:
        raise InsufficientData("no member area has a value")


def _result(rule, value, members, used, missing, **extra) -> Aggregate:
    return Aggregate(
        method=f"aggregate-{rule.value.replace('_', '-')}",
        source=SOURCE_AGGREGATE,
        rule=rule,
        value=value,
        members=tuple(members),
        members_used=tuple(used),
        missing=tuple(missing),
        complete=not missing,
        coverage=len(used) / len(members),
        **extra,
    )


def aggregate_sum(
    values: Mapping[str, float | None], members: Sequence[str], *, allow_partial: bool = False
) -> Aggregate:
    """Sum of the members' counts."""
    used, missing = _present(members, values)
    _check(members, used, missing, allow_partial)
    total = sum(require_finite(f"value for {m}", values[m]) for m in used)  # type: ignore[arg-type]
    return _result(AggregationRule.SUM, total, members, used, missing)


def aggregate_weighted_mean(
    values: Mapping[str, float | None],
    weights: Mapping[str, float | None],
    members: Sequence[str],
    *,
    weight_name: str,
    allow_partial: bool = False,
) -> Aggregate:
    """Mean of the members' values weighted by ``weights`` (named, e.g. "population mid-2022")."""
    used, missing = _present(members, values, weights)
    _check(members, used, missing, allow_partial)
    w = {m: require_finite(f"{weight_name} for {m}", weights[m]) for m in used}  # type: ignore[arg-type]
    if any(x < 0 for x in w.values()) or sum(w.values()) <= 0:
        raise MethodError(f"weights ({weight_name}) must be non-negative and not all zero")
    total = sum(w.values())
    value = sum(require_finite(f"value for {m}", values[m]) * w[m] for m in used) / total  # type: ignore[arg-type]
    return _result(
        AggregationRule.WEIGHTED_MEAN,
        value,
        members,
        used,
        missing,
        weight_name=weight_name,
        denominator_total=total,
    )


def aggregate_ratio_of_sums(
    numerators: Mapping[str, float | None],
    denominators: Mapping[str, float | None],
    members: Sequence[str],
    *,
    scale: float = 1.0,
    allow_partial: bool = False,
) -> Aggregate:
    """``scale × Σ numerators / Σ denominators`` (``scale`` 100 for a percentage)."""
    used, missing = _present(members, numerators, denominators)
    _check(members, used, missing, allow_partial)
    num = sum(require_finite(f"numerator for {m}", numerators[m]) for m in used)  # type: ignore[arg-type]
    den = sum(require_finite(f"denominator for {m}", denominators[m]) for m in used)  # type: ignore[arg-type]
    if den == 0:
        raise InsufficientData("the members' denominators sum to zero")
    return _result(
        AggregationRule.RATIO_OF_SUMS,
        scale * num / den,
        members,
        used,
        missing,
        numerator_total=num,
        denominator_total=den,
        scale=scale,
    )


def aggregate(
    rule: AggregationRule | str,
    members: Sequence[str],
    *,
    indicator: str = "this indicator",
    values: Mapping[str, float | None] | None = None,
    weights: Mapping[str, float | None] | None = None,
    weight_name: str | None = None,
    numerators: Mapping[str, float | None] | None = None,
    denominators: Mapping[str, float | None] | None = None,
    scale: float = 1.0,
    reason: str = "",
    allow_partial: bool = False,
) -> Aggregate:
    """Apply a declared aggregation rule; ``not_aggregable`` raises :class:`NotAggregable`."""
    rule = AggregationRule(rule)
    if rule is AggregationRule.NOT_AGGREGABLE:
        why = f" ({reason})" if reason else ""
        raise NotAggregable(
            f"{indicator} cannot be aggregated from its member areas{why}; use a figure the publisher "
            "produces for the group itself."
        )
    if rule is AggregationRule.SUM:
        if values is None:
            raise MethodError("the sum rule needs values")
        return aggregate_sum(values, members, allow_partial=allow_partial)
    if rule is AggregationRule.WEIGHTED_MEAN:
        if values is None or weights is None or not weight_name:
            raise MethodError("the weighted_mean rule needs values, weights and a weight_name")
        return aggregate_weighted_mean(
            values, weights, members, weight_name=weight_name, allow_partial=allow_partial
        )
    if numerators is None or denominators is None:
        raise MethodError("the ratio_of_sums rule needs numerators and denominators")
    return aggregate_ratio_of_sums(
        numerators, denominators, members, scale=scale, allow_partial=allow_partial
    )
