"""Binding the framework to data: which indicators the warehouse measures, and a coverage report.

Everything here takes a *catalogue*: anything with ``indicator_ids()`` and ``breakdowns(id)``. The warehouse
is one (``prosperity.warehouse.Warehouse``); tests pass a :class:`StaticCatalogue`. ``show`` also needs
``latest(indicator, area, breakdown)``, which the warehouse provides.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from prosperity.framework.load import Framework, Issue
from prosperity.framework.model import (
    NO_SOURCE_REASONS,
    DerivedBinding,
    Indicator,
    LiveBinding,
    NoSource,
    Outcome,
    Strategy,
    Theme,
    WarehouseBinding,
)

STATUSES = ("data", "elsewhere", "live", "none", "unresolved")
STATUS_WORDS = {
    "data": "has data",
    "elsewhere": "figures for other areas only",
    "live": "needs live fetch",
    "none": "no data source",
    "unresolved": "bound to a series the warehouse lacks",
}

#: ``figures(indicator, area)``: ``"own"`` when the warehouse gives a figure for the area itself (published, built
#: from its members, or from an ITL area with the same boundaries), ``"other"`` when only another area's figure
#: stands in (a region for a city region), ``None`` when there is no figure.
Figures = Callable[[str, str], str | None]


def figures_from_assessments(con: Any) -> Figures | None:
    """Figures as the build's stored assessments give them, or ``None`` if the warehouse holds no assessments.

    An ITL area standing in for a strategy's area (``area_map``: TLD7 for Liverpool City Region, TLD72 for
    Liverpool) has the same boundaries and counts as the area's own; any other stand-in (the North West for the
    city region) is another area's figure.
    """
    try:
        rows = con.execute(
            """SELECT indicator, area, value IS NOT NULL,
                      json_extract_string(assessment, '$.read_area.code') FROM assessments"""
        ).fetchall()
    except Exception:  # a warehouse from before assessments were stored
        return None
    if not rows:
        return None
    found: dict[tuple[str, str], str | None] = {}
    for ind, area, has_value, read in rows:
        if not has_value:
            found[(ind, area)] = None
        elif read and not str(read).startswith("TL"):
            found[(ind, area)] = "other"
        else:
            found[(ind, area)] = "own"
    return lambda ind, area: found.get((ind, area))


class Catalogue(Protocol):
    def indicator_ids(self) -> set[str]: ...

    def breakdowns(self, indicator_id: str) -> set[str]: ...


class StaticCatalogue:
    """A catalogue from a mapping of warehouse indicator id → its breakdowns (``""`` for none)."""

    def __init__(self, series: dict[str, Iterable[str]]):
        self.series = {k: set(v) for k, v in series.items()}

    def indicator_ids(self) -> set[str]:
        return set(self.series)

    def breakdowns(self, indicator_id: str) -> set[str]:
        return self.series.get(indicator_id, set())


# ---- binding resolution ------------------------------------------------------------------------------------------
def check_bindings(fw: Framework, catalogue: Catalogue) -> list[Issue]:
    """Issues for every ``warehouse:`` binding whose id, or breakdown, the catalogue does not have."""
    return [issue for _, issue in _binding_problems(fw, catalogue)]


def _binding_problems(fw: Framework, catalogue: Catalogue) -> list[tuple[str, Issue]]:
    issues: list[tuple[str, Issue]] = []
    ids = catalogue.indicator_ids()
    for ind in fw.indicators.values():
        b = ind.data
        if isinstance(b, DerivedBinding):
            where = (b.file or ind.file, b.line or ind.line)
            for part, ref in (("numerator", b.numerator), ("denominator", b.denominator)):
                if ref.warehouse not in ids or ref.breakdown not in catalogue.breakdowns(ref.warehouse):
                    issues.append((ind.id, Issue(*where, "binding", f"indicator {ind.id!r}: the {part} of its "
                                        f"derivation, {ref.warehouse!r} (breakdown {ref.breakdown!r}), is not in the "
                                        "warehouse")))  # fmt: skip
            continue
        if not isinstance(b, WarehouseBinding):
            continue
        where = (b.file or ind.file, b.line or ind.line)
        if b.warehouse not in ids:
            close = difflib.get_close_matches(b.warehouse, sorted(ids), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else "; `prosperity indicators` lists them"
            issues.append((ind.id, Issue(*where, "binding", f"indicator {ind.id!r} is bound to warehouse indicator "
                                f"{b.warehouse!r}, which the warehouse does not hold{hint}")))  # fmt: skip
            continue
        brks = catalogue.breakdowns(b.warehouse)
        if b.breakdown not in brks:
            close = difflib.get_close_matches(b.breakdown, sorted(brks), n=3, cutoff=0.5)
            shown = close or sorted(brks)[:6]
            issues.append((ind.id, Issue(*where, "binding", f"indicator {ind.id!r}: warehouse indicator {b.warehouse!r} "
                                f"has no breakdown {b.breakdown!r}; it has {', '.join(map(repr, shown))}"
                                f"{' …' if len(brks) > len(shown) else ''}")))  # fmt: skip
    return issues


def resolved_ids(fw: Framework, catalogue: Catalogue | None) -> set[str] | None:
    """Ids of framework indicators whose warehouse binding resolves, including live bindings whose indicator a
    live fetch has already loaded (``None`` when no catalogue is given)."""
    if catalogue is None:
        return None
    bad = {ind_id for ind_id, _ in _binding_problems(fw, catalogue)}
    ids = catalogue.indicator_ids()
    return {i.id for i in fw.indicators.values()
            if (isinstance(i.data, WarehouseBinding | DerivedBinding) and i.id not in bad)
            or (isinstance(i.data, LiveBinding) and i.data.warehouse in ids
                and i.data.breakdown in catalogue.breakdowns(i.data.warehouse))}  # fmt: skip


def indicator_status(ind: Indicator, resolved: set[str] | None) -> str:
    status = ind.data.status
    if status == "data" and resolved is not None and ind.id not in resolved:
        return "unresolved"
    if status == "live" and resolved is not None and ind.id in resolved:
        return "data"  # a live fetch has filled it
    return status


def outcome_status(outcome: Outcome, statuses: dict[str, str]) -> str:
    """The best status among an outcome's indicators: data, then elsewhere, live, unresolved, then none."""
    have = {statuses.get(r.indicator, "none") for r in outcome.indicators}
    for s in ("data", "elsewhere", "live", "unresolved"):
        if s in have:
            return s
    return "none"


def binding_dict(ind: Indicator) -> dict[str, Any]:
    b = ind.data
    if isinstance(b, WarehouseBinding):
        return {"warehouse": b.warehouse, "breakdown": b.breakdown, "area_level": b.area_level,
                "area_map": b.area_map, "note": b.note}  # fmt: skip
    if isinstance(b, LiveBinding):
        return {"live": {"source": b.live.source, "dataset": b.live.dataset, **b.live.params}, "reason": b.reason,
                "warehouse": b.warehouse, "breakdown": b.breakdown}  # fmt: skip
    if isinstance(b, DerivedBinding):
        return {"derived": b.derived, "formula": b.formula, "scale": b.scale,
                "numerator": b.numerator.model_dump(), "denominator": b.denominator.model_dump(), "note": b.note}
    return {"none": b.none if isinstance(b, NoSource) else None, "why": b.why if isinstance(b, NoSource) else None}


# ---- coverage ----------------------------------------------------------------------------------------------------
@dataclass
class Counts:
    data: int = 0
    elsewhere: int = 0
    live: int = 0
    none: int = 0
    unresolved: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    @property
    def total(self) -> int:
        return self.data + self.elsewhere + self.live + self.none + self.unresolved

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "total": self.total}


def _counts(statuses: Iterable[str]) -> Counts:
    c = Counts()
    for s in statuses:
        c.add(s)
    return c


def _subtree(theme: Theme) -> tuple[list[Outcome], list[tuple[Theme, int]]]:
    outcomes: list[Outcome] = []
    themes: list[tuple[Theme, int]] = []

    def visit(t: Theme, depth: int) -> None:
        themes.append((t, depth))
        outcomes.extend(t.outcomes)
        for c in t.themes:
            visit(c, depth + 1)

    visit(theme, 0)
    return outcomes, themes


def _group(outcomes: list[Outcome], statuses: dict[str, str]) -> dict[str, Any]:
    ind_ids = sorted({r.indicator for o in outcomes for r in o.indicators})
    return {
        "outcomes": _counts(outcome_status(o, statuses) for o in outcomes).as_dict(),
        "indicators": _counts(statuses.get(i, "none") for i in ind_ids).as_dict(),
    }


def coverage(fw: Framework, catalogue: Catalogue | None = None, figures: Figures | None = None) -> dict[str, Any]:
    """Per strategy and theme: how many outcomes and indicators have data, need a live fetch, or have no source.

    An indicator counts once per group however many outcomes use it. An outcome counts as having data when
    at least one of its indicators has data (then live, then none). With a ``catalogue``, a warehouse binding
    counts as data only if it resolves; otherwise it is ``unresolved``. With ``figures`` (the build's
    assessments, :func:`figures_from_assessments`), an indicator counts as data for a strategy only where it has
    a figure for *that strategy's own area*; otherwise it is ``elsewhere`` (other areas only). In the framework's
    totals an indicator counts as data only if it has a figure for the own area of every strategy that uses it.
    The ``items`` list every indicator and outcome with its status, binding and reason (and, for ``none``, the
    kind of reason), for whoever has to find the missing data.
    """
    resolved = resolved_ids(fw, catalogue)
    base = {i.id: indicator_status(i, resolved) for i in fw.indicators.values()}

    def for_area(area: str) -> dict[str, str]:
        if figures is None:
            return base
        return {k: ("data" if figures(k, area) == "own" else "elsewhere") if v == "data" else v
                for k, v in base.items()}  # fmt: skip

    by_strategy = {s.id: for_area(s.area) for s in fw.strategies.values()}
    statuses = dict(base)
    if figures is not None:
        for ind_id, v in base.items():
            users = {o.strategy for o in fw.uses(ind_id)}
            if v == "data" and users and any(by_strategy[u][ind_id] != "data" for u in users):
                statuses[ind_id] = "elsewhere"
    strategies = []
    for s in sorted(fw.strategies.values(), key=lambda s: (s.date, s.id)):
        own = by_strategy[s.id]
        themes = []
        for top in s.themes:
            _, subtree = _subtree(top)
            for t, depth in subtree:
                outs, _ = _subtree(t)
                themes.append({"id": t.id, "kind": t.kind, "title": t.title, "depth": depth, **_group(outs, own)})
        strategies.append({"id": s.id, "title": s.title, "area": s.area, "date": s.date,
                           **_group(s.outcomes(), own), "themes": themes})  # fmt: skip
    items_ind = []
    for ind in fw.indicators.values():
        b = ind.data
        users = sorted({o.strategy for o in fw.uses(ind.id)})
        items_ind.append({
            "id": ind.id, "label": ind.label, "unit": ind.unit, "polarity": ind.polarity, "status": statuses[ind.id],
            "reason": b.reason if isinstance(b, LiveBinding) else b.none if isinstance(b, NoSource) else b.note,
            "why": NO_SOURCE_REASONS.get(b.why or "") if isinstance(b, NoSource) else None,
            "by_strategy": {u: by_strategy[u][ind.id] for u in users},
            "binding": binding_dict(ind),
            "used_by": [{"strategy": o.strategy, "outcome": o.id} for o in fw.uses(ind.id)],
        })  # fmt: skip
    items_out = [{"strategy": o.strategy, "theme": o.theme, "id": o.id, "title": o.title,
                  "status": outcome_status(o, by_strategy[o.strategy]), "indicators": [r.indicator for r in o.indicators]}
                 for o in fw.outcomes().values()]  # fmt: skip
    why = {k: sum(1 for i in fw.indicators.values() if isinstance(i.data, NoSource) and i.data.why == k)
           for k in NO_SOURCE_REASONS}  # fmt: skip
    return {
        "framework": fw.id,
        "title": fw.title,
        "warehouse_checked": catalogue is not None,
        "own_area_checked": figures is not None,
        "indicators": _counts(statuses.values()).as_dict(),
        "outcomes": _counts(i["status"] for i in items_out).as_dict(),
        "no_source_reasons": why,
        "strategies": strategies,
        "items": {"indicators": items_ind, "outcomes": items_out},
    }


# ---- the hierarchy with latest values ------------------------------------------------------------------------------
class Reader(Catalogue, Protocol):
    def latest(self, indicator_id: str, area_code: str, breakdown: str = "") -> Any: ...


def latest_value(ind: Indicator, area: str, reader: Reader | None) -> dict[str, Any]:
    """What ``show`` prints for one indicator in one area: the latest value, or why there is none."""
    b = ind.data
    out: dict[str, Any] = {"indicator": ind.id, "label": ind.label, "unit": ind.unit, "status": b.status}
    if isinstance(b, LiveBinding) and (reader is None or not b.warehouse or b.warehouse not in reader.indicator_ids()):
        out["detail"] = f"needs live fetch: {b.live.source} {b.live.dataset}"
        return out
    if isinstance(b, NoSource):
        out["detail"] = f"no data source: {b.none}"
        return out
    if isinstance(b, DerivedBinding):
        out["detail"] = f"derived: {b.formula}"
        return out
    read_area = b.area_for(area)
    out.update(warehouse=b.warehouse, breakdown=b.breakdown, area=read_area)
    if reader is None:
        out["detail"] = f"warehouse {b.warehouse} (no warehouse open)"
        return out
    if b.warehouse not in reader.indicator_ids():
        out["status"] = "unresolved"
        out["detail"] = f"the warehouse has no indicator {b.warehouse!r}"
        return out
    obs = reader.latest(b.warehouse, read_area, b.breakdown)
    if obs is None:
        level = getattr(b, "area_level", None) or "other areas only"
        out["detail"] = f"no value for {read_area} in the warehouse ({level})"
        return out
    out.update(value=obs.value, period=obs.period, period_label=obs.period_label, obs_unit=obs.unit,
               release_id=obs.release_id, dataset=getattr(obs, "dataset_id", None),
               release_date=getattr(obs, "release_date", None))  # fmt: skip
    return out


def strategy_tree(fw: Framework, strategy: Strategy, reader: Reader | None) -> dict[str, Any]:
    """A strategy's hierarchy as nested dicts, each indicator with its latest value for the strategy's area."""
    cache: dict[str, dict[str, Any]] = {}

    def ind(i: str) -> dict[str, Any]:
        if i not in cache:
            cache[i] = latest_value(fw.indicators[i], strategy.area, reader) if i in fw.indicators else {
                "indicator": i, "status": "none", "detail": "not defined"}  # fmt: skip
        return cache[i]

    def theme(t: Theme) -> dict[str, Any]:
        return {"id": t.id, "kind": t.kind, "title": t.title, "themes": [theme(c) for c in t.themes],
                "outcomes": [{"id": o.id, "title": o.title,
                              "indicators": [{**ind(r.indicator), "basis": r.basis,
                                              "targets": [{"id": tg.id, "kind": tg.kind, "value": tg.value,
                                                           "low": tg.low, "high": tg.high, "unit": tg.unit,
                                                           "date": tg.date, "supersedes": tg.supersedes,
                                                           "superseded_by": superseded_by.get(tg.id)}
                                                          for tg in r.targets]}
                                             for r in o.indicators]}
                             for o in t.outcomes]}  # fmt: skip

    superseded_by = {t.supersedes: t.id for t in fw.targets().values() if t.supersedes}
    return {"id": strategy.id, "title": strategy.title, "publisher": strategy.publisher, "date": strategy.date,
            "area": strategy.area, "themes": [theme(t) for t in strategy.themes]}  # fmt: skip
