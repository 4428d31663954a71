"""What is assessed: framework indicators bound to warehouse series, their targets and aggregation rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from prosperity.methods import Polarity, TargetKind
from prosperity.methods import Target as MethodTarget
from prosperity.safe_yaml import load_yaml


@dataclass(frozen=True)
class AggregationSpec:
    """How a warehouse indicator may be built for a group from its members (see ``aggregation.yaml``)."""

    rule: str = "not_aggregable"
    numerator: str | None = None
    denominator: str | None = None
    weight: str | None = None
    scale: float = 1.0
    reason: str = "a rate, median or index whose denominator this site does not hold"
    #: a total (its size depends on the area's size) even where it cannot be summed from members
    total: bool = False
    #: where the publisher gives a group's figure as other areas that together make it up exactly (DfT's
    #: Merseyside ITA and Halton for Liverpool City Region): group code → those areas, used instead of its members
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    parts_note: str = ""
    #: build a group's figure only from declared ``parts``, never from its members (their figures do not add up)
    parts_only: bool = False

    def parts_of(self, area: str) -> list[str]:
        return next((list(p) for code, p in self.parts if code == area), [])


def _aggregation_spec(v: dict[str, Any]) -> AggregationSpec:
    parts = tuple((str(k), tuple(str(m) for m in ms)) for k, ms in (v.get("parts") or {}).items())
    return AggregationSpec(**{**v, "parts": parts})


@cache
def aggregation_rules() -> dict[str, AggregationSpec]:
    text = resources.files("prosperity.assess").joinpath("aggregation.yaml").read_text(encoding="utf-8")
    return {k: _aggregation_spec(v) for k, v in (load_yaml(text, "prosperity/assess/aggregation.yaml") or {}).items()}


@dataclass(frozen=True)
class GapSpec:
    denominator: str
    counted: str
    per: float = 100.0


@cache
def gap_rules() -> dict[str, GapSpec]:
    text = resources.files("prosperity.assess").joinpath("gaps.yaml").read_text(encoding="utf-8")
    return {k: GapSpec(**v) for k, v in (load_yaml(text, "prosperity/assess/gaps.yaml") or {}).items()}


@dataclass(frozen=True)
class RealTermsSpec:
    """The real-terms series whose trend is judged for a money series in current prices (``real_terms.yaml``)."""

    series: str
    published_for: str = "same"
    breakdown: str | None = None

    def code_for(self, area: str, published_code: str) -> str | None:
        """The code the real-terms series is read for, or None where no identical area publishes one."""
        if self.published_for == "same":
            return published_code
        return same_places().get(area)


@cache
def same_places() -> dict[str, str]:
    """Area code → the code of an ITL area with exactly its boundaries (``same_places.yaml``)."""
    text = resources.files("prosperity.assess").joinpath("same_places.yaml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in (load_yaml(text, "prosperity/assess/same_places.yaml") or {}).items()}


@cache
def real_terms_rules() -> dict[str, RealTermsSpec]:
    text = resources.files("prosperity.assess").joinpath("real_terms.yaml").read_text(encoding="utf-8")
    return {k: RealTermsSpec(**v) for k, v in (load_yaml(text, "prosperity/assess/real_terms.yaml") or {}).items()}


def aggregation_for(warehouse_id: str) -> AggregationSpec:
    return aggregation_rules().get(warehouse_id, AggregationSpec())


@dataclass(frozen=True)
class TargetSpec:
    """A framework target, with what the methods need to assess it."""

    id: str
    kind: str
    year: int | None
    value: float | None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    benchmark: str | None = None
    baseline_value: float | None = None
    baseline_year: int | None = None
    set_by: str = ""
    strategy: str = ""
    outcome: str = ""
    superseded_by: str | None = None
    citation: str = ""
    #: what the figures measure against this target (e.g. gross territorial emissions for a net-zero target)
    measured_as: str | None = None
    notes: str | None = None
    #: the area the target is set for (its strategy's area): it is assessed for that area only
    area: str | None = None

    def method_target(self) -> MethodTarget:
        """The target in the methods' terms (a ratio of 100% is 1.0; a % change is relative)."""
        kind = TargetKind(self.kind)
        if kind is TargetKind.CLOSE_GAP:
            return MethodTarget(kind, self.year, value=self.value if self.value is not None else 100.0)
        if kind is TargetKind.RATIO_TO_BENCHMARK:
            v = self.value / 100 if self.value is not None and (self.unit or "").strip().startswith("%") else self.value
            return MethodTarget(kind, self.year, value=v)
        if kind is TargetKind.CHANGE_FROM_BASELINE:
            relative = (self.unit or "").strip().startswith("%")
            v = self.value / 100 if relative and self.value is not None else self.value
            return MethodTarget(kind, self.year, value=v, baseline_year=self.baseline_year, relative=relative)
        if kind is TargetKind.RANGE:
            return MethodTarget(kind, self.year, lower=self.low, upper=self.high)
        if kind is TargetKind.ZERO:
            return MethodTarget(kind, self.year, value=0.0)
        return MethodTarget(kind, self.year, value=self.value)


@dataclass(frozen=True)
class Spec:
    """One framework indicator bound to a warehouse series."""

    id: str
    label: str
    polarity: Polarity
    unit: str
    warehouse: str
    breakdown: str = ""
    area_map: dict[str, str] = field(default_factory=dict)
    targets: tuple[TargetSpec, ...] = ()
    strategies: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    note: str | None = None
    #: for an indicator filled by a live fetch: the service and dataset ("nomis NM_17_5")
    live: str | None = None
    #: for a derived indicator: its :class:`~prosperity.framework.model.DerivedBinding` (a ratio of two series)
    derived: Any = None

    @property
    def aggregation(self) -> AggregationSpec:
        return aggregation_for(self.warehouse)

    @property
    def real_terms(self) -> RealTermsSpec | None:
        return real_terms_rules().get(self.warehouse)


def specs_from_framework(fw: Any, strategy: str | None = None) -> list[Spec]:
    """Every indicator of a loaded framework that the warehouse measures, with its targets."""
    from prosperity.framework import DerivedBinding, LiveBinding, WarehouseBinding

    superseded: dict[str, str] = {}
    for t in fw.targets().values():
        if t.supersedes:
            superseded[t.supersedes] = t.id
    out = []
    for ind in fw.indicators.values():
        live = isinstance(ind.data, LiveBinding) and bool(ind.data.warehouse)
        if not isinstance(ind.data, WarehouseBinding | DerivedBinding) and not live:
            continue
        targets, strategies, outcomes = [], set(), []
        for outcome in fw.uses(ind.id):
            if strategy and outcome.strategy != strategy:
                continue
            strategies.add(outcome.strategy)
            outcomes.append(outcome.id)
            for ref in outcome.indicators:
                if ref.indicator != ind.id:
                    continue
                for t in ref.targets:
                    if t.year is None and t.kind != "close_gap":
                        continue
                    targets.append(TargetSpec(
                        id=t.id, kind=t.kind, year=t.year, value=t.value, low=t.low, high=t.high, unit=t.unit,
                        benchmark=t.benchmark, baseline_value=t.baseline.value if t.baseline else None,
                        baseline_year=_year(t.baseline.period) if t.baseline else None, set_by=t.set_by,
                        strategy=outcome.strategy, outcome=outcome.id, superseded_by=superseded.get(t.id),
                        citation="; ".join(dict.fromkeys(str(c) for c in t.cite)),
                        measured_as=getattr(t, "measured_as", None),
                        notes=t.notes, area=fw.strategies[outcome.strategy].area,
                    ))  # fmt: skip
        if strategy and not strategies:
            continue
        out.append(Spec(
            id=ind.id, label=ind.label, polarity=Polarity(ind.polarity), unit=ind.unit, warehouse=ind.data.warehouse,
            breakdown=ind.data.breakdown or "", area_map=dict(getattr(ind.data, "area_map", {}) or {}),
            targets=tuple(targets), strategies=tuple(sorted(strategies)), outcomes=tuple(outcomes), note=ind.data.note,
            live=f"{ind.data.live.source} {ind.data.live.dataset}" if live else None,
            derived=ind.data if isinstance(ind.data, DerivedBinding) else None,
        ))  # fmt: skip
    return out


def _year(text: str) -> int | None:
    digits = str(text)[:4]
    return int(digits) if digits.isdigit() else None
