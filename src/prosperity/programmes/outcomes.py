"""Programmes linked to strategy outcomes: the line of sight from money to the outcomes it is meant to move.

For each strategy outcome that a programme or a project's output claims (by framework id), this gathers the
programmes and projects, their money and outputs, and sets beside them the outcome's own indicators as official
statistics assess them. It never joins the two into a causal claim: a programme's claim to contribute is not
evidence that it moved the outcome (that needs an evaluation with a comparison group).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prosperity.programmes.portfolio import IndicatorView, Portfolio, ProjectView

CONTRIBUTION_NOTE = (
    "These programmes and projects say their work contributes to this outcome. That is a claim of contribution, "
    "not evidence of impact: the indicators beside them measure the whole place, which many things move, and only "
    "an evaluation with a comparison can say how much of any change these projects caused."
)


@dataclass
class Claim:
    """One project's claim on an outcome, and how it is made (the programme says so, or an output is linked)."""

    view: ProjectView
    how: list[str]
    outputs: list[IndicatorView]


@dataclass
class OutcomeLink:
    outcome_id: str
    title: str
    strategy_id: str
    strategy_title: str
    area: str
    claims: list[Claim] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)  # id, label, assessment (or None), why

    @property
    def spent(self) -> int:
        return sum(c.view.actual_to_date for c in self.claims)

    @property
    def allocation(self) -> int:
        return sum(sum(c.view.allocation.values()) for c in self.claims)

    @property
    def budget(self) -> int:
        return sum(c.view.budget_total for c in self.claims)

    @property
    def programmes(self) -> list[str]:
        return sorted({c.view.programme.id for c in self.claims})


Assess = Callable[[str, str], dict[str, Any] | None]  # (indicator id, area) → assessment dict


def outcome_links(pf: Portfolio, fw: Any, assess: Assess | None = None) -> list[OutcomeLink]:
    """Every claimed outcome with its claims and its indicators' assessments (``assess`` may be None: no data)."""
    outcomes = fw.outcomes()
    links: dict[str, OutcomeLink] = {}

    def link(oid: str) -> OutcomeLink | None:
        o = outcomes.get(oid)
        if o is None:
            return None
        if oid not in links:
            s = fw.strategies[o.strategy]
            links[oid] = OutcomeLink(oid, o.title, s.id, s.title, s.area)
        return links[oid]

    by_indicator: dict[str, list[str]] = {}
    for oid, o in outcomes.items():
        for ref in o.indicators:
            by_indicator.setdefault(ref.indicator, []).append(oid)
    for v in pf.projects:
        claims: dict[str, Claim] = {}
        named = [x.outcome_id for x in v.programme.outcomes]
        for oid in named:
            claims.setdefault(oid, Claim(v, [], [])).how.append(f"programme {v.programme.id} names this outcome")
        # an output linked to a strategy indicator claims that indicator's outcomes in the strategies the programme
        # names; a programme that names none claims them in every strategy that uses the indicator
        strategies = {outcomes[o].strategy for o in named if o in outcomes}
        for i in v.outputs:
            targets = [i.framework_outcome] if i.framework_outcome else [
                o for o in by_indicator.get(i.framework_indicator or "", [])
                if not strategies or outcomes[o].strategy in strategies]  # fmt: skip
            for oid in targets:
                c = claims.setdefault(oid, Claim(v, [], []))
                c.outputs.append(i)
                via = f"strategy indicator {i.framework_indicator}" if i.framework_indicator else "this outcome"
                c.how.append(f"{i.kind} “{i.title}” is linked to {via}")
        for oid, c in claims.items():
            lk = link(oid)
            if lk is not None:
                lk.claims.append(c)
    for lk in links.values():
        for ref in outcomes[lk.outcome_id].indicators:
            ind = fw.indicators.get(ref.indicator)
            a = assess(ref.indicator, lk.area) if assess else None
            why = None
            if a is None:
                why = ("no official statistic measures it yet" if ind is not None and ind.data.status == "none"
                       else "no figure here (build the statistics warehouse, or the series needs a live fetch)")  # fmt: skip
            lk.indicators.append({"id": ref.indicator, "label": ind.label if ind else ref.indicator, "assessment": a,
                                  "why": why})  # fmt: skip
    return sorted(links.values(), key=lambda x: (x.strategy_id, x.outcome_id))


def warehouse_assessor(wh: Any, fw: Any) -> Assess:
    """Assess framework indicators from the statistics warehouse, each once (the engine of `prosperity assess`)."""
    from prosperity.assess.engine import Assessor
    from prosperity.assess.spec import specs_from_framework

    specs = {s.id: s for s in specs_from_framework(fw)}
    assessor = Assessor(wh)
    cache: dict[tuple[str, str], dict[str, Any] | None] = {}

    def assess(indicator: str, area: str) -> dict[str, Any] | None:
        key = (indicator, area)
        if key not in cache:
            spec = specs.get(indicator)
            cache[key] = assessor.assess(spec, area).as_dict() if spec is not None else None
            if cache[key] is not None and cache[key].get("value") is None:
                cache[key] = None
        return cache[key]

    return assess
