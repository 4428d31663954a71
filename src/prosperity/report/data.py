"""What the report says, gathered once from the framework, the warehouse and the assessments.

Nothing here computes a statistic: every figure is an :class:`~prosperity.assess.engine.Assessment` (or the
series the assessor judged), and every judgement is the assessment's own. This module only decides what goes
where: which strategies an area's report covers, the order of sections, figure numbers and the counts of
statuses in the summary.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from prosperity.assess import status as st
from prosperity.assess.engine import Assessment, Assessor, Point, latest_segment, period_kind
from prosperity.assess.sentences import short_unit
from prosperity.assess.spec import Spec, specs_from_framework
from prosperity.errors import NotFound
from prosperity.framework import Framework, Outcome, Strategy, Target, Theme
from prosperity.framework.coverage import indicator_status, resolved_ids
from prosperity.framework.model import LIVE_SOURCES
from prosperity.periods import parse_period, period_label
from prosperity.report import figures
from prosperity.report.commentary import Commentary
from prosperity.report.editions import Changes
from prosperity.report.findings import Finding, source_text
from prosperity.report.findings import figure as value
from prosperity.warehouse import Warehouse
from prosperity.web import charts

#: the order and words of the summary's status counts: one group per status of prosperity.assess.status
STATUS_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (st.css_class(name), name[:1].upper() + name[1:], (name,)) for name in st.STATUSES
)


@dataclass
class Item:
    """One framework indicator as the report shows it."""

    id: str
    label: str
    unit: str
    coverage: str  # data, live, none or unresolved (framework coverage)
    reason: str = ""  # why there is no figure
    spec: Spec | None = None
    assessment: Assessment | None = None
    figure: int | None = None
    chart: Markup | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"ind-{self.id}"

    @property
    def has_figure(self) -> bool:
        return self.assessment is not None and self.assessment.value is not None

    @property
    def status(self) -> str:
        return self.assessment.status if self.assessment else "no data"

    @property
    def status_group(self) -> str:
        for key, _, statuses in STATUS_GROUPS:
            if self.status in statuses:
                return key
        return st.css_class(st.NOT_JUDGED)


@dataclass
class OutcomeBlock:
    outcome: Outcome
    items: list[Item]


@dataclass
class ThemeBlock:
    theme: Theme
    path: list[str]  # titles of the parent themes
    outcomes: list[OutcomeBlock]
    figures: list[Item]  # indicators first shown here, charted after the theme's table

    @property
    def items(self) -> list[Item]:
        seen: dict[str, Item] = {}
        for o in self.outcomes:
            for i in o.items:
                seen.setdefault(i.id, i)
        return list(seen.values())


@dataclass
class StrategyBlock:
    strategy: Strategy
    themes: list[ThemeBlock]
    empty_themes: list[Theme]
    counts: list[tuple[str, str, int]]


@dataclass
class TargetRow:
    target: Target
    strategy: Strategy
    item: Item
    assessed: dict[str, Any] | None


@dataclass
class StatusRow:
    """A line of the status table: a target, or a headline outcome without one."""

    kind: str  # "target" or "headline"
    label: str  # the target in words, or the outcome
    item: Item
    status: str
    trend: str
    met_in: str  # the year the recent trend would meet the target ("" for an outcome)
    strategy: str = ""


@dataclass
class Inequality:
    """Gaps between the member places: indicators that are rates, their spread, and maps of deprivation."""

    rates: list[Item]
    figures: list[Figure]
    maps: list[Figure]
    narrowing: int
    widening: int
    unchanged: int


@dataclass
class Figure:
    number: int
    id: str
    caption: str
    svg: Markup
    source: str
    legend: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Report:
    area: str
    area_name: str
    strategy: str | None
    as_of: str | None
    data_as_of: str | None
    framework: Framework
    strategies: list[StrategyBlock]
    other_strategies: list[Strategy]
    items: dict[str, Item]
    headlines: list[tuple[str, list[Item]]]
    counts: list[tuple[str, str, int]]
    target_counts: Counter[str]
    members: list[Item]
    member_figures: list[Figure]
    peers: list[Item]
    peer_figures: list[Figure]
    targets: list[TargetRow]
    target_figures: list[tuple[Item, Figure]]
    gaps: dict[str, list[Item]]
    releases: list[dict[str, Any]]
    methods: list[tuple[str, str]]
    commentary: Commentary
    section_ids: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    status_rows: list[StatusRow] = field(default_factory=list)
    changes: Changes | None = None
    headline_figures: list[Figure] = field(default_factory=list)
    inequality: Inequality | None = None
    quality: list[tuple[str, str, list[str]]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)  # programmes, evaluation, scenarios (see
    # prosperity.report.package_sections)
    title: str = "State of the City Region"
    records: list[dict[str, Any]] = field(default_factory=list)  # what the manifest keeps for the next edition
    edition_id: str = ""
    published_to: str | None = None
    regenerate: str = ""  # the command that regenerates this edition, byte for byte

    @property
    def strategy_titles(self) -> str:
        return "; ".join(f"{b.strategy.title} ({str(b.strategy.date)[:4]})" for b in self.strategies)


# ---- formatting shared by the template ---------------------------------------------------------------------------
# ---- building ----------------------------------------------------------------------------------------------------
def strategies_in_scope(fw: Framework, wh: Warehouse, area: str, strategy: str | None) -> tuple[list[Strategy],
                                                                                            list[Strategy]]:  # fmt: skip
    """The strategies a report covers: one if asked; else those of the area and of the combined authority it is
    part of (newest first). The rest (e.g. a member council's own plan) are named, not reported."""
    from prosperity.framework import strategies_for_area

    every = sorted(fw.strategies.values(), key=lambda s: (str(s.date), s.id), reverse=True)
    name = wh.area(area)["name"]
    if strategy:
        if strategy not in fw.strategies:
            raise NotFound(f"unknown strategy {strategy!r}; the framework has {', '.join(sorted(fw.strategies))}")
        chosen = [fw.strategies[strategy].for_area(area, name)]
    else:
        parents = [r["parent"] for r in wh.query("SELECT parent FROM area_parents WHERE child = ? AND depth = 1",
                                                 [area])]  # fmt: skip
        chosen = strategies_for_area(fw, area, parents, name)
        if not chosen:
            raise NotFound(f"the framework {fw.title!r} has no strategy for {area} or the combined authority it is "
                           f"part of (its strategies are for {', '.join(sorted({str(s.area) for s in every}))}); "
                           "give --strategy ID to report one of them")  # fmt: skip
    ids = {s.id for s in chosen}
    return chosen, [s for s in every if s.id not in ids]


def _x(period: str) -> float:
    """A period's place on a chart's time axis: its middle, in fractional years."""
    p = parse_period(period)
    mid = p.start + (p.end - p.start) / 2
    return mid.year + (mid.timetuple().tm_yday - 1) / 365.25


class SeriesOf:
    """Each indicator's series for the report's area, read once: its chart, the check that it has two periods to
    chart, and the edition's record of its figures all use the same points."""

    def __init__(self, assessor: Assessor, area: str) -> None:
        self.assessor, self.area = assessor, area
        self._points: dict[str, list[Point]] = {}

    def __call__(self, it: Item) -> list[Point]:
        if it.spec is None:
            return []
        if it.id not in self._points:
            a = it.assessment
            if it.spec.aggregation.rule == "lsoa_deprivation" and a is not None:
                # a summary of the neighbourhoods of one edition of the Indices of Deprivation is one figure, the
                # one its assessment states (Assessor.series gives that single point), so England's
                # neighbourhoods are not read again to find it
                self._points[it.id] = [Point(a.period, a.value)] if a.value is not None and a.period else []
            else:
                self._points[it.id] = self.assessor.series(it.spec, self.area).points
        return self._points[it.id]


def series_chart(assessor: Assessor, item: Item, area: str, chart_id: str, *, targets: bool = True,
                 scope: set[str] | None = None,
                 points: list[Point] | None = None) -> tuple[Markup, list[tuple[str, str]]]:  # fmt: skip
    """The indicator's series as assessed (latest run of one kind of period), the benchmark's, and targets.

    :param points: the indicator's series for ``area``, where already read (default: read here)"""
    a, spec = item.assessment, item.spec
    if a is None or spec is None:
        raise ValueError("a chart needs an assessed indicator")
    own = points if points is not None else assessor.series(spec, area).points
    segment = latest_segment(own) if own else []
    kind = period_kind(segment[-1].period)[:3] if segment else None
    lines: list[charts.Line] = []
    legend = [("main", a.area_name + (f" (figures for {a.read_area['name']}, {a.read_area['code']})" if a.read_area
                                      else ""))]  # fmt: skip
    band = [(_x(p.period), p.lci_95, p.uci_95) for p in segment if p.lci_95 is not None and p.uci_95 is not None]
    if a.benchmark:
        bench = [p for p in assessor.published(spec.warehouse, a.benchmark["area"], spec.breakdown)
                 if period_kind(p.period)[:3] == kind]  # fmt: skip
        if bench:
            lines.append(charts.Line(a.benchmark["area_name"], [(_x(p.period), p.value) for p in bench], "benchmark"))
            legend.append(("benchmark", a.benchmark["area_name"]))
    main = [(_x(p.period), p.value) for p in segment]
    lines.append(charts.Line(a.area_name, main, "main", band if len(band) == len(segment) else []))
    if band and len(band) == len(segment):
        legend.insert(1, ("band", "95% confidence interval"))
    markers: list[charts.Marker] = []
    if targets:
        shown = [t for t in a.targets if scope is None or t.get("strategy") in scope]
        for t in shown:
            v = t.get("resolved_value")
            if v is None or not t.get("date") or t["kind"] in ("close_gap", "ratio_to_benchmark"):
                continue  # an undated target, or one on the benchmark's scale (benchmark = 100), is not drawn here
            x = int(t["date"][:4]) + 0.5
            role = "target superseded" if t.get("superseded_by") else "target"
            markers.append(charts.Marker(f"Target: {t.get('resolved') or t['kind']}", x, v, role))
            if t.get("superseded_by") or not main:
                continue
            x0, v0 = main[-1]
            if t.get("projected_value") is not None:
                end = (x, t["projected_value"])
            elif t.get("projected_year"):
                end = (t["projected_year"] + 0.5, v)
            else:
                continue
            lines.append(charts.Line("Projection on the recent trend", [(x0, v0), end], "projection"))
            legend.append(("projection", f"Projection on the recent trend ({t.get('method_name') or t['method']})"))
        if any("superseded" not in m.role for m in markers):
            legend.append(("target", "Target"))
        if any("superseded" in m.role for m in markers):
            legend.append(("superseded", "Superseded target"))
    first, last = (period_label(segment[0].period), period_label(segment[-1].period)) if segment else ("", "")
    desc = (f"{a.label} in {a.area_name}, {len(segment)} periods from {first} to {last}"
            + (f", with {a.benchmark['area_name']} for comparison" if a.benchmark else "")
            + (f" and {len(markers)} target(s)" if markers else "") + ".")  # fmt: skip
    ticks = charts.y_ticks(lines, markers)
    if ticks[0] > 0:  # an honest axis says so when it does not start at zero
        desc += f" The vertical axis starts at {ticks[0]:,g}, not at zero."
        legend.append(("note", f"The vertical axis starts at {ticks[0]:,g}, not at zero"))
    where = f"{a.read_area['name']}, standing in for {a.area_name}" if a.read_area else a.area_name
    svg = charts.line_chart(lines, markers, title=f"{a.label}, {where} ({a.unit})", desc=desc,
                            y_label=short_unit(a.unit), chart_id=chart_id, width=figures.LINE_WIDTH,
                            height=figures.LINE_HEIGHT, margin=figures.LINE_MARGIN)  # fmt: skip
    return figures.styled(svg), legend


def _walk(theme: Theme, path: list[str]) -> list[tuple[Theme, list[str]]]:
    out = [(theme, path)]
    for c in theme.themes:
        out.extend(_walk(c, [*path, theme.title]))
    return out


def assessments_for(wh: Warehouse, fw: Framework, area: str, specs: dict[str, Spec], assessor: Assessor,
                    area_name: str) -> Callable[[str], Assessment]:  # fmt: skip
    """How the report gets each indicator's assessment: the one the build stored, where the stored assessments are
    of this framework and of exactly the releases this edition reads; otherwise assessed now. The one way the
    report reads assessments."""
    stored: dict[str, Assessment] = {}
    if _data_as_of(wh, assessor.as_of) == _data_as_of(wh, None):  # this edition reads the current releases
        stored = _stored(wh, fw, area)

    def get(ind_id: str) -> Assessment:
        if ind_id in stored:
            return stored[ind_id]
        return assessor.assess(specs[ind_id], area, area_name=area_name)

    return get


def _stored(wh: Warehouse, fw: Framework, area: str) -> dict[str, Assessment]:
    import json

    import duckdb

    from prosperity.assess.run import assessment_digest

    try:
        row = wh.con.execute("SELECT value FROM meta WHERE key = 'assessments_digest'").fetchone()
        if not row or row[0] != assessment_digest(wh.con, fw.path):
            return {}
        rows = wh.con.execute("SELECT indicator, assessment FROM assessments WHERE area = ?", [area]).fetchall()
    except duckdb.Error:  # a warehouse without stored assessments
        return {}
    out = {}
    for ind, text in rows:
        try:
            out[ind] = Assessment(**json.loads(text))
        except TypeError:  # stored by another version of the assessor: assess now
            return {}
    return out


def is_total(it: Item) -> bool:
    """A total or count (summed over places), never compared across places of different sizes."""
    return bool(it.spec is not None and it.spec.aggregation.rule == "sum")


def build_report(wh: Warehouse, fw: Framework, area: str, *, strategy: str | None = None, as_of: str | None = None,
                 commentary: Commentary | None = None, previous: dict[str, Any] | str | None = None) -> Report:  # fmt: skip
    """Gather everything the report shows for ``area``, as the warehouse stood at ``as_of`` (or now).

    :param previous: the previous edition's manifest (or why it could not be read), for "change since"
    """
    from prosperity.report.editions import compare, record
    from prosperity.report.findings import findings as headline_findings

    place = wh.area(area)
    chosen, others = strategies_in_scope(fw, wh, area, strategy)
    scope = {s.id for s in chosen}
    specs = {s.id: s for s in specs_from_framework(fw)}
    resolved = resolved_ids(fw, wh)
    assessor = Assessor(wh, as_of)
    assess = assessments_for(wh, fw, area, specs, assessor, place["name"])
    series = SeriesOf(assessor, area)
    items: dict[str, Item] = {}

    def item(ind_id: str) -> Item:
        if ind_id not in items:
            ind = fw.indicators[ind_id]
            it = Item(ind.id, ind.label, ind.unit, indicator_status(ind, resolved), spec=specs.get(ind.id))
            if it.spec is not None:
                it.assessment = assess(ind.id)
                if it.assessment.value is None:
                    it.reason = "; ".join(it.assessment.notes) or "no figure"
            else:
                b = ind.data
                it.reason = getattr(b, "none", None) or getattr(b, "reason", None) or "no data source"
                if it.coverage == "live":
                    it.reason = f"its figures come from {LIVE_SOURCES.get(b.live.source, b.live.source)}, not yet " \
                                f"loaded for this edition ({b.reason[:1].lower() + b.reason[1:]})"
            items[ind_id] = it
        return items[ind_id]

    figure_no = 0

    def next_figure() -> int:
        nonlocal figure_no
        figure_no += 1
        return figure_no

    # the strategies, theme by theme (the appendix); charts are numbered after the main body's
    blocks: list[StrategyBlock] = []
    for s in chosen:
        themes, empty = [], []
        for top in s.themes:
            for t, path in _walk(top, []):
                if not t.outcomes:
                    if not any(o.indicators for sub, _ in _walk(t, [])[1:] for o in sub.outcomes):
                        empty.append(t)
                    continue
                outs = [OutcomeBlock(o, [item(r.indicator) for r in o.indicators if r.indicator in fw.indicators])
                        for o in t.outcomes]  # fmt: skip
                themes.append(ThemeBlock(t, path, outs, []))
        used = {i.id: i for t in themes for i in t.items}
        blocks.append(StrategyBlock(s, themes, empty, _count(used.values())))
    in_scope = {i.id: i for b in blocks for t in b.themes for i in t.items}

    # headline outcomes: the framework names them
    names = (fw.manifest.headlines if fw.manifest else []) or []
    headline_items = [item(i) for i in names if i in fw.indicators]
    headlines = [(it.label, [it]) for it in headline_items]

    # targets, in the strategies' order
    targets: list[TargetRow] = []
    for s in chosen:
        for o in s.outcomes():
            for ref in o.indicators:
                for t in ref.targets:
                    it = item(ref.indicator)
                    assessed = next((x for x in (it.assessment.targets if it.assessment else []) if x["id"] == t.id),
                                    None)  # fmt: skip
                    targets.append(TargetRow(t, s, it, assessed))
    target_counts = Counter((r.assessed or {}).get("status") or "not judged"
                            + (" (a superseded target)" if (r.assessed or {}).get("superseded_by") else "")
                            for r in targets)  # fmt: skip

    # findings first, then the status table
    shown_items = list({i.id: i for i in [*headline_items, *in_scope.values()]}.values())
    found = headline_findings([i.assessment for i in shown_items if i.assessment], headlines=names,
                              value=lambda a, v: value(a, v), source=source_text,
                              anchor=lambda a: f"ind-{a.indicator}",
                              target_order=[r.item.id for r in targets])  # fmt: skip
    status_rows = _status_rows(targets, headline_items)

    # the main body's figures: headline outcomes, gaps inside the area, peers, targets
    headline_figs = []
    for it in headline_items:
        if _chartable(series, it):
            n = next_figure()
            svg, legend = series_chart(assessor, it, area, f"fig-{n}", scope=scope, points=series(it))
            headline_figs.append(Figure(n, f"fig-{n}", _caption(it), svg, source_text(it.assessment), legend))
    members = [i for i in shown_items if i.assessment and (i.assessment.members or {}).get("values")]
    rates = [i for i in members if not is_total(i)]
    member_figs = [_members_figure(i, next_figure()) for i in headline_items if i in rates]
    maps = _deprivation_maps(wh, fw, items, item, next_figure)
    directions = [((i.assessment.members or {}).get("gap_trend") or {}).get("direction") for i in rates]
    inequality = Inequality(rates, member_figs, maps, directions.count("narrowing"), directions.count("widening"),
                            directions.count("no_change"))  # fmt: skip
    peers = [i for i in shown_items if i.assessment and i.assessment.peers and i.assessment.peers.get("rank")]
    peer_figs = [_peers_figure(assessor, i, next_figure()) for i in headline_items
                 if i.assessment and (i.assessment.peers or {}).get("rank") and not is_total(i)]  # fmt: skip
    target_figs = []
    for it_id in dict.fromkeys(r.item.id for r in targets if r.assessed and r.assessed.get("method")):
        i = items[it_id]
        if not _chartable(series, i):
            continue
        n = next_figure()
        svg, legend = series_chart(assessor, i, area, f"fig-{n}", scope=scope, points=series(i))
        target_figs.append((i, Figure(n, f"fig-{n}", f"{i.label} in {i.assessment.area_name}: the trend and the "
                                      "targets", svg, source_text(i.assessment), legend)))  # fmt: skip

    # the appendix: a chart for each indicator with two periods or more, where it first appears
    for b in blocks:
        for t in b.themes:
            for it in t.items:
                if it.has_figure and it.figure is None and _chartable(series, it):
                    it.figure = next_figure()
                    it.chart, it.legend = series_chart(assessor, it, area, f"fig-{it.figure}", scope=scope,
                                                      points=series(it))
                    t.figures.append(it)
                elif it.has_figure and it.figure is None:
                    it.figure = 0  # one period only: no chart
                    t.figures.append(it)

    gaps: dict[str, list[Item]] = {"none": [], "live": [], "unresolved": [], "no-figure": []}
    for it in sorted(in_scope.values(), key=lambda i: i.label.lower()):
        if it.has_figure:
            continue
        key = it.coverage if it.coverage in ("none", "live", "unresolved") else "no-figure"
        gaps[key].append(it)

    shown = [*in_scope.values(), *headline_items]
    releases = _releases(wh, [i.assessment for i in shown if i.assessment])
    methods = sorted({m for i in shown if i.assessment for m in _methods(i.assessment)})
    data_as_of = _data_as_of(wh, assessor.as_of)
    report = Report(area=area, area_name=place["name"], strategy=strategy, as_of=as_of, data_as_of=data_as_of,
                    framework=fw, strategies=blocks, other_strategies=others, items=items, headlines=headlines,
                    counts=_count(in_scope.values()), target_counts=target_counts, members=rates,
                    member_figures=member_figs, peers=peers, peer_figures=peer_figs, targets=targets,
                    target_figures=target_figs, gaps=gaps, releases=releases, methods=methods,
                    commentary=commentary or Commentary(None), findings=found, status_rows=status_rows,
                    headline_figures=headline_figs, inequality=inequality,
                    quality=quality_notes(list({i.id: i for i in shown}.values())),
                    title="State of the City Region" if place["level"] == "combined-authority" else "State of the Area")
    report.edition_id, report.published_to = edition_identity(releases)
    report.records = [record(i.id, i.label, i.assessment, _series_points(series, i), value(i.assessment))
                      for i in sorted({i.id: i for i in shown}.values(), key=lambda i: i.id)
                      if i.assessment is not None]  # fmt: skip
    report.changes = compare(previous, report.records, fmt=lambda ind, v: value(items[ind].assessment, v))
    report.section_ids = {"summary", "findings", "status", "changes", "inequality", "members", "peers", "targets",
                          "gaps", "quality", "methodology", *(b.strategy.id for b in blocks),
                          *(t.theme.id for b in blocks for t in b.themes),
                          *(t.id for b in blocks for t in b.empty_themes)}  # fmt: skip
    return report


def _series_points(series: SeriesOf, it: Item) -> list[tuple[str, float]]:
    return [(p.period, p.value) for p in series(it) if p.value is not None]


def _chartable(series: SeriesOf, it: Item) -> bool:
    """A chart is drawn only for a series of two periods or more (a single point is a figure, not a chart)."""
    if not it.has_figure or it.spec is None:
        return False
    points = series(it)
    return len(latest_segment(points)) >= 2 if points else False


def _caption(it: Item) -> str:
    a = it.assessment
    if a is None:
        return it.label
    return f"{it.label}, {a.area_name}" + (f", with {a.benchmark['area_name']}" if a.benchmark else "")


def _status_rows(targets: list[TargetRow], headline_items: list[Item]) -> list[StatusRow]:
    """Every current target, then each headline outcome that has no target of its own."""
    from prosperity.report.render import target_text, trend

    rows: list[StatusRow] = []
    with_target = set()
    for r in targets:
        t = r.assessed or {}
        if t.get("superseded_by"):
            continue
        with_target.add(r.item.id)
        a = r.item.assessment
        met = ""
        if t.get("status") in ("met",):
            met = "met"
        elif t.get("projected_year"):
            met = str(t["projected_year"])
        elif t.get("method"):
            met = f"not by {t.get('date')}" if t.get("date") else "not on the recent trend"
        rows.append(StatusRow("target", target_text(r), r.item, t.get("status") or "not judged",
                              trend(a) if a and a.value is not None else "No figure", met,
                              f"{r.strategy.title} ({str(r.strategy.date)[:4]})"))  # fmt: skip
    for it in headline_items:
        if it.id in with_target:
            continue
        a = it.assessment
        rows.append(StatusRow("headline", it.label, it, it.status,
                              trend(a) if a and a.value is not None else "No figure", ""))  # fmt: skip
    return rows


def quality_notes(items: list[Item]) -> list[tuple[str, str, list[str]]]:
    """Notes on the data's quality, by kind: provisional figures, another area's figures standing in, figures for
    an old period, figures built from the member places. Each lists the indicators it concerns."""
    from datetime import date

    provisional, stand_in, old, built = [], [], [], []
    this_year = max((int(str(r.get("release_date"))[:4]) for i in items if i.assessment for r in i.assessment.releases
                     if r.get("release_date")), default=date.today().year)  # fmt: skip
    for it in items:
        a = it.assessment
        if a is None or a.value is None:
            continue
        kinds = {c.get("kind") for c in (getattr(a, "caveats", None) or [])}
        if "provisional" in kinds or a.source.get("experimental"):
            provisional.append(it.label)
        if a.read_area:
            stand_in.append(f"{it.label} (figures for {a.read_area['name']})")
        if a.period and parse_period(a.period).end.year <= this_year - 3:
            old.append(f"{it.label} ({a.period_label})")
        if a.derivation:
            built.append(it.label)
    return [
        ("provisional", "Provisional or in development: official statistics in development, or figures the publisher "
                        "will revise", sorted(provisional)),
        ("stand-in", "Another area's figures stand in, because none are published for this area; never judged as "
                     "this area's", sorted(stand_in)),
        ("old", f"The latest figure is for a period that ended three or more years before the newest release used "
                f"({this_year})", sorted(old)),
        ("built", "Built from the member places' figures (sums of counts, ratios of sums or weighted means), as the "
                  "publisher gives no figure for the area", sorted(built)),
    ]  # fmt: skip


def _deprivation_maps(wh: Warehouse, fw: Framework, items: dict[str, Item], item: Callable[[str], Item],
                      next_figure: Callable[[], int]) -> list[Figure]:  # fmt: skip
    """Maps of the member places by the share of their neighbourhoods in England's most deprived tenth: by the
    Indices of Deprivation 2019 and 2025, where the framework measures both."""
    out = []
    for ind_id, edition in (("deprivation-imd-2019", "2019"), ("deprivation-imd", "2025")):
        if ind_id not in fw.indicators:
            continue
        it = item(ind_id)
        a = it.assessment
        values = {v["area"]: v["value"] for v in ((a.members or {}).get("values") or [])} if a else {}
        if len(values) < 2:
            continue
        n = next_figure()
        svg = figures.member_map(wh, values, {c: value(a, v, full=False) for c, v in values.items()},
                                 title=f"{it.label}, {a.area_name}'s member places",
                                 desc=f"Map of {len(values)} places shaded from lightest (fewest) to darkest (most): "
                                      + "; ".join(f"{v['name']} {value(a, v['value'], full=False)}"
                                                  for v in sorted(a.members['values'], key=lambda v: -v['value']))
                                      + ".", chart_id=f"fig-{n}")  # fmt: skip
        if svg is None:
            continue
        from prosperity.web import charts as web_charts

        breaks = web_charts.classes(list(values.values()))
        edges = [min(values.values()), *breaks, max(values.values())]
        legend = [(f"map-c{k}", f"{value(a, edges[k], full=False)} to {value(a, edges[k + 1], full=False)}")
                  for k in range(len(edges) - 1)]  # fmt: skip
        out.append(Figure(n, f"fig-{n}", f"Indices of Deprivation {edition}: {it.label}", svg, source_text(a), legend))
    return out


def _count(items: Any) -> list[tuple[str, str, int]]:
    c = Counter(i.status_group for i in items)
    return [(key, words, c.get(key, 0)) for key, words, _ in STATUS_GROUPS]


def _members_figure(it: Item, n: int) -> Figure:
    a = it.assessment
    if a is None or not a.members:
        raise ValueError(f"{it.id} has no member places to chart")
    m = a.members
    rows = sorted(m["values"], key=lambda v: (-v["value"], v["name"]))
    bars = [figures.Bar(v["name"], v["value"], value(a, v["value"], full=False)) for v in rows]
    title = f"{a.label} in the member places of {a.area_name}, {m['period_label']}"
    desc = (f"Bars for {len(rows)} places, highest first: "
            + "; ".join(f"{v['name']} {value(a, v['value'], full=False)}" for v in rows) + ".")  # fmt: skip
    svg = figures.bar_chart(bars, title=title, desc=desc, axis_label=a.unit, chart_id=f"fig-{n}",
                            reference=(f"{a.area_name}: {value(a)}", a.value) if a.period == m["period"] else None)
    return Figure(n, f"fig-{n}", title, svg, source_text(a),
                  [("reference", f"{a.area_name} as a whole")] if a.period == m["period"] else [])


def _peers_figure(assessor: Assessor, it: Item, n: int) -> Figure:
    a = it.assessment
    if a is None or not a.peers:
        raise ValueError(f"{it.id} has no peers to chart")
    p = a.peers
    rows = sorted(p["values"], key=lambda v: (-v["value"], v["area"]))
    if a.polarity == "lower_is_better":
        rows.reverse()
    names = {v["area"]: (a.area_name if v["area"] == a.area else assessor.name(v["area"])) for v in rows}
    bars = [figures.Bar(_short(names[v["area"]]), v["value"], value(a, v["value"], full=False), v["area"] == a.area)
            for v in rows]  # fmt: skip
    title = f"{a.label}: the {p['group']}, {a.period_label}"
    desc = (f"Bars for {len(rows)} areas, best first; {a.area_name} ranks {p['rank']} of {p['of']}: "
            + "; ".join(f"{names[v['area']]} {value(a, v['value'], full=False)}" for v in rows) + ".")  # fmt: skip
    median = (p.get("mad") or {}).get("median")
    svg = figures.bar_chart(bars, title=title, desc=desc, axis_label=a.unit, chart_id=f"fig-{n}",
                            reference=("median of the other areas", median) if median is not None else None)
    return Figure(n, f"fig-{n}", title, svg, source_text(a),
                  [("reference", "Median of the other areas")] if median is not None else [])


def _short(name: str) -> str:
    return name.replace(" Combined Authority", "").replace(" Mayoral", "")


def _releases(wh: Warehouse, assessments: list[Assessment]) -> list[dict[str, Any]]:
    ids = sorted({r["release_id"] for a in assessments for r in a.releases})
    if not ids:
        return []
    return wh.query("""SELECT release_id, dataset_id, title, publisher, file_name, sha256,
                              CAST(publisher_release_date AS TEXT) AS release_date, CAST(loaded_at AS TEXT) AS loaded_at,
                              live_url
                       FROM releases WHERE list_contains($ids, release_id) ORDER BY dataset_id, release_id""",
                    {"ids": ids})  # fmt: skip


def _methods(a: Assessment) -> list[tuple[str, str]]:
    out = []
    parts = [a.benchmark, a.trend, a.peers, (a.peers or {}).get("mad"), a.members, (a.members or {}).get("gap_trend"),
             a.derivation, *a.targets]  # fmt: skip
    for part in parts:
        if part and part.get("method") and part.get("source"):
            out.append((str(part["method"]), str(part["source"])))
    if a.trend and a.trend.get("marker_method"):
        out.append((a.trend["marker_method"], a.trend.get("marker_source") or ""))
    return out


def _data_as_of(wh: Warehouse, as_of: str | None) -> str | None:
    """When the newest release the report could use was loaded (the moment this edition's data stand at), as an
    ISO timestamp without spaces: ``--as-of`` that moment selects exactly the same releases."""
    row = wh.con.execute("SELECT max(loaded_at) FROM releases WHERE $as_of IS NULL OR "
                         "loaded_at <= CAST($as_of AS TIMESTAMP)", {"as_of": as_of}).fetchone()  # fmt: skip
    return row[0].isoformat(timespec="microseconds") if row and row[0] is not None else None


def edition_identity(releases: list[dict[str, Any]]) -> tuple[str, str | None]:
    """An edition's identity: a checksum of the releases it used (dataset, publisher's release date, file checksum;
    never when they were loaded here), and the newest publisher's release date among them."""
    lines = sorted(f"{r['dataset_id']}|{r.get('release_date') or ''}|{r['sha256']}" for r in releases)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]
    dates = [str(r["release_date"])[:10] for r in releases if r.get("release_date")]
    return digest, max(dates) if dates else None


def commentary_sections(report: Report) -> list[str]:
    return sorted(report.section_ids)


def framework_root(path: Path) -> Path:
    return path if path.is_dir() else path.parent
