"""Applying the methods to the warehouse: one assessment per indicator and area.

Every judgement records the method that made it (id and published source) and the inputs it used; every
assessment lists the releases its figures came from. Nothing here computes a statistic of its own: the
numbers come from the warehouse and the judgements from :mod:`prosperity.methods`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from prosperity.assess import sentences
from prosperity.assess.spec import Spec, TargetSpec, gap_rules
from prosperity.errors import NotFound
from prosperity.methods import (
    IOD2019_LSOAS,
    InsufficientData,
    LsoaRecord,
    MethodError,
    NotAggregable,
    Polarity,
    TrendPoint,
    aggregate,
    assess_target,
    compare_with_benchmark,
    deprivation_summary,
    direction_of_travel,
    dispersion,
    fingertips_trend_marker,
    gap_in_people,
    gap_trend,
    mad_band,
    rank_among_peers,
)
from prosperity.methods.progress_opensdg import STATUS_LABELS
from prosperity.periods import parse_period, period_label
from prosperity.warehouse import Warehouse

BENCHMARKS = ("E92000001", "K02000001", "K99000002", "TLB", "K03000001", "K04000001")
TREND_YEARS = 10  # direction of travel looks back this many years at most
LINEAR_STATUS = {  # German sustainability strategy weather symbols, in words
    "sun": ("on track", True),
    "sun_behind_cloud": ("slightly off track", False),
    "cloud": ("off track", False),
    "thunderstorm": ("moving away from the target", False),
    "not_assessed": ("not assessable", None),
}
OPEN_SDG_ON_TRACK = {"target_achieved": True, "substantial_progress": True, "moderate_progress": False,
                     "limited_progress": False, "deterioration": False, "not_available": None}  # fmt: skip


@dataclass
class Point:
    """One period's value as assessed: read from the warehouse, or built from member areas."""

    period: str
    value: float
    lci_95: float | None = None
    uci_95: float | None = None
    release_ids: tuple[int, ...] = ()

    @property
    def year(self) -> int:
        p = parse_period(self.period)
        if p.unit == "Y" and (p.count or 1) > 1:
            return p.end.year - 1
        return p.start.year


@dataclass
class Series:
    points: list[Point]
    how: str = "published"  # or a description of the aggregation
    method: dict[str, Any] | None = None
    reason: str = ""


@dataclass
class Assessment:
    indicator: str
    label: str
    area: str
    area_name: str
    unit: str
    polarity: str
    breakdown: str
    warehouse_indicator: str
    period: str | None = None
    period_label: str | None = None
    value: float | None = None
    lci_95: float | None = None
    uci_95: float | None = None
    status: str = "no data"
    source: dict[str, Any] = field(default_factory=dict)
    derivation: dict[str, Any] | None = None
    read_area: dict[str, Any] | None = None
    benchmark: dict[str, Any] | None = None
    trend: dict[str, Any] | None = None
    peers: dict[str, Any] | None = None
    members: dict[str, Any] | None = None
    target: dict[str, Any] | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    releases: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    strategies: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.__dict__, default=_plain))


def _plain(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "value"):  # enums
        return v.value
    if isinstance(v, tuple):
        return list(v)
    if hasattr(v, "__dataclass_fields__"):
        return {k: getattr(v, k) for k in v.__dataclass_fields__}
    return str(v)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


class Assessor:
    """Assesses specs for areas against one warehouse (optionally as it stood at ``as_of``)."""

    def __init__(self, wh: Warehouse, as_of: str | None = None):
        from prosperity.warehouse.schema import end_of

        self.wh = wh
        self.as_of = end_of(as_of) if as_of else None
        self._meta: dict[str, dict[str, Any] | None] = {}
        self._ids: set[str] | None = None
        self._ca: list[str] | None = None
        self._releases: dict[int, dict[str, Any]] = {}
        self._cache: dict[tuple[str, str], dict[str, list[Point]]] = {}
        self._names: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._neighbours: dict[str, list[str]] = {}
        self._levels: dict[str, str] = {}
        self._lsoa_cache: dict[str, dict[str, list[tuple[LsoaRecord, str, tuple[int, ...]]]]] = {}
        self._derived: dict[str, Any] = {}  # derived series id → its DerivedBinding (framework/model.py)

    # ---- reading ------------------------------------------------------------------------------------------
    def meta(self, warehouse_id: str) -> dict[str, Any] | None:
        """The warehouse indicator's metadata, or ``None`` if the warehouse does not hold it (yet)."""
        if warehouse_id in self._derived and warehouse_id not in self._meta:
            from prosperity.framework.derived import derived_meta

            d = self._derived[warehouse_id]
            self._meta[warehouse_id] = derived_meta(d, self.meta(d.numerator.warehouse),
                                                    self.meta(d.denominator.warehouse))  # fmt: skip
        if warehouse_id not in self._meta:
            ids = self._ids if self._ids is not None else self.wh.indicator_ids()
            self._ids = ids
            self._meta[warehouse_id] = self.wh.indicator(warehouse_id) if warehouse_id in ids else None
        return self._meta[warehouse_id]

    def published(self, warehouse_id: str, area: str, breakdown: str) -> list[Point]:
        """An area's published values, read with every other area's in one query per indicator and breakdown."""
        if warehouse_id in self._derived:  # a ratio of two published series, computed for each period both have
            from prosperity.framework.derived import ratio_points

            d = self._derived[warehouse_id]
            return ratio_points(d, self.published(d.numerator.warehouse, d.numerator.area_for(area), d.numerator.breakdown),
                                self.published(d.denominator.warehouse, d.denominator.area_for(area),
                                               d.denominator.breakdown), Point)  # fmt: skip
        key = (warehouse_id, breakdown)
        if key not in self._cache:
            by_area: dict[str, list[Point]] = {}
            rows = self.wh.con.execute(
                f"""SELECT area_code, period, value, lci_95, uci_95, release_id FROM {self._obs()}
                    WHERE indicator_id = $ind AND breakdown = $brk AND value IS NOT NULL AND isfinite(value)
                    ORDER BY area_code, period_start, period_end""",
                {"ind": warehouse_id, "brk": breakdown, **({"as_of": self.as_of} if self.as_of else {})},
            ).fetchall()
            for code, period, value, lci, uci, rel in rows:
                by_area.setdefault(code, []).append(Point(period, value, _finite(lci), _finite(uci), (rel,)))
            self._cache[key] = by_area
        return self._cache[key].get(area, [])

    def name(self, code: str) -> str:
        if code not in self._names:
            self._names[code] = self.wh.area(code)["name"]
        return self._names[code]

    def combined_authorities(self) -> list[str]:
        """The combined authorities of the current (2025) boundaries: ONS's ``cauth`` layer, English codes."""
        if self._ca is None:
            try:
                topo = json.loads(self.wh.document("boundaries"))
                codes = [g["properties"]["areacd"] for g in topo["objects"]["cauth"]["geometries"]]
            except (NotFound, KeyError):
                codes = [r["code"] for r in self.wh.areas(level="combined-authority")]
            self._ca = sorted(c for c in codes if c.startswith("E47"))
        return self._ca

    def members(self, area: str) -> list[str]:
        if area not in self._members:
            self._members[area] = self.wh.members(area)
        return self._members[area]

    def neighbours(self, area: str) -> list[str]:
        if area not in self._neighbours:
            self._neighbours[area] = self.wh.neighbours(area, "global")
        return self._neighbours[area]

    def level(self, area: str) -> str:
        if area not in self._levels:
            self._levels[area] = self.wh.area(area)["level"]
        return self._levels[area]

    # ---- series for an area, published or built from members ------------------------------------------
    def series(self, spec: Spec, area: str, members: list[str] | None = None) -> Series:
        code = spec.area_map.get(area, area)
        rule = spec.aggregation
        if rule.rule == "lsoa_deprivation":
            return self._deprivation(spec, area, members)
        own = self.published(spec.warehouse, code, spec.breakdown) if members is None else []
        if own:
            return Series(own)
        parts = rule.parts_of(area) if members is None else []
        members = members if members is not None else (parts or self.members(area))
        if not members:
            return Series([], reason=f"no figures for this area in {spec.warehouse}")
        if rule.rule == "not_aggregable":
            return Series([], reason=f"the publisher gives no figure for this area, and {spec.warehouse} is not "
                                     f"aggregable from its members ({rule.reason})")  # fmt: skip
        if rule.parts_only and not parts:
            return Series([], reason=f"the publisher gives no figure for this area, and its members' figures in "
                                     f"{spec.warehouse} do not add up to it ({rule.parts_note})")  # fmt: skip
        s = self._aggregate(spec, members)
        if parts and s.points:  # the areas the publisher gives, which together make up this one
            s.how = (f"the {rule.rule.replace('_', ' ')} of {' and '.join(self.name(p) for p in parts)}"
                     + (f" ({rule.parts_note})" if rule.parts_note else ""))  # fmt: skip
        return s

    def _aggregate(self, spec: Spec, members: list[str]) -> Series:
        rule = spec.aggregation
        data: dict[str, dict[str, dict[str, Point]]] = {}
        wanted = {"values": spec.warehouse}
        if rule.rule == "ratio_of_sums":
            wanted = {"numerators": rule.numerator or "", "denominators": rule.denominator or ""}
        elif rule.rule == "weighted_mean":
            wanted = {"values": spec.warehouse, "weights": rule.weight or ""}
        for role, ind in wanted.items():
            for m in members:
                for p in self.published(ind, m, spec.breakdown if ind == spec.warehouse else ""):
                    data.setdefault(p.period, {}).setdefault(role, {})[m] = p
        points, last = [], None
        for period in sorted(data, key=lambda p: parse_period(p).start):
            roles = data[period]
            try:
                agg = aggregate(rule.rule, members, indicator=spec.warehouse, weight_name=rule.weight, scale=rule.scale,
                                **{r: {m: p.value for m, p in roles.get(r, {}).items()} for r in wanted})  # fmt: skip
            except (InsufficientData, MethodError):
                continue  # a period some member lacks is not built
            rel = tuple(sorted({i for r in roles.values() for p in r.values() for i in p.release_ids}))
            points.append(Point(period, agg.value, release_ids=rel))
            last = agg
        how = f"{rule.rule.replace('_', ' ')} of {len(members)} member areas"
        method = None if last is None else {"method": last.method, "source": last.source, "rule": rule.rule,
                                            "members": list(members), "weight": rule.weight, "numerator": rule.numerator,
                                            "denominator": rule.denominator, "scale": rule.scale}  # fmt: skip
        reason = "" if points else "no period has figures for every member area"
        return Series(points, how, method, reason)

    def _lsoas(self, domain: str) -> dict[str, list[tuple[LsoaRecord, str, tuple[int, ...]]]]:
        """Every IoD 2019 LSOA record of a domain, grouped by local authority (one query for all domains)."""
        if not self._lsoa_cache:
            rows = self.wh.con.execute(
                f"""SELECT o.breakdown, o.area_code, ap.parent, o.period, o.value, r.value, p.value,
                           o.release_id, r.release_id, p.release_id
                    FROM {self._obs()} o
                    JOIN area_parents ap ON ap.child = o.area_code AND ap.depth = 1
                    JOIN {self._obs()} r ON r.area_code = o.area_code AND r.indicator_id = 'iod2019-rank'
                         AND r.breakdown = o.breakdown
                    LEFT JOIN {self._obs()} p ON p.area_code = o.area_code AND p.indicator_id = 'iod2019-population'
                         AND p.breakdown = 'Total'
                    WHERE o.indicator_id = 'iod2019-decile'""",
                {"as_of": self.as_of} if self.as_of else {},
            ).fetchall()  # fmt: skip
            for dom, code, la, period, decile, rank, pop, r1, r2, r3 in rows:
                rec = LsoaRecord(code, int(rank), int(decile), float(pop or 0))
                self._lsoa_cache.setdefault(dom, {}).setdefault(la, []).append(
                    (rec, period, tuple(i for i in (r1, r2, r3) if i is not None)))
        return self._lsoa_cache.get(domain, {})

    def _deprivation(self, spec: Spec, area: str, members: list[str] | None) -> Series:
        las = members if members is not None else (self.members(area) or [area])
        domain = spec.breakdown or "Index of Multiple Deprivation"
        by_la = self._lsoas(domain)
        rows = [r for la in las for r in by_la.get(la, [])]
        if not rows:
            return Series([], reason=f"no LSOAs of the IoD 2019 lie in {area}")
        summary = deprivation_summary([r[0] for r in rows], IOD2019_LSOAS)
        rel = tuple(sorted({i for r in rows for i in r[2]}))
        value = summary.share_in_most_deprived_decile * 100
        method = {"method": summary.method, "source": summary.source, "domain": domain, "lsoas": summary.lsoas,
                  "in_most_deprived_decile": summary.lsoas_in_most_deprived_decile,
                  "population_weighted_mean_rank": summary.population_weighted_mean_rank,
                  "average_rank": summary.average_rank, "local_authorities": list(las)}  # fmt: skip
        how = (f"{summary.lsoas_in_most_deprived_decile} of {summary.lsoas} LSOAs in England's most deprived "
               f"10% ({domain}, IoD 2019)")  # fmt: skip
        return Series([Point(rows[0][1], value, release_ids=rel)], how, method)

    def _obs(self) -> str:
        from prosperity.warehouse.schema import as_of_sql

        return as_of_sql(self.as_of)

    # ---- one assessment -----------------------------------------------------------------------------------
    def assess(self, spec: Spec, area: str, *, area_name: str | None = None, members: list[str] | None = None,
               peer_group: tuple[str, list[str]] | None = None) -> Assessment:  # fmt: skip
        if area_name is None:
            area_name = self.name(area)
        if spec.derived is not None:
            self._derived[spec.warehouse] = spec.derived
        meta = self.meta(spec.warehouse)
        if meta is None:  # a live-only indicator not fetched yet
            a = Assessment(indicator=spec.id, label=spec.label, area=area, area_name=area_name, unit=spec.unit,
                           polarity=spec.polarity.value, breakdown=spec.breakdown, warehouse_indicator=spec.warehouse,
                           strategies=list(spec.strategies), outcomes=list(spec.outcomes))  # fmt: skip
            why = (f"needs a live fetch from {spec.live} (`prosperity fetch {spec.live.split()[0]}`)" if spec.live
                   else f"the warehouse has no indicator {spec.warehouse!r}")  # fmt: skip
            a.notes.append(why)
            a.sentences = [sentences.no_data(a, why)]
            return a
        a = Assessment(indicator=spec.id, label=spec.label, area=area, area_name=area_name, unit=spec.unit,
                       polarity=spec.polarity.value, breakdown=spec.breakdown, warehouse_indicator=spec.warehouse,
                       strategies=list(spec.strategies), outcomes=list(spec.outcomes))  # fmt: skip
        a.source = {"indicator": spec.warehouse, "publisher": meta.get("source_org"), "url": meta.get("source_url"),
                    "dataset": meta.get("dataset_id"), "decimal_places": meta.get("decimal_places"),
                    "unit": meta.get("unit"), "caveats": meta.get("caveats")}  # fmt: skip
        s = self.series(spec, area, members)
        if not s.points:
            a.notes.append(s.reason)
            a.sentences = [sentences.no_data(a, s.reason)]
            return a
        code = spec.area_map.get(area, area)
        if code != area and members is None:
            a.read_area = {"code": code, "name": self.name(code), "note": spec.note}
            a.notes.append(f"figures for {self.name(code)} ({code}) stand in for {area_name}"
                           + (f": {spec.note}" if spec.note else ""))  # fmt: skip
        segment = latest_segment(s.points)
        if len(segment) < len(s.points):
            a.notes.append(f"series break before {period_label(segment[0].period)}: earlier periods are of a "
                           "different kind and are not used for the trend or targets")  # fmt: skip
        latest = segment[-1]
        a.period, a.period_label, a.value = latest.period, period_label(latest.period), latest.value
        a.lci_95, a.uci_95 = latest.lci_95, latest.uci_95
        if s.how != "published":
            a.derivation = {"how": s.how, **(s.method or {})}
        used = set(i for p in segment for i in p.release_ids)
        if spec.aggregation.rule == "sum":  # a total or count: its size says nothing against a benchmark or peers
            a.notes.append("a total, not a rate: judged by its trend, not against a benchmark or peers of "
                           "different sizes")  # fmt: skip
        else:
            a.benchmark = self._benchmark(spec, latest, segment, used)
            if a.benchmark:
                a.benchmark["gap_in_people"] = self._people_gap(spec, area, latest, a.benchmark, used)
            if a.read_area is None:  # peers are compared only on figures published for the area itself
                a.peers = self._peers(spec, area, latest, members, peer_group, used)
        a.trend = _trend(spec.polarity, segment)
        a.members = self._members_gap(spec, area, latest, members, used)
        a.targets = [self._target(spec, t, segment, used) for t in spec.targets]
        current = [t for t in a.targets if not t.get("superseded_by")]
        a.target = current[0] if current else (a.targets[0] if a.targets else None)
        a.status = _status(a)
        a.releases = self._release_list(used)
        a.sentences = sentences.describe(a)
        return a

    def _benchmark(self, spec: Spec, latest: Point, segment: list[Point], used: set[int]) -> dict[str, Any] | None:
        for code in BENCHMARKS:
            bench = self.published(spec.warehouse, code, spec.breakdown)
            match = [b for b in bench if b.period == latest.period]
            if not match:
                continue
            b = match[0]
            used.update(b.release_ids)
            c = compare_with_benchmark(latest.value, b.value, spec.polarity, lower_95=latest.lci_95,
                                       upper_95=latest.uci_95)  # fmt: skip
            by_period = {p.period: p.value for p in bench}
            history = [(p.period, p.value, by_period[p.period]) for p in segment if by_period.get(p.period)]
            return {"area": code, "area_name": self.name(code), "value": b.value, "period": b.period,
                    "comparison": c.outcome.value, "significant": c.significant, "difference": c.difference,
                    "ratio": c.ratio, "method": c.method, "source": c.source, "explanation": c.explanation,
                    "inputs": {"value": latest.value, "benchmark": b.value, "lci_95": latest.lci_95,
                               "uci_95": latest.uci_95},
                    "gap_history": [{"period": p, "value": v, "benchmark": bv, "gap_percent": (v / bv - 1) * 100}
                                    for p, v, bv in history]}  # fmt: skip
        return None

    def _members_gap(self, spec: Spec, area: str, latest: Point, members: list[str] | None,
                     used: set[int]) -> dict[str, Any] | None:  # fmt: skip
        """How far apart the member places are, and whether the gap between them is narrowing."""
        places = members if members is not None else self.members(area)
        if len(places) < 2 or spec.aggregation.rule == "lsoa_deprivation":
            return None
        series = {m: {p.period: p for p in self.published(spec.warehouse, spec.area_map.get(m, m), spec.breakdown)}
                  for m in places}  # fmt: skip
        common = sorted(set.intersection(*(set(v) for v in series.values())), key=lambda p: parse_period(p).start)
        common = [p for p in common if period_kind(p)[:3] == period_kind(latest.period)[:3]]
        if not common:
            return {"places": places, "note": "the member places have no period with figures for every one"}
        last = common[-1]
        last_year = parse_period(last).start.year
        window = [p for p in common if parse_period(p).start.year >= last_year - TREND_YEARS]
        for m in places:
            used.update(series[m][last].release_ids)
        try:
            d = dispersion({m: series[m][last].value for m in places})
        except (InsufficientData, MethodError) as e:
            return {"places": places, "note": str(e)}
        out: dict[str, Any] = {
            "period": last, "period_label": period_label(last),
            "values": [{"area": m, "name": self.name(m), "value": series[m][last].value} for m in places],
            "minimum_place": d.minimum_place, "maximum_place": d.maximum_place, "range": d.range, "ratio": d.ratio,
            "coefficient_of_variation": d.coefficient_of_variation, "method": d.method, "source": d.source,
            "gap_trend": None,
        }  # fmt: skip
        if len(window) >= 2:
            try:
                g = gap_trend({p: {m: series[m][p].value for m in places} for p in (window[0], last)}, "cv")
                out["gap_trend"] = {"direction": g.direction, "measure": g.measure, "from_period": period_label(window[0]),
                                    "to_period": period_label(last), "from": g.values[0], "to": g.values[-1],
                                    "method": g.method, "source": g.source, "explanation": g.explanation}  # fmt: skip
            except (InsufficientData, MethodError) as e:
                out["gap_trend"] = {"direction": None, "note": str(e)}
        return out

    def _people_gap(self, spec: Spec, area: str, latest: Point, bench: dict[str, Any],
                    used: set[int]) -> dict[str, Any] | None:  # fmt: skip
        rule = gap_rules().get(spec.warehouse)
        if rule is None:
            return None
        den = [p for p in self.published(rule.denominator, spec.area_map.get(area, area), "") if p.period == latest.period]
        if not den:
            return None
        used.update(den[0].release_ids)
        den_meta = self.meta(rule.denominator) or {"label": rule.denominator}
        g = gap_in_people(latest.value, bench["value"], den[0].value, denominator_label=den_meta["label"],
                          denominator_period=period_label(den[0].period), polarity=spec.polarity, counted=rule.counted,
                          unit=rule.per)  # fmt: skip
        return {"people": g.people_rounded, "counted": rule.counted, "denominator": g.denominator,
                "denominator_indicator": rule.denominator, "denominator_label": g.denominator_label,
                "denominator_period": g.denominator_period, "benchmark_met": g.benchmark_met,
                "explanation": g.explanation, "method": g.method, "source": g.source}  # fmt: skip

    def _peers(self, spec: Spec, area: str, latest: Point, members: list[str] | None,
               peer_group: tuple[str, list[str]] | None, used: set[int]) -> dict[str, Any] | None:  # fmt: skip
        if peer_group is None:
            level = self.level(area) if members is None else "group"
            if level == "combined-authority" or level == "group":
                peer_group = ("combined authorities in England", self.combined_authorities())
            elif level in ("metropolitan-district", "unitary-authority", "non-metropolitan-district",
                           "london-borough"):  # fmt: skip
                peer_group = ("areas of its ONS similar-authority group (itself and its 20 most similar local "
                              "authorities)", [area, *self.neighbours(area)])  # fmt: skip
            else:
                return None
        name, codes = peer_group
        values: dict[str, float | None] = {c: None for c in codes}
        names = {}
        for c in codes:
            if c == area:
                continue
            match = [p for p in self.published(spec.warehouse, spec.area_map.get(c, c), spec.breakdown)
                     if p.period == latest.period]  # fmt: skip
            if match:
                values[c] = match[0].value
                used.update(match[0].release_ids)
        values[area] = latest.value
        present = {c: v for c, v in values.items() if v is not None}
        if len(present) < 3:
            return {"group": name, "rank": None, "of": len(present), "band": None,
                    "note": "fewer than three areas in the peer group have a figure for this period"}  # fmt: skip
        for c in present:
            names[c] = self.name(c) if c != area else None
        rank = rank_among_peers(present, area, spec.polarity)
        try:
            band = mad_band(latest.value, [v for c, v in present.items() if c != area], spec.polarity)
            band_d = {"phrase": band.phrase, "mads_from_median": band.mads_from_median, "median": band.median,
                      "mad": band.mad, "method": band.method, "source": band.source}  # fmt: skip
        except (InsufficientData, MethodError) as e:
            band_d = {"phrase": None, "note": str(e)}
        return {"group": name, "rank": rank.rank, "of": rank.of, "band": band_d["phrase"], "rule": rank.rule,
                "tied_with": list(rank.tied_with), "method": rank.method, "source": rank.source, "mad": band_d,
                "values": [{"area": c, "value": v} for c, v in sorted(present.items(), key=lambda kv: kv[1])],
                "excluded": [c for c, v in values.items() if v is None]}  # fmt: skip

    def _target(self, spec: Spec, t: TargetSpec, segment: list[Point], used: set[int]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": t.id, "kind": t.kind, "value": t.value, "low": t.low, "high": t.high,
                               "unit": t.unit, "date": str(t.year), "set_by": t.set_by, "strategy": t.strategy,
                               "outcome": t.outcome, "superseded_by": t.superseded_by, "citation": t.citation,
                               "status": "not assessable", "on_track": None, "projected_year": None,
                               "required_rate": None, "method": None}  # fmt: skip
        annual = _annual(segment)
        bench = None
        if t.kind == "ratio_to_benchmark" and t.benchmark:
            code = t.benchmark.split()[0]
            bpts = self.published(spec.warehouse, code, spec.breakdown)
            used.update(i for p in bpts for i in p.release_ids)
            bench = _annual(bpts)
        try:
            r = assess_target(t.method_target(), annual, spec.polarity, benchmark_series=bench)
        except (InsufficientData, MethodError) as e:
            out["note"] = str(e)
            return out
        if r.preferred == r.linear.method:
            label, on_track = LINEAR_STATUS[r.linear.symbol.value]
            if r.linear.target_achieved:
                label, on_track = "achieved", True
            pts = r.linear.points_used
            out.update(method=r.linear.method, source=r.linear.source, detail=r.linear.message,
                       method_name="linear projection (German sustainability strategy)",
                       window=[pts[0][0], pts[-1][0]] if pts else None)  # fmt: skip
        else:
            o = r.open_sdg
            if o is None:
                raise MethodError("no CAGR-ratio result although it was the preferred method")
            label, on_track = STATUS_LABELS[o.status].lower(), OPEN_SDG_ON_TRACK[o.status]
            out.update(method=o.method, source=o.source, score=o.score, progress_value=o.progress_value,
                       method_name="CAGR ratio (Statistics Canada, Open SDG)",
                       window=[o.base_year, o.current_year])  # fmt: skip
        yr = r.year_reached
        out["projection_window"] = [r.linear.points_used[0][0], yr.from_year] if r.linear.points_used else None
        out.update(status=label, on_track=on_track, resolved_value=r.resolved.value,
                   resolved=r.resolved.description, projected_year=r.year_reached.year,
                   projection=r.year_reached.note, projected_value=r.linear.projected_value,
                   required_rate={"absolute_per_year": r.required.absolute_per_year,
                                  "compound_per_year": r.required.compound_per_year, "from_year": r.required.current_year,
                                  "note": r.required.note},
                   note=r.note, inputs={"series": [list(p) for p in r.resolved.series]})  # fmt: skip
        return out

    def _release_list(self, ids: set[int]) -> list[dict[str, Any]]:
        missing = [i for i in ids if i not in self._releases]
        if missing:
            for r in self.wh.query(
                "SELECT release_id, dataset_id, title, publisher, CAST(publisher_release_date AS TEXT) AS release_date, "
                "CAST(loaded_at AS TEXT) AS loaded_at, live_url FROM releases WHERE list_contains($ids, release_id)",
                {"ids": missing},
            ):  # fmt: skip
                self._releases[r["release_id"]] = r
        return [self._releases[i] for i in sorted(ids) if i in self._releases]


def period_kind(period: str) -> tuple[Any, ...]:
    """What kind of period this is (length and start within the year): a change of kind is a series break."""
    p = parse_period(period)
    return (p.unit, p.count, p.start.month, p.start.day if p.unit is None else 1)


def latest_segment(points: list[Point]) -> list[Point]:
    """The latest run of periods of one kind (a change of period length or start is a series break)."""
    points = sorted(points, key=lambda p: parse_period(p.period).start)
    kind = period_kind(points[-1].period)
    seg = [p for p in points if period_kind(p.period)[:3] == kind[:3]]
    return seg


def _annual(points: list[Point]) -> list[tuple[int, float]]:
    by_year: dict[int, float] = {}
    for p in points:
        by_year[p.year] = p.value
    return sorted(by_year.items())


def _trend(polarity: Polarity, segment: list[Point]) -> dict[str, Any] | None:
    if len(segment) < 2:
        return {"direction": None, "marker": None, "method": None, "note": "only one period: no trend"}
    with_ci = [p for p in segment if p.lci_95 is not None and p.uci_95 is not None]
    marker = None
    if len(with_ci) >= 5 and len(with_ci) == len(segment):
        pts = [TrendPoint(p.year, p.value, p.lci_95, p.uci_95) for p in segment]
        try:
            marker = fingertips_trend_marker(pts, polarity, kind="ci")
        except (InsufficientData, MethodError):
            marker = None
    annual = _annual(segment)
    recent = [(y, v) for y, v in annual if y >= annual[-1][0] - TREND_YEARS]
    try:
        dot = direction_of_travel(recent, polarity)
    except MethodError as e:
        return {"direction": None, "marker": None, "method": None, "note": str(e)}
    out = {"direction": dot.direction.value, "judgement": dot.judgement.value, "from_period": dot.first_period,
           "to_period": dot.last_period, "from_value": dot.first_value, "to_value": dot.last_value,
           "change": dot.change, "percent_change": dot.percent_change, "cagr": dot.cagr, "method": dot.method,
           "source": dot.source, "explanation": dot.explanation, "significance_tested": False,
           "marker": None}  # fmt: skip
    if marker is not None:
        out.update(marker=marker.marker.value, marker_judgement=marker.judgement.value, marker_method=marker.method,
                   marker_source=marker.source, chi_square=marker.chi_square, marker_message=marker.message,
                   significance_tested=True)  # fmt: skip
    return out


def _status(a: Assessment) -> str:
    if a.value is None:
        return "no data"
    if a.target and a.target.get("on_track") is not None:
        return "on track" if a.target["on_track"] else "off track"
    trend = a.trend or {}
    tested = trend.get("marker") in ("increasing", "decreasing", "no_significant_change")
    if trend.get("marker") == "no_significant_change":
        return "no significant change"
    judgement = trend.get("marker_judgement") if tested else trend.get("judgement")
    return {"better": "improving", "worse": "worsening", "similar": "no clear change"}.get(judgement or "", "no trend")


__all__ = ["Assessment", "Assessor", "NotAggregable", "Point", "latest_segment", "period_kind"]
