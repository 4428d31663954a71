"""The data behind every page and API endpoint: one function per view, shared by the HTML and the JSON/CSV.

Each function takes the :class:`~prosperity.web.site.Site` and a per-request warehouse, checks its
parameters (raising :class:`BadParameter` naming the parameter) and returns plain data. Pages render it with
templates; the API returns it as JSON or CSV. Nothing here computes a statistic: figures come from the
warehouse, judgements from the stored or live assessments (:mod:`prosperity.assess`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from prosperity.assess import status as st
from prosperity.assess.engine import Assessor
from prosperity.assess.run import spec_series
from prosperity.assess.sentences import fmt
from prosperity.errors import NotFound, ProsperityError
from prosperity.framework import LiveBinding, NoSource, Strategy, Theme, WarehouseBinding
from prosperity.periods import parse_period, period_label
from prosperity.warehouse import Warehouse
from prosperity.web.site import Site

HOME_AREA = "E47000004"
#: Every status, as prosperity.assess.status names and orders them.
STATUS_BUCKETS = st.STATUSES
#: Levels whose areas get a full profile of assessments (others would only say "no data").
ASSESSED_LEVELS = {"combined-authority", "metropolitan-district", "unitary-authority", "non-metropolitan-district",
                   "london-borough", "council-area", "region", "nation", "uk", "county"}  # fmt: skip
CODE = re.compile(r"^[A-Z]{1,3}[0-9A-Z]{1,8}$")
MAX_COMPARE_AREAS, MAX_COMPARE_INDICATORS, MAX_GROUP_MEMBERS = 12, 20, 60


class BadParameter(ProsperityError):
    """A request parameter that cannot be used; ``status`` is 400 (malformed) or 404 (unknown thing)."""

    def __init__(self, param: str, message: str, status: int = 400):
        super().__init__(f"{param}: {message}")
        self.param, self.status = param, status


def bucket(status: str | None) -> str:
    if not status or status == st.NO_DATA:
        return st.NO_DATA
    return status if status in STATUS_BUCKETS else st.NOT_JUDGED


def status_class(status: str | None) -> str:
    return st.css_class(bucket(status))


def check_code(param: str, code: str, wh: Warehouse) -> dict[str, Any]:
    """The area row for ``code``, or a 400 (malformed) / 404 (unknown) naming ``param``."""
    code = code.strip()
    if not CODE.match(code):
        raise BadParameter(param, f"{code[:40]!r} is not an area code (for example E47000004)")
    try:
        return wh.area(code)
    except NotFound as e:
        raise BadParameter(param, str(e), 404) from None


def check_as_of(as_of: str | date | None) -> str | None:
    """``as_of`` (text, a date or a moment) as ISO text, or a 400 naming ``as_of``; moments are read as UTC."""
    if as_of is None or as_of == "":
        return None
    if isinstance(as_of, datetime):
        if as_of.tzinfo is not None:
            try:
                as_of = as_of.astimezone(UTC).replace(tzinfo=None)
            except OverflowError:
                raise BadParameter("as_of", f"{as_of.isoformat()} is outside the years 1 to 9999 in UTC") from None
        return as_of.isoformat()
    if isinstance(as_of, date):
        return as_of.isoformat()
    from prosperity.warehouse.schema import end_of

    try:
        end_of(as_of)
    except ProsperityError:
        raise BadParameter("as_of", f"{as_of[:40]!r} is not a date; expected YYYY-MM-DD") from None
    return as_of


def split_list(param: str, raw: str | list[str] | None, most: int) -> list[str]:
    items = raw if isinstance(raw, list) else [raw or ""]
    out = [p.strip() for item in items for p in item.split(",") if p.strip()]
    out = list(dict.fromkeys(out))
    if len(out) > most:
        raise BadParameter(param, f"at most {most} values, got {len(out)}")
    return out


# ---- value presentation ---------------------------------------------------------------------------------------
_LATEST = object()


def value_text(a: dict[str, Any] | None, v: Any = _LATEST) -> str:
    """``v`` (the assessment's latest value by default) with the assessment's unit and decimal places."""
    if not a:
        return "no figure"
    dp = None if a.get("derivation") else (a.get("source") or {}).get("decimal_places")
    return fmt(a.get("value") if v is _LATEST else v, a.get("unit") or "", dp)


def number_text(a: dict[str, Any] | None, v: float | None) -> str:
    """``v`` with the assessment's decimal places; the unit only where it is a symbol (£, %), for table cells."""
    if not a or v is None:
        return "–"
    unit = (a.get("unit") or "").strip()
    short = unit if unit.startswith("£") or unit.startswith("%") else "proportion" if unit.startswith("proportion") else ""
    dp = None if a.get("derivation") else (a.get("source") or {}).get("decimal_places")
    return fmt(v, short.split(",")[0].split(" per ")[0] if short.startswith("£") else short, dp)


def summary_row(a: dict[str, Any]) -> dict[str, Any]:
    """One assessment flattened for a table row or a CSV line."""
    b, t, p, tg = a.get("benchmark") or {}, a.get("trend") or {}, a.get("peers") or {}, a.get("target") or {}
    return {
        "indicator": a["indicator"], "label": a["label"], "area": a["area"], "area_name": a["area_name"],
        "period": a.get("period"), "period_label": a.get("period_label"), "value": a.get("value"),
        "value_text": value_text(a) if a.get("value") is not None else "no figure",
        "lci_95": a.get("lci_95"), "uci_95": a.get("uci_95"), "unit": a.get("unit"), "polarity": a.get("polarity"),
        "status": a.get("status"), "benchmark_area": b.get("area_name"), "benchmark_value": b.get("value"),
        "benchmark_comparison": b.get("comparison"), "benchmark_method": b.get("method"),
        "trend_direction": t.get("direction"), "trend_judgement": t.get("judgement"), "cagr": t.get("cagr"),
        "trend_method": t.get("marker_method") or t.get("method"), "peer_rank": p.get("rank"), "peer_of": p.get("of"),
        "peer_group": p.get("group"), "peer_band": p.get("band"), "target": tg.get("id"),
        "target_status": tg.get("status"), "target_date": tg.get("date"), "projected_year": tg.get("projected_year"),
        "target_method": tg.get("method"), "publisher": (a.get("source") or {}).get("publisher"),
        "release_date": ((a.get("releases") or [{}])[0]).get("release_date"),
        "sentences": " ".join(a.get("sentences") or []),
    }  # fmt: skip


# ---- strategies, themes and outcomes --------------------------------------------------------------------------
def _counts(statuses: list[str]) -> dict[str, int]:
    c = dict.fromkeys(STATUS_BUCKETS, 0)
    for s in statuses:
        c[bucket(s)] += 1
    return c


def _indicator_status(assessed: dict[str, dict[str, Any]], ind_id: str) -> str:
    a = assessed.get(ind_id)
    return a["status"] if a else "no data"


def _theme_tree(t: Theme, assessed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    outcomes = []
    for o in t.outcomes:
        statuses = [_indicator_status(assessed, r.indicator) for r in o.indicators]
        outcomes.append({"id": o.id, "title": o.title, "indicators": len(o.indicators), "counts": _counts(statuses)})
    children = [_theme_tree(c, assessed) for c in t.themes]
    all_counts = _counts([])
    for o in outcomes:
        for k, n in o["counts"].items():
            all_counts[k] += n
    for c in children:
        for k, n in c["counts"].items():
            all_counts[k] += n
    return {"id": t.id, "kind": t.kind, "title": t.title, "description": t.description, "outcomes": outcomes,
            "themes": children, "counts": all_counts}  # fmt: skip


def _strategy_head(s: Strategy, assessed: dict[str, dict[str, Any]], wh: Warehouse) -> dict[str, Any]:
    inds = list(dict.fromkeys(r.indicator for o in s.outcomes() for r in o.indicators))
    return {"id": s.id, "title": s.title, "kind": s.kind, "publisher": s.publisher, "date": s.date, "area": s.area,
            "area_name": s.area_name or _name(wh, s.area), "horizon": s.horizon, "outcomes": len(s.outcomes()),
            "indicators": len(inds), "counts": _counts([_indicator_status(assessed, i) for i in inds]),
            "source": {"title": s.source.title, "publisher": s.source.publisher, "date": s.source.date,
                       "url": s.source.url}}  # fmt: skip


def area_name(wh: Warehouse, code: str) -> str:
    """An area's name, or its code if the warehouse does not know it."""
    return _name(wh, code)


def _name(wh: Warehouse, code: str) -> str:
    try:
        return wh.area(code)["name"]
    except NotFound:
        return code


def strategies(site: Site, wh: Warehouse, with_themes: bool = False, area: str | None = None) -> list[dict[str, Any]]:
    """Every strategy of the site's framework with counts of its indicators' statuses for the strategy's own area;
    or, for ``area``, the strategies of the area's own framework that serve it (see ``applies_to``)."""
    if area is None:
        chosen = list(site.fw.strategies.values())
    else:
        from prosperity.framework import strategies_for_area

        place = check_code("area", area, wh)
        parents = [r["parent"] for r in wh.query("SELECT parent FROM area_parents WHERE child = ? AND depth = 1",
                                                 [area])]  # fmt: skip
        chosen = strategies_for_area(site.framework_for(area)[0], area, parents, place["name"])
    out = []
    for s in chosen:
        assessed = site.assessments(wh, s.area)
        head = _strategy_head(s, assessed, wh)
        if with_themes:
            head["themes"] = [_theme_tree(t, assessed) for t in s.themes]
        out.append(head)
    return out


def findings(site: Site, wh: Warehouse, area: str | None = None) -> dict[str, Any]:
    """What the home page opens with: the headline findings of ``area`` (default: the city region) by the written
    rules of :mod:`prosperity.report.findings`, then every current target and headline outcome with its status,
    latest figure and the year the recent trend would meet it. Read from the stored assessments."""
    from prosperity.framework import strategies_for_area
    from prosperity.report.findings import RULES, figure, from_dict, source_text
    from prosperity.report.findings import findings as rule_findings

    area = area or HOME_AREA
    place = check_code("area", area, wh)
    fw = site.framework_for(area)[0]
    heads = list(fw.manifest.headlines) if fw.manifest else []
    parents = [r["parent"] for r in wh.query("SELECT parent FROM area_parents WHERE child = ? AND depth = 1", [area])]
    serving = strategies_for_area(fw, area, parents, place["name"])
    ids = {s.id for s in serving}
    in_scope = {r.indicator for s in serving for o in s.outcomes() for r in o.indicators} | set(heads)
    shown = []
    for ind, d in site.assessments(wh, area).items():
        if ind not in in_scope:
            continue
        a = from_dict(d)
        a.targets = [t for t in a.targets if t.get("strategy") in ids]  # only this area's strategies' targets
        shown.append(a)
    order = [r.indicator for s in serving for o in s.outcomes() for r in o.indicators]
    found = rule_findings(shown, headlines=heads, target_order=order)
    by_id = {a.indicator: a for a in shown}
    rows: list[dict[str, Any]] = []
    for a in sorted(shown, key=lambda a: (order.index(a.indicator) if a.indicator in order else len(order))):
        for t in a.targets:
            if t.get("superseded_by"):
                continue
            met = "met" if t.get("status") == "met" else str(t["projected_year"]) if t.get("projected_year") else ""
            rows.append({"kind": "target", "label": str(t.get("resolved") or t.get("kind") or "target"),
                         "indicator": a.indicator, "indicator_label": a.label,
                         "status": t.get("status") or st.NOT_JUDGED, "figure": figure(a) if a.value is not None else None,
                         "period": a.period_label, "met_in": met})  # fmt: skip
    with_target = {r["indicator"] for r in rows}
    for ind in heads:
        a = by_id.get(ind)
        if a is not None and ind not in with_target:
            rows.append({"kind": "headline", "label": a.label, "indicator": ind, "indicator_label": a.label,
                         "status": a.status, "figure": figure(a) if a.value is not None else None,
                         "period": a.period_label, "met_in": ""})  # fmt: skip
    return {"area": area, "area_name": place["name"], "rules": RULES,
            "findings": [{**f.as_dict(), "source": source_text(by_id[f.indicator])} for f in found],
            "status_rows": rows}


#: The headline the home page leads with: the Growth Plan's headline outcome, productivity, for the city region.
HEADLINE = ("E47000004", "gva-per-hour-worked")


def headline(site: Site, wh: Warehouse, area: str | None = None) -> dict[str, Any] | None:
    """The headline indicator's status and its headline sentences (level, gap to the benchmark, real-terms trend):
    the city region's productivity, or for ``area`` the first headline outcome of the area's own framework."""
    if area is None:
        area, ind = HEADLINE
    else:
        manifest = site.framework_for(area)[0].manifest
        heads = manifest.headlines if manifest else []
        if not heads:
            return None
        ind = heads[0]
    try:
        a = site.assessments(wh, area).get(ind)
    except NotFound:
        return None
    if not a or a.get("value") is None:
        return None
    return {"label": a["label"], "area": area, "area_name": a["area_name"], "indicator": ind, "status": a["status"],
            "sentences": a.get("headline") or a.get("sentences", [])[:1]}  # fmt: skip


def strategy(site: Site, wh: Warehouse, strategy_id: str) -> dict[str, Any]:
    s = site.fw.strategies.get(strategy_id)
    if s is None:
        raise BadParameter("strategy", f"unknown strategy {strategy_id[:80]!r}; known: {', '.join(site.fw.strategies)}", 404)
    assessed = site.assessments(wh, s.area)
    return {**_strategy_head(s, assessed, wh), "themes": [_theme_tree(t, assessed) for t in s.themes]}


def outcomes(site: Site, wh: Warehouse, strategy_id: str | None = None) -> list[dict[str, Any]]:
    if strategy_id and strategy_id not in site.fw.strategies:
        raise BadParameter("strategy", f"unknown strategy {strategy_id[:80]!r}; known: {', '.join(site.fw.strategies)}", 404)
    themes = site.fw.themes()
    out = []
    for o in site.fw.outcomes().values():
        if strategy_id and o.strategy != strategy_id:
            continue
        s = site.fw.strategies[o.strategy]
        assessed = site.assessments(wh, s.area)
        statuses = [_indicator_status(assessed, r.indicator) for r in o.indicators]
        out.append({"id": o.id, "title": o.title, "strategy": o.strategy, "theme": o.theme,
                    "theme_title": themes[o.theme].title if o.theme in themes else None,
                    "indicators": ",".join(r.indicator for r in o.indicators), "area": s.area,
                    **{f"count_{k.replace(' ', '_')}": n for k, n in _counts(statuses).items()}})  # fmt: skip
    return out


def _binding(ind: Any) -> dict[str, Any]:
    b = ind.data
    if isinstance(b, WarehouseBinding):
        return {"kind": "warehouse", "warehouse": b.warehouse, "breakdown": b.breakdown, "note": b.note}
    if isinstance(b, LiveBinding):
        return {"kind": "live", "source": b.live.source, "dataset": b.live.dataset, "reason": b.reason}
    return {"kind": "none", "reason": b.none if isinstance(b, NoSource) else ""}


def outcome(site: Site, wh: Warehouse, outcome_id: str, area: str | None = None,
            as_of: str | None = None) -> dict[str, Any]:  # fmt: skip
    fw, o = next(((fw, fw.outcomes()[outcome_id]) for fw, _ in site.frameworks() if outcome_id in fw.outcomes()),
                 (None, None))  # fmt: skip
    if fw is None or o is None:
        raise BadParameter("outcome", f"unknown outcome {outcome_id[:80]!r}", 404)
    s = fw.strategies[o.strategy]
    area = area or s.area or HOME_AREA
    place = check_code("area", area, wh)
    as_of = site.as_of(wh, check_as_of(as_of))
    themes = fw.themes()
    path, tid = [], o.theme
    while tid and tid in themes:
        path.insert(0, {"id": tid, "kind": themes[tid].kind, "title": themes[tid].title})
        tid = themes[tid].parent
    rows = []
    for ref in o.indicators:
        ind = fw.indicators.get(ref.indicator)
        a = site.assessment(wh, area, ref.indicator, as_of) if ind and site.spec(ref.indicator, area) else None
        rows.append({
            "id": ref.indicator, "label": ind.label if ind else ref.indicator, "unit": ind.unit if ind else "",
            "polarity": ind.polarity if ind else "", "basis": ref.basis, "binding": _binding(ind) if ind else None,
            "targets": [{"id": t.id, "kind": t.kind, "value": t.value, "date": t.date, "set_by": t.set_by,
                         "cite": "; ".join(dict.fromkeys(str(c) for c in t.cite))} for t in ref.targets],
            "assessment": a, "status": a["status"] if a else "no data",
            "value_text": value_text(a) if a and a.get("value") is not None else "no figure",
        })  # fmt: skip
    return {"id": o.id, "title": o.title, "description": o.description, "notes": o.notes, "horizon": o.horizon,
            "strategy": {"id": s.id, "title": s.title}, "themes": path, "area": area, "area_name": place["name"],
            "cite": list(dict.fromkeys(str(c) for c in o.cite)), "indicators": rows,
            # where in the source document, for analysts checking a citation (pages show the readable ``cite``)
            "citations": [c.model_dump(include={"document", "lines", "page", "quote"}) for c in o.cite],
            "counts": _counts([r["status"] for r in rows])}  # fmt: skip


# ---- indicators ---------------------------------------------------------------------------------------------
def indicators(site: Site, wh: Warehouse, search: str | None = None) -> list[dict[str, Any]]:
    """The site's framework's indicators with their data binding and where they are used."""
    return _indicator_rows(site.fw, wh, search)


def framework_indicators(site: Site, wh: Warehouse, search: str | None = None) -> list[dict[str, Any]]:
    """Every framework beside the site's with its indicators, for the indicators page."""
    return [{"id": fw.id, "title": fw.title, "description": fw.manifest.description if fw.manifest else None,
             "applies_to": (fw.manifest.applies_to if fw.manifest else None),
             "rows": _indicator_rows(fw, wh, search)} for fw, _ in site.frameworks()]  # fmt: skip


def _indicator_rows(fw: Any, wh: Warehouse, search: str | None) -> list[dict[str, Any]]:
    from prosperity.framework.model import LIVE_SOURCES

    out = []
    q = (search or "").lower()
    publishers = {r["indicator_id"]: r["source_org"] or r["publisher_name"] for r in wh.query(
        "SELECT DISTINCT ON (indicator_id) indicator_id, source_org, publisher_name FROM indicators "
        "ORDER BY indicator_id, release_id DESC")}  # fmt: skip
    for ind in fw.indicators.values():
        if q and q not in ind.id and q not in ind.label.lower():
            continue
        b = _binding(ind)
        if b["kind"] == "warehouse":
            source = publishers.get(b["warehouse"]) or "official statistics (publisher not recorded)"
        elif b["kind"] == "live":
            source = f"not yet loaded: {LIVE_SOURCES.get(b['source'], b['source'])}"
        else:
            source = "no source yet"
        uses = fw.uses(ind.id)
        out.append({"id": ind.id, "label": ind.label, "unit": ind.unit, "polarity": ind.polarity,
                    "data": b["kind"], "warehouse": b.get("warehouse"), "breakdown": b.get("breakdown"),
                    "outcomes": ",".join(o.id for o in uses), "source": source, "uses": len(uses),
                    "strategies": sorted({fw.strategies[o.strategy].title for o in uses})})  # fmt: skip
    return out


def _x(period: str) -> float:
    """A period's position on a chart's time axis: its middle, in fractional years."""
    p = parse_period(period)
    mid = p.start + (p.end - p.start) / 2
    return mid.year + (mid.timetuple().tm_yday - 1) / 365.25


def indicator(site: Site, wh: Warehouse, indicator_id: str, area: str = "E47000004",
              as_of: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A framework indicator for one area: assessment, chart series, table, map data, sources and methods."""
    place = check_code("area", area, wh)
    found = site.indicator_def(indicator_id, area)
    if found is None:
        raise BadParameter("indicator", f"unknown indicator {indicator_id[:80]!r}", 404)
    fw, ind = found
    as_of = site.as_of(wh, check_as_of(as_of))
    out: dict[str, Any] = {"id": ind.id, "label": ind.label, "unit": ind.unit, "polarity": ind.polarity,
                           "definition": ind.definition, "notes": ind.notes, "binding": _binding(ind), "area": area,
                           "area_name": place["name"], "area_level": place["level"],
                           "outcomes": [{"id": o.id, "title": o.title, "strategy": o.strategy}
                                        for o in fw.uses(ind.id)],
                           "assessment": None, "series": [], "lines": {}, "map": None, "meta": None}  # fmt: skip
    spec = site.spec(ind.id, area)
    if spec is None:
        return out
    if as_of is not None:
        site.expensive("an indicator as of a date")
    a = site.assessment(wh, area, ind.id, as_of)
    out["assessment"] = a
    try:
        out["meta"] = wh.indicator(spec.warehouse)
    except NotFound:  # bound to a series this warehouse does not hold (yet): the page says there is no figure
        return out
    with site.engine(wh, as_of) as assessor:  # what it has read (every area's series) serves later requests
        series = assessor.series(spec, area)
        bench_code = (a or {}).get("benchmark", {}) and a["benchmark"]["area"]
        bench = {p.period: p for p in assessor.published(spec.warehouse, bench_code, spec.breakdown)} if bench_code else {}
        rel = {r["release_id"]: r for r in (a or {}).get("releases", [])}
        rows = []
        for p in series.points:
            r = rel.get(p.release_ids[0]) if len(p.release_ids) == 1 else None
            b = bench.get(p.period)
            rows.append({"period": p.period, "period_label": period_label(p.period), "value": p.value,
                         "lci_95": p.lci_95, "uci_95": p.uci_95, "benchmark": b.value if b else None,
                         "release_id": ",".join(map(str, p.release_ids)),
                         "release_date": r.get("release_date") if r else None})  # fmt: skip
        out["series"] = rows
        peers = []
        if a and a.get("peers"):
            codes = [v["area"] for v in a["peers"].get("values", []) if v["area"] != area]
            for c in codes:
                pts = assessor.published(spec.warehouse, c, spec.breakdown)
                if pts:
                    peers.append({"area": c, "name": assessor.name(c), "points": [(_x(p.period), p.value) for p in pts]})
    out["lines"] = {
        "main": [(_x(p["period"]), p["value"]) for p in rows],
        "band": [(_x(p["period"]), p["lci_95"], p["uci_95"]) for p in rows
                 if p["lci_95"] is not None and p["uci_95"] is not None],
        "benchmark": [(_x(p), b.value) for p, b in bench.items()] if bench else [],
        "benchmark_name": a["benchmark"]["area_name"] if bench else None,
        "peers": peers,
        "peer_group": (a.get("peers") or {}).get("group") if a else None,
    }  # fmt: skip
    out["map"] = la_values(site, wh, ind.id, (a or {}).get("period"), as_of)
    return out


def la_values(site: Site, wh: Warehouse, indicator_id: str, period: str | None = None,
              as_of: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Every local authority's published value of an indicator for one period (the latest if none is given)."""
    spec = site.spec(indicator_id)
    if spec is None:
        raise BadParameter("indicator", f"{indicator_id[:80]!r} is not a framework indicator with warehouse data", 404)
    as_of = site.as_of(wh, check_as_of(as_of))
    if as_of is not None:
        site.expensive("local authorities' values as of a date")
    with site.engine(wh, as_of) as assessor:
        assessor.published(spec.warehouse, "", spec.breakdown)  # fills the per-area cache in one query
        by_area = assessor._cache[(spec.warehouse, spec.breakdown)]
    las = {c for c in by_area if c[:3] in ("E06", "E07", "E08", "E09", "W06", "S12", "N09")}
    periods = {p.period for c in las for p in by_area[c]}
    if period is None or period not in periods:
        period = max(periods, key=lambda p: parse_period(p).end) if periods else None
    values = {}
    for c in las:
        for p in by_area[c]:
            if p.period == period:
                values[c] = p.value
    meta = wh.indicator(spec.warehouse)
    dp = meta.get("decimal_places")
    names = {r["code"]: r["name"] for r in wh.query("SELECT code, name FROM areas WHERE list_contains(?, code)",
                                                     [sorted(values)])}  # fmt: skip
    ordered = sorted(values.items(), key=lambda kv: names.get(kv[0], kv[0]))
    rows = [{"area": c, "name": names.get(c, c), "period": period, "value": v, "value_text": fmt(v, spec.unit, dp)}
            for c, v in ordered]
    return {"indicator": indicator_id, "period": period, "period_label": period_label(period) if period else None,
            "unit": spec.unit, "rows": rows, "publisher": meta.get("source_org")}  # fmt: skip


def series(site: Site, wh: Warehouse, indicator_id: str, area: str, breakdown: str | None = None,
           history: bool = False, as_of: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """A published series by warehouse or framework indicator id, with every release's values if ``history``."""
    warehouse_id, brk = indicator_id, breakdown
    spec = site.spec(indicator_id, area)
    if spec is not None:
        warehouse_id = spec.warehouse
        brk = spec.breakdown if breakdown is None else breakdown
        area_code = spec.area_map.get(area, area)
    else:
        area_code = area
    try:
        wh.indicator(warehouse_id)
    except NotFound as e:
        raise BadParameter("indicator", str(e), 404) from None
    check_code("area", area, wh)
    as_of = site.as_of(wh, check_as_of(as_of))
    if as_of is not None:
        site.expensive("a series as of a date")
    obs = wh.series(warehouse_id, area_code, breakdown=brk, history=history, as_of=as_of)
    return [o.as_dict() for o in obs]


# ---- areas ----------------------------------------------------------------------------------------------------
def areas(site: Site, wh: Warehouse, level: str | None = None, parent: str | None = None,
          search: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    if parent:
        check_code("parent", parent, wh)
    if level:
        known = {r["level"] for r in wh.query("SELECT DISTINCT level FROM areas")}
        if level not in known:
            raise BadParameter("level", f"unknown level {level[:40]!r}; known: {', '.join(sorted(known))}")
    return wh.areas(level=level, parent=parent, search=search)


def _ca_ends(site: Site) -> dict[str, int | None]:
    """Every English combined authority of ONS's boundaries with the last year it existed (None: it exists now).
    The boundary file keeps abolished ones (North of Tyne; two earlier "North East"s) with an ``end`` year."""
    topo = site.topology or {}
    geometries = ((topo.get("objects") or {}).get("cauth") or {}).get("geometries") or []
    return {str(g["properties"]["areacd"]): g["properties"].get("end") for g in geometries
            if str((g.get("properties") or {}).get("areacd", "")).startswith("E47")}  # fmt: skip


def current_combined_authorities(site: Site, wh: Warehouse) -> list[str]:
    """The combined authorities that exist now (ONS's current boundaries), not those abolished or merged."""

    def make() -> list[str]:
        ends = _ca_ends(site)
        if not ends:  # no boundary file: every combined authority the warehouse knows
            return Assessor(wh).combined_authorities()
        return sorted(code for code, end in ends.items() if not end)

    return site.derived.get_or(("current-cas",), make)


def _former(site: Site, wh: Warehouse, row: dict[str, Any]) -> str | None:
    """Why an area is no longer current (``former combined authority, to 2023``), or None if it is."""
    end = row.get("end_year") or (_ca_ends(site).get(row["code"]) if row["level"] == "combined-authority" else None)
    if end:
        return f"former {str(row['level']).replace('-', ' ')}, to {end}"
    if row["level"] == "combined-authority" and row["code"] not in current_combined_authorities(site, wh):
        return "former combined authority"
    return None


def area_choices(site: Site, wh: Warehouse) -> list[dict[str, Any]]:
    """The areas a picker offers: the combined authorities that exist now, then the city region's councils."""

    def make() -> list[dict[str, Any]]:
        current = current_combined_authorities(site, wh)
        cas = wh.query("SELECT code, name, level FROM areas WHERE list_contains(?, code) ORDER BY name", [current])
        councils = wh.query("""SELECT a.code, a.name, a.level FROM area_parents p JOIN areas a ON a.code = p.child
                               WHERE p.parent = ? AND p.depth = 1 AND a.level IN ('metropolitan-district',
                               'unitary-authority') ORDER BY a.name""", [HOME_AREA])  # fmt: skip
        return [{**r, "group": "Combined authorities"} for r in cas] + [
            {**r, "group": f"{_name(wh, HOME_AREA)}'s councils"} for r in councils]

    return site.derived.get_or(("area-choices",), make)


def _words(text: str) -> str:
    """A name as search compares it: lower case, "&" as "and", a full stop as a space, no other punctuation."""
    text = text.lower().replace("&", " and ").replace(".", " ")  # "st.helens" is "st helens"
    return " ".join(re.sub(r"[^\w\s]", "", text).split())


def search_areas(site: Site, wh: Warehouse, text: str) -> list[dict[str, Any]]:
    """Areas whose name contains ``text`` (ignoring case and punctuation: "st helens" finds "St. Helens"), or
    whose code starts with it; councils, combined authorities, regions and nations only; current areas first."""
    words = _words(text)
    if not words:
        return []
    levels = sorted(ASSESSED_LEVELS)
    rows = wh.query(r"""SELECT code, name, level, end_year FROM areas
                        WHERE list_contains($levels, level) AND (
                          trim(regexp_replace(regexp_replace(replace(replace(lower(name), '&', ' and '), '.', ' '),
                                                            '[^\w\s]', '', 'g'),
                                              '\s+', ' ', 'g')) LIKE '%' || $words || '%'
                          OR upper(code) LIKE upper($raw) || '%')
                        ORDER BY name, code LIMIT 200""", {"levels": levels, "words": words, "raw": text.strip()})
    out = [{**r, "former": _former(site, wh, r)} for r in rows]
    return sorted(out, key=lambda r: (r["former"] is not None, _words(r["name"]) != words, r["name"], r["code"]))


def area(site: Site, wh: Warehouse, code: str, as_of: str | None = None) -> dict[str, Any]:
    """A profile of an area: parents, members, peers and every framework indicator's assessment."""
    row = check_code("code", code, wh)
    as_of = site.as_of(wh, check_as_of(as_of))
    parents = wh.query("""SELECT a.code, a.name, a.level FROM area_parents p JOIN areas a ON a.code = p.parent
                          WHERE p.child = ? AND p.depth = 1 ORDER BY a.code""", [code])  # fmt: skip
    members = wh.query("SELECT code, name, level FROM areas WHERE list_contains(?, code) ORDER BY name",
                       [wh.members(code)])  # fmt: skip
    if row["level"] == "combined-authority":
        every = site.derived.get_or(("combined-authorities",), lambda: Assessor(wh).combined_authorities())
        peer_codes, peer_kind = [c for c in every if c != code], "the other combined authorities"
    else:
        peer_codes, peer_kind = wh.neighbours(code, "global"), "ONS's 20 most similar local authorities"
    names = {r["code"]: r["name"] for r in wh.query("SELECT code, name FROM areas WHERE list_contains(?, code)",
                                                     [peer_codes])}  # fmt: skip
    peers = [{"code": c, "name": names.get(c, c)} for c in peer_codes]
    assessed: list[dict[str, Any]] = []
    if row["level"] in ASSESSED_LEVELS:
        assessed = sorted(site.assessments(wh, code, as_of).values(), key=lambda a: a["label"].lower())
    return {"code": code, "name": row["name"], "level": row["level"], "parents": parents, "members": members,
            "peers": peers, "peer_kind": peer_kind, "assessments": [summary_row(a) for a in assessed],
            "counts": _counts([a["status"] for a in assessed])}  # fmt: skip


# ---- assessments, groups, compare --------------------------------------------------------------------------
def assessments(site: Site, wh: Warehouse, area: str | None = None, indicator: str | None = None,
                strategy: str | None = None, status: str | None = None,
                as_of: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Assessments (full JSON contract): of one area (stored or live), else every stored one."""
    as_of = site.as_of(wh, check_as_of(as_of))
    if indicator and site.spec(indicator, area) is None:
        raise BadParameter("indicator", f"{indicator[:80]!r} is not a framework indicator with warehouse data", 404)
    if strategy and strategy not in site.fw.strategies:
        raise BadParameter("strategy", f"unknown strategy {strategy[:80]!r}", 404)
    if area:
        row = check_code("area", area, wh)
        if row["level"] not in ASSESSED_LEVELS and area not in site.stored_areas:
            raise BadParameter("area", f"{area} is a {row['level']}; assessments are made for local authorities, "
                                       "combined authorities, regions and nations")  # fmt: skip
        if indicator:
            found = [site.assessment(wh, area, indicator, as_of)]
        else:
            found = list(site.assessments(wh, area, as_of).values())
    else:
        if as_of:
            raise BadParameter("as_of", "give an area with as_of (past assessments are computed one area at a time)")
        found = []
        for code in sorted(site.stored_areas):
            found.extend(site.assessments(wh, code).values())
    found = [a for a in found if a is not None]
    if indicator:
        found = [a for a in found if a["indicator"] == indicator]
    if strategy:
        found = [a for a in found if strategy in a.get("strategies", [])]
    if status:
        found = [a for a in found if a["status"] == status or bucket(a["status"]) == status]
    return sorted(found, key=lambda a: (a["area"], a["indicator"]))


def group(site: Site, wh: Warehouse, name: str, members: list[str], indicator: str | None = None,
          as_of: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise BadParameter("name", "give the group a name of 1 to 120 characters")
    if len(members) < 2:
        raise BadParameter("members", "a group needs at least two member area codes, comma-separated")
    if len(members) > MAX_GROUP_MEMBERS:
        raise BadParameter("members", f"at most {MAX_GROUP_MEMBERS} members")
    for m in members:
        check_code("members", m, wh)
    if indicator and indicator not in site.specs:
        raise BadParameter("indicator", f"{indicator[:80]!r} is not a framework indicator with warehouse data", 404)
    as_of = site.as_of(wh, check_as_of(as_of))
    key = ("group", name, tuple(members), indicator, as_of)

    def make() -> list[dict[str, Any]]:
        site.expensive("the assessment of a group")
        specs = [site.specs[indicator]] if indicator else list(site.specs.values())
        with site.engine(wh, as_of) as assessor:
            assessor.read_many(k for s in specs for k in spec_series(s))  # one query, not one a series
            return [assessor.assess(s, name, area_name=name, members=list(members)).as_dict() for s in specs]

    return site.derived.get_or(key, make)


def _live(site: Site, wh: Warehouse, as_of: str | None, spec: Any, code: str) -> dict[str, Any]:
    """One assessment computed now (an expensive request: admitted under the limits)."""
    site.expensive("assessments computed for a comparison")
    with site.engine(wh, as_of) as assessor:
        return assessor.assess(spec, code).as_dict()


@dataclass
class Compare:
    areas: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    cells: dict[str, dict[str, dict[str, Any]]]  # indicator → area → summary row

    def rows(self) -> list[dict[str, Any]]:
        return [self.cells[i["id"]][a["code"]] for i in self.indicators for a in self.areas]


def compare(site: Site, wh: Warehouse, area_codes: list[str], indicator_ids: list[str],
            as_of: str | None = None) -> Compare:  # fmt: skip
    if not area_codes:
        raise BadParameter("areas", "choose at least one area code")
    if not indicator_ids:
        raise BadParameter("indicators", "choose at least one framework indicator")
    places = [check_code("areas", c, wh) for c in area_codes]
    for i in indicator_ids:
        if site.spec(i) is None:
            raise BadParameter("indicators", f"{i[:80]!r} is not a framework indicator with warehouse data", 404)
    as_of = site.as_of(wh, check_as_of(as_of))
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for i in indicator_ids:
        cells[i] = {}
        for p in places:
            cached = site.assessed.get((p["code"], as_of))
            if cached is None and site.stored_then(wh, p["code"], as_of):  # stored now, or for that past moment
                cached = site.assessments(wh, p["code"], as_of)
            a = cached.get(i) if cached else None
            if a is None:
                spec = site.spec(i, p["code"])
                a = site.derived.get_or(("one", p["code"], i, as_of), lambda s=spec, c=p["code"]:
                                        _live(site, wh, as_of, s, c))  # fmt: skip
            cells[i][p["code"]] = summary_row(a)
    specs = {i: site.spec(i) for i in indicator_ids}
    inds = [{"id": i, "label": specs[i].label, "unit": specs[i].unit} for i in indicator_ids]
    return Compare([{"code": p["code"], "name": p["name"]} for p in places], inds, cells)


# ---- sources and releases -------------------------------------------------------------------------------------
def releases(site: Site, wh: Warehouse, dataset: str | None = None) -> list[dict[str, Any]]:
    rows = wh.query(
        """SELECT release_id, dataset_id AS dataset, title, publisher, file_name, sha256,
                  CAST(publisher_release_date AS TEXT) AS release_date, CAST(loaded_at AS TEXT) AS loaded_at, origin,
                  live_url, row_count AS rows, set_aside, previous_release_id,
                  release_id IN (SELECT release_id FROM current_releases) AS current
           FROM releases WHERE ($d IS NULL OR dataset_id = $d) ORDER BY dataset_id, release_id""",
        {"d": dataset},
    )  # fmt: skip
    if dataset and not rows:
        raise BadParameter("dataset", f"no releases of dataset {dataset[:80]!r}", 404)
    return rows
