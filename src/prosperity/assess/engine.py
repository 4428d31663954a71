"""Applying the methods to the warehouse: one assessment per indicator and area.

Every judgement records the method that made it (id and published source) and the inputs it used; every
assessment lists the releases its figures came from. Nothing here computes a statistic of its own: the
numbers come from the warehouse and the judgements from :mod:`prosperity.methods`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from prosperity.assess import sentences, status
from prosperity.assess.spec import Spec, TargetSpec, gap_rules, same_places
from prosperity.errors import NotFound
from prosperity.framework.model import live_publisher
from prosperity.methods import (
    IOD2019_LSOAS,
    InsufficientData,
    LsoaRecord,
    MethodError,
    NotAggregable,
    Polarity,
    TrendPoint,
    aggregate,
    assess_gap_target,
    assess_target,
    compare_with_benchmark,
    deprivation_summary,
    direction_rule,
    dispersion,
    fingertips_trend_marker,
    gap_in_people,
    gap_trend,
    mad_band,
    rank_among_peers,
    year_target_reached,
)
from prosperity.methods.progress_opensdg import STATUS_LABELS
from prosperity.methods.thresholds import DNS_WINDOW_YEARS, TREND_WINDOW_YEARS
from prosperity.periods import parse_period, period_label
from prosperity.warehouse import Warehouse

BENCHMARKS = ("E92000001", "K02000001", "K99000002", "TLB", "K03000001", "K04000001")
TREND_YEARS = TREND_WINDOW_YEARS  # the trend looks back this many years at most
#: the population weight of each IoD 2019 domain (MHCLG: working-age people for the Employment domain)
IOD_WEIGHTS = {"Employment": "Working age 18-59/64"}


@dataclass(slots=True)
class Point:
    """One period's value as assessed: read from the warehouse, or built from member areas."""

    period: str
    value: float
    lci_95: float | None = None
    uci_95: float | None = None
    release_ids: tuple[int, ...] = ()

    @property
    def year(self) -> int:
        return _year_of(self.period)


@lru_cache(maxsize=65536)
def _year_of(period: str) -> int:
    """The year a period is counted as: its start, or for a span of several years its last year."""
    p = parse_period(period)
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
    #: why the status is what it is, in a sentence (the rule that decided)
    status_reason: str = ""
    #: "current prices" or "real terms" for money, else None
    price_basis: str | None = None
    #: the area the figure is for: the assessed area, the same place under another code, or a stand-in
    figure_area: str | None = None
    figure_area_name: str | None = None
    #: the publisher's caveats that travel with the figure: [{"kind": "provisional", "text": ...}]
    caveats: list[dict[str, str]] = field(default_factory=list)
    #: set when areas of the same level have a newer period than this figure: {period, period_label, areas}
    latest_available: dict[str, Any] | None = None
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
    #: the few sentences a summary leads with: the figure, the gap to the benchmark, the judged trend, the target
    headline: list[str] = field(default_factory=list)
    releases: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    strategies: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.to_json())

    def to_json(self) -> str:
        """The assessment as JSON text (what :meth:`as_dict` parses), written once for storing."""
        return json.dumps(self.__dict__, default=_plain, check_circular=False)  # a tree of plain values


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


class _ByArea(Mapping[str, list[Point]]):
    """Every area's published points of one series, kept as the columns read (each area's rows together, in the
    order read); an area's :class:`Point` list is made the first time it is asked for. Assessing one area needs
    the points of a few areas (itself, its benchmark, peers and members), not of the thousands a series holds.
    Iterating gives the areas in the order their rows were read, as a dict filled row by row would."""

    __slots__ = ("_spans", "_periods", "_values", "_lcis", "_ucis", "_rels", "_made")

    def __init__(self, cols: dict[str, Any]):
        codes = cols["area_code"]
        n = len(codes)
        self._periods: list[str] = cols["period"].tolist()
        self._values: list[float] = cols["value"].tolist()
        self._lcis: list[float | None] = cols["lci_95"].tolist()  # a NULL (masked) figure becomes None
        self._ucis: list[float | None] = cols["uci_95"].tolist()
        self._rels: list[int | None] = cols["release_id"].tolist()
        self._made: dict[str, list[Point]] = {}
        self._spans: dict[str, tuple[int, int]] = {}  # area → where its rows start and end
        if n:
            cuts = ((codes[1:] != codes[:-1]).nonzero()[0] + 1).tolist()  # where the next area's rows start
            starts, ends = [0, *cuts], [*cuts, n]
            self._spans = dict(zip(codes[starts].tolist(), zip(starts, ends, strict=True), strict=True))

    def __getitem__(self, area: str) -> list[Point]:
        pts = self._made.get(area)
        if pts is None:
            s, e = self._spans[area]  # KeyError for an area without figures, as a dict's
            pts = self._made[area] = [
                Point(period, value, _finite(lci), _finite(uci), (rel,))
                for period, value, lci, uci, rel in zip(self._periods[s:e], self._values[s:e], self._lcis[s:e],
                                                        self._ucis[s:e], self._rels[s:e], strict=True)]  # fmt: skip
            if len(self._made) == len(self._spans):  # every area's points made: the columns are not needed again
                self._periods = self._values = self._lcis = self._ucis = self._rels = []
        return pts

    def make_all(self) -> None:
        """Make every area's points now (a server's warming: its current engine serves every area)."""
        for area in self._spans:
            self[area]

    def __contains__(self, area: object) -> bool:
        return area in self._spans

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def periods(self, area: str) -> list[str]:
        """An area's periods, in the order of its points (without making them)."""
        pts = self._made.get(area)
        if pts is not None:
            return [p.period for p in pts]
        s, e = self._spans[area]
        return self._periods[s:e]


class Assessor:
    """Assesses specs for areas against one warehouse (optionally as it stood at ``as_of``).

    ``base`` is an engine of the same warehouse at another moment (the served site's current one): a series whose
    rows come from the same releases at both moments is the same series, so it is taken from ``base`` (read there
    once) instead of read again. Only the indicators of releases loaded between the two moments are read anew.
    """

    def __init__(self, wh: Warehouse, as_of: str | None = None, *, base: Assessor | None = None):
        from prosperity.warehouse.schema import end_of

        self.wh = wh
        self.as_of = end_of(as_of) if as_of else None
        self.base = base if base is not None and base.as_of != self.as_of else None
        self._differs: set[str] | None = None  # indicators whose rows differ between this moment and the base's
        self._meta: dict[str, dict[str, Any] | None] = {}
        self._ids: set[str] | None = None
        self._ca: list[str] | None = None
        self._releases: dict[int, dict[str, Any]] = {}
        self._cache: dict[tuple[str, str], Mapping[str, list[Point]]] = {}
        self._names: dict[str, str] = {}
        self._members_all: dict[str, list[str]] | None = None
        self._neighbours_all: dict[str, list[str]] | None = None
        self._lsoa_cache: dict[str, dict[str, list[tuple[LsoaRecord, str, tuple[int, ...]]]]] = {}
        self._levels_all: dict[str, str] | None = None
        self._newest_cache: dict[tuple[Any, ...], list[tuple[str, int]]] = {}
        self._lsoas_read = False
        self._derived: dict[str, Any] = {}  # derived series id → its DerivedBinding (framework/model.py)
        self._lasts: dict[tuple[str, str], dict[str, dict[tuple[Any, ...], str]]] = {}
        self._at_period: dict[tuple[str, str], dict[str, dict[str, Point]]] = {}
        if self.base is not None:  # what is the same at every moment is read once, by the base
            self._adopt_places(self.base)

    def _adopt_places(self, base: Assessor) -> None:
        """Share the base's names, levels, members, neighbours and indicator metadata (read now if not yet)."""
        base.wh = self.wh
        base._read_places()
        self._names, self._levels_all, self._members_all = base._names, base._levels_all, base._members_all
        self._neighbours_all, self._ids, self._meta = base._neighbours_all, base._ids, base._meta
        self._releases = base._releases  # a release's record is the same whenever it is read
        self._ca = base.combined_authorities()

    def _read_places(self) -> None:
        """Every area's name and level, every area's members and neighbours, every indicator's metadata."""
        if not self._names:
            self._names = dict(self.wh.con.execute("SELECT code, name FROM areas").fetchall())
        if self._levels_all is None:
            self._levels_all = dict(self.wh.con.execute("SELECT code, level FROM areas").fetchall())
        self.members("")
        self.neighbours("")
        if self._ids is None:
            for row in self.wh.query("SELECT * FROM indicators"):
                self._meta.setdefault(row["indicator_id"], row)
            self._ids = self.wh.indicator_ids()

    # ---- reading ------------------------------------------------------------------------------------------
    def meta(self, warehouse_id: str) -> dict[str, Any] | None:
        """The warehouse indicator's metadata, or ``None`` if the warehouse does not hold it (yet)."""
        if warehouse_id in self._derived and warehouse_id not in self._meta:
            from prosperity.framework.derived import derived_meta

            d = self._derived[warehouse_id]
            self._meta[warehouse_id] = derived_meta(d, self.meta(d.numerator.warehouse),
                                                    self.meta(d.denominator.warehouse))  # fmt: skip
        if warehouse_id not in self._meta:
            if self._ids is None:  # every indicator's metadata in one query (as Warehouse.indicator gives it)
                for row in self.wh.query("SELECT * FROM indicators"):
                    self._meta.setdefault(row["indicator_id"], row)
                self._ids = self.wh.indicator_ids()
            if warehouse_id not in self._meta:
                self._meta[warehouse_id] = self.wh.indicator(warehouse_id) if warehouse_id in self._ids else None
        return self._meta[warehouse_id]

    def read_many(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read many (indicator, breakdown) series for every area in one query, as :meth:`published` reads each
        (the same rows, each area's in the same order): assessing every area reads every framework series."""
        wanted = {k for k in keys if k not in self._cache and k[0] not in self._derived and not self._same_in_base(k[0])}
        if not wanted:
            return
        keys_ = sorted(wanted)
        # each series is named by its number in keys_ (sorting and fetching an integer, not two strings a row)
        cur = self.wh.con.execute(
            f"""SELECT k.n, o.area_code, o.period, o.value, o.lci_95, o.uci_95, o.release_id
                FROM {self._obs()} o
                JOIN (SELECT unnest($inds) AS i, unnest($brks) AS b, generate_subscripts($inds, 1) AS n) k
                     ON k.i = o.indicator_id AND k.b = o.breakdown
                WHERE o.value IS NOT NULL AND isfinite(o.value)
                ORDER BY k.n, o.area_code, o.period_start, o.period_end""",
            {"inds": [k[0] for k in keys_], "brks": [k[1] for k in keys_],
             **({"as_of": self.as_of} if self.as_of else {})},
        )  # fmt: skip
        cols = cur.fetchnumpy()  # as columns: each area's points are made when first asked for (:class:`_ByArea`)
        series = cols.pop("n")
        n = len(series)
        cuts = ((series[1:] != series[:-1]).nonzero()[0] + 1).tolist() if n else []
        for start, end in zip([0, *cuts], [*cuts, n], strict=True) if n else ():  # each series' rows, together
            self._cache[keys_[int(series[start]) - 1]] = _ByArea({c: v[start:end] for c, v in cols.items()})
        for k in wanted:
            self._cache.setdefault(k, {})  # a series without figures at this moment

    def published(self, warehouse_id: str, area: str, breakdown: str) -> list[Point]:
        """An area's published values, read with every other area's in one query per indicator and breakdown."""
        if warehouse_id in self._derived:  # a ratio of two published series, computed for each period both have
            from prosperity.framework.derived import ratio_points

            d = self._derived[warehouse_id]
            return ratio_points(d, self.published(d.numerator.warehouse, d.numerator.area_for(area), d.numerator.breakdown),
                                self.published(d.denominator.warehouse, d.denominator.area_for(area),
                                               d.denominator.breakdown), Point)  # fmt: skip
        key = (warehouse_id, breakdown)
        if key not in self._cache and self._same_in_base(warehouse_id):
            base = self.base
            assert base is not None
            base.wh = self.wh  # the base reads (if it must) through this request's cursor
            base.published(warehouse_id, "", breakdown)
            self._cache[key] = base._cache[key]
        if key not in self._cache:  # read as columns: an area's points are made when it is first asked for
            self._cache[key] = _ByArea(self.wh.con.execute(
                f"""SELECT area_code, period, value, lci_95, uci_95, release_id FROM {self._obs()}
                    WHERE indicator_id = $ind AND breakdown = $brk AND value IS NOT NULL AND isfinite(value)
                    ORDER BY area_code, period_start, period_end""",
                {"ind": warehouse_id, "brk": breakdown, **({"as_of": self.as_of} if self.as_of else {})},
            ).fetchnumpy())  # fmt: skip
        return self._cache[key].get(area, [])

    def make_all_points(self) -> None:
        """Make every area's points of every series read so far (:meth:`_ByArea.make_all`): a server's warming
        pays for them once, not its first requests for a group or an area."""
        for by_area in self._cache.values():
            if isinstance(by_area, _ByArea):
                by_area.make_all()

    def releases_visible(self) -> set[int]:
        """The releases this engine reads: each dataset's newest loaded by ``as_of`` (or now)."""
        rows = self.wh.con.execute(
            "SELECT max(release_id) FROM releases WHERE $as_of IS NULL OR loaded_at <= CAST($as_of AS TIMESTAMP) "
            "GROUP BY dataset_id", {"as_of": self.as_of}).fetchall()  # fmt: skip
        return {r[0] for r in rows}

    def _same_in_base(self, *warehouse_ids: str) -> bool:
        """Do these indicators' rows come from the same releases at this moment and at the base's?"""
        if self.base is None:
            return False
        if self._differs is None:
            self.base.wh = self.wh
            changed = sorted(self.releases_visible() ^ self.base.releases_visible())
            self._differs = {r[0] for r in self.wh.con.execute(
                "SELECT DISTINCT indicator_id FROM observations WHERE list_contains($ids, release_id)",
                {"ids": changed}).fetchall()} if changed else set()  # fmt: skip
        return not any(i in self._differs for i in warehouse_ids)

    def name(self, code: str) -> str:
        if not self._names:  # every area's name in one query (assessing every area asks for hundreds)
            self._names = dict(self.wh.con.execute("SELECT code, name FROM areas").fetchall())
        if code not in self._names:
            self._names[code] = self.wh.area(code)["name"]  # raises NotFound for an unknown code
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
        """The areas directly below ``area`` (:meth:`Warehouse.members`), read for every area in one query."""
        if self._members_all is None:
            from prosperity.warehouse.store import SMALL_LEVELS

            rows = self.wh.con.execute(
                f"""SELECT p.parent, p.child FROM area_parents p JOIN areas a ON a.code = p.child
                    WHERE p.depth = 1 AND a.level NOT IN ({SMALL_LEVELS}) ORDER BY p.parent, p.child""").fetchall()
            self._members_all = {}
            for parent, child in rows:
                self._members_all.setdefault(parent, []).append(child)
        return list(self._members_all.get(area, []))

    def neighbours(self, area: str) -> list[str]:
        """ONS's similar local authorities (:meth:`Warehouse.neighbours`), read for every area in one query."""
        if self._neighbours_all is None:
            rows = self.wh.con.execute("SELECT area_code, neighbour_code FROM area_neighbours WHERE kind = 'global' "
                                       "ORDER BY area_code, rank").fetchall()  # fmt: skip
            self._neighbours_all = {}
            for code, other in rows:
                self._neighbours_all.setdefault(code, []).append(other)
        return list(self._neighbours_all.get(area, []))

    def level(self, area: str) -> str:
        if self._levels_all is None:
            self._levels_all = dict(self.wh.con.execute("SELECT code, level FROM areas").fetchall())
        if area not in self._levels_all:
            self._levels_all[area] = self.wh.area(area)["level"]
        return self._levels_all[area]

    # ---- series for an area, published or built from members ------------------------------------------
    def series(self, spec: Spec, area: str, members: list[str] | None = None) -> Series:
        code = spec.area_map.get(area, area)
        rule = spec.aggregation
        if rule.rule == "lsoa_deprivation":
            return self._deprivation(spec, area, members)
        own = self.published(spec.warehouse, code, spec.breakdown) if members is None else []
        if own:
            if spec.warehouse in self._derived:  # computed here from two published series, so it says how
                d = self._derived[spec.warehouse]
                return Series(own, how=f"{d.formula} (a ratio computed from two published series)",
                              method={"method": "derived-ratio"})
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
        if not self._lsoas_read and self._same_in_base("iod2019-decile", "iod2019-rank", "iod2019-population"):
            assert self.base is not None
            self.base.wh = self.wh
            self.base._lsoas(domain)
            self._lsoa_cache, self._lsoas_read = self.base._lsoa_cache, True
        if not self._lsoas_read:
            self._lsoas_read = True
            rows = self.wh.con.execute(
                f"""SELECT o.breakdown, o.area_code, ap.parent, o.period, o.value, r.value, p.value,
                           o.release_id, r.release_id, p.release_id
                    FROM {self._obs()} o
                    JOIN area_parents ap ON ap.child = o.area_code AND ap.depth = 1
                    JOIN {self._obs()} r ON r.area_code = o.area_code AND r.indicator_id = 'iod2019-rank'
                         AND r.breakdown = o.breakdown
                    LEFT JOIN {self._obs()} p ON p.area_code = o.area_code AND p.indicator_id = 'iod2019-population'
                         AND p.breakdown = CASE o.breakdown WHEN 'Employment' THEN $working_age ELSE 'Total' END
                    WHERE o.indicator_id = 'iod2019-decile'
                    ORDER BY o.breakdown, ap.parent, o.area_code""",
                {"working_age": IOD_WEIGHTS["Employment"], **({"as_of": self.as_of} if self.as_of else {})},
            ).fetchall()  # fmt: skip
            for dom, code, la, period, decile, rank, pop, r1, r2, r3 in rows:
                rec = LsoaRecord(code, int(rank), int(decile), float(pop or 0))
                self._lsoa_cache.setdefault(dom, {}).setdefault(la, []).append(
                    (rec, period, tuple(i for i in (r1, r2, r3) if i is not None)))
        return self._lsoa_cache.get(domain, {})

    def lsoa_records(self, domain: str) -> dict[str, list[LsoaRecord]]:
        """Every IoD 2019 LSOA of a domain (or "Index of Multiple Deprivation"), by local authority, each weighted
        by the domain's population (working-age people for the Employment domain)."""
        return {la: [r[0] for r in rows] for la, rows in self._lsoas(domain).items()}

    def deprivation_summaries(self, domain: str, groups: dict[str, list[str]] | None = None) -> dict[str, Any]:
        """MHCLG's summary measures for every local authority (or for each named group of local authorities)."""
        by_la = self.lsoa_records(domain)
        if groups is None:
            groups = {la: [la] for la in by_la}
        return {name: deprivation_summary([r for la in las for r in by_la.get(la, [])], IOD2019_LSOAS)
                for name, las in groups.items()}  # fmt: skip

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
                  "average_rank": summary.average_rank, "extent": summary.extent,
                  "local_concentration": summary.local_concentration, "average_score": summary.average_score,
                  "population_weight": IOD_WEIGHTS.get(domain, "Total") + " population, mid-2015",
                  "local_authorities": list(las)}  # fmt: skip
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
        a = Assessment(indicator=spec.id, label=spec.label, area=area, area_name=area_name, unit=spec.unit,
                       polarity=spec.polarity.value, breakdown=spec.breakdown, warehouse_indicator=spec.warehouse,
                       strategies=list(spec.strategies), outcomes=list(spec.outcomes),
                       price_basis=status.price_basis(spec.unit))  # fmt: skip
        if meta is None:  # a live-only indicator not fetched yet
            source, _, dataset = (spec.live or "").partition(" ")
            publisher = live_publisher(source)
            why = (f"its figures are published by {publisher} but not yet loaded on this site" if spec.live
                   else "no statistic for it is held yet")  # fmt: skip
            # reader's language: the publisher and its dataset, never the command that loads it
            a.notes.append(f"{publisher[:1].upper()}{publisher[1:]} publishes these figures (its dataset {dataset}); "
                           "they are added when this site is next updated from the publisher" if spec.live
                           else "this site holds no figures for it yet")  # fmt: skip
            a.status_reason = why
            a.sentences = [sentences.no_data(a, why)]
            return a
        a.source = {"indicator": spec.warehouse, "publisher": meta.get("source_org"), "url": meta.get("source_url"),
                    "dataset": meta.get("dataset_id"), "decimal_places": meta.get("decimal_places"),
                    "unit": meta.get("unit"), "caveats": meta.get("caveats"),
                    "experimental": meta.get("experimental")}  # fmt: skip
        a.caveats = _caveats(meta)
        s = self.series(spec, area, members)
        if not s.points:
            a.notes.append(s.reason)
            a.status_reason = s.reason
            a.sentences = [sentences.no_data(a, s.reason)]
            if not _is_total(spec) and spec.area_map.get(area, area) == area:
                seen: set[int] = set()
                a.members = self._members_gap(spec, area, None, members, seen)
                if a.members and a.members.get("values"):
                    a.releases = self._release_list(seen)
                else:
                    a.members = None
            return a
        code = spec.area_map.get(area, area)
        stand_in = code != area and members is None and same_places().get(area) != code
        a.figure_area, a.figure_area_name = (code, self.name(code)) if code != area and members is None else (area,
                                                                                                    area_name)  # fmt: skip
        if stand_in:
            a.read_area = {"code": code, "name": self.name(code), "note": spec.note}
            a.notes.append(f"the figures are for {self.name(code)} ({code}), which stands in for {area_name}; they "
                           f"are not {area_name}'s own and are not judged as its"
                           + (f" ({spec.note})" if spec.note else ""))  # fmt: skip
        elif code != area and members is None:
            a.notes.append(f"published for {self.name(code)} ({code}), the same place under its ITL code")
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
        total = _is_total(spec)
        if members is None:
            a.latest_available = self._newest(spec, code, latest)
        if total:  # a total or count: its size says nothing against a benchmark or peers
            a.notes.append("a total, not a rate: judged by its trend, not against a benchmark or peers of "
                           "different sizes")  # fmt: skip
        elif not stand_in:
            a.benchmark = self._benchmark(spec, latest, segment, used)
            if a.benchmark:
                a.benchmark["gap_in_people"] = self._people_gap(spec, area, latest, a.benchmark, used)
            a.peers = self._peers(spec, area, latest, members, peer_group, used)
        a.trend = self._trend(spec, area, code, segment, stand_in, used)
        if not total and not stand_in:
            a.members = self._members_gap(spec, area, latest, members, used)
        # A strategy's target is set for the strategy's own area: it is not a target of its councils or peers.
        own = [t for t in spec.targets if t.area is None or (t.area == area and members is None)]
        a.targets = [self._target(spec, t, segment, used, stand_in) for t in own]
        current = [t for t in a.targets if not t.get("superseded_by")]
        judged = [t for t in current if t.get("status") in status.TARGET_STATUSES]
        a.target = (judged or current or a.targets or [None])[0]
        a.status = status.overall_status(a.value, stand_in=stand_in, target=(a.target or {}).get("status"),
                                         trend=(a.trend or {}).get("status"))  # fmt: skip
        a.status_reason = _status_reason(a, stand_in)
        a.releases = self._release_list(used)
        a.sentences = sentences.describe(a)
        a.headline = sentences.headline(a)
        return a

    def _newest(self, spec: Spec, code: str, latest: Point) -> dict[str, Any] | None:
        """The newest period published for areas of the same level, if it is newer than this figure's."""
        level = self._level_or_none(code)
        kind = period_kind(latest.period)[:3]
        # each area's last period of this kind, tallied once for every area of the level (not once per area)
        ranked = self._last_periods(spec.warehouse, spec.breakdown, level, kind)
        mine = self._last_of_kind(spec.warehouse, spec.breakdown, code, kind)
        for period, n in ranked:  # newest first
            others = n - (1 if period == mine else 0)
            if others <= 0:
                continue
            if parse_period(period).start <= parse_period(latest.period).start:
                return None
            return {"period": period, "period_label": period_label(period), "areas": others, "level": level}
        return None

    def _level_or_none(self, code: str) -> str | None:
        try:
            return self.level(code)
        except NotFound:
            return None

    def _last_by_kind(self, warehouse_id: str, breakdown: str) -> dict[str, dict[tuple[Any, ...], str]]:
        """Each area's last period of each kind (period_kind's first three parts), in one pass over its figures."""
        key = (warehouse_id, breakdown)
        hit = self._lasts.get(key)
        if hit is None:
            if self._same_in_base(warehouse_id):
                assert self.base is not None
                self.base.wh = self.wh
                hit = self._lasts[key] = self.base._last_by_kind(warehouse_id, breakdown)
                return hit
            self.published(warehouse_id, "", breakdown)  # fills the cache of every area's figures
            hit = {}
            by_area = self._cache.get(key, {})
            kinds: dict[str, tuple[Any, ...]] = {}  # each period's kind, worked out once
            for area in by_area:
                last: dict[tuple[Any, ...], str] = {}
                periods = by_area.periods(area) if isinstance(by_area, _ByArea) else [p.period for p in by_area[area]]
                for period in periods:  # in period order: the last of each kind stays
                    kind = kinds.get(period)
                    if kind is None:
                        kind = kinds[period] = period_kind(period)[:3]
                    last[kind] = period
                hit[area] = last
            self._lasts[key] = hit
        return hit

    def _last_of_kind(self, warehouse_id: str, breakdown: str, code: str, kind: tuple[Any, ...]) -> str | None:
        return self._last_by_kind(warehouse_id, breakdown).get(code, {}).get(kind)

    def _last_periods(self, warehouse_id: str, breakdown: str, level: str | None,
                      kind: tuple[Any, ...]) -> list[tuple[str, int]]:  # fmt: skip
        """(period, how many areas of ``level`` have it as their last period of ``kind``), newest first."""
        key = (warehouse_id, breakdown, level, kind)
        hit = self._newest_cache.get(key)
        if hit is not None:
            return hit
        if self._same_in_base(warehouse_id):  # the same figures at the base's moment: its tally
            assert self.base is not None
            self.base.wh = self.wh
            hit = self._newest_cache[key] = self.base._last_periods(warehouse_id, breakdown, level, kind)
            return hit
        levels = self._levels_all or {}
        tally: dict[str, int] = {}
        for other, last in self._last_by_kind(warehouse_id, breakdown).items():
            if levels.get(other) != level:
                continue
            period = last.get(kind)
            if period is not None:
                tally[period] = tally.get(period, 0) + 1
        # max() over the periods in first-seen order kept the first of equal starts: a stable sort does the same
        ranked = sorted(tally.items(), key=lambda kv: parse_period(kv[0]).start, reverse=True)
        self._newest_cache[key] = ranked
        return ranked

    def _at(self, warehouse_id: str, area: str, breakdown: str, period: str) -> Point | None:
        """An area's first published point for ``period`` (as a scan of its series finds it), by an index."""
        if warehouse_id in self._derived:
            return next((p for p in self.published(warehouse_id, area, breakdown) if p.period == period), None)
        by_area = self._at_period.setdefault((warehouse_id, breakdown), {})
        by_period = by_area.get(area)
        if by_period is None:
            by_period = by_area[area] = {}
            for p in self.published(warehouse_id, area, breakdown):
                by_period.setdefault(p.period, p)
        return by_period.get(period)

    def _benchmark(self, spec: Spec, latest: Point, segment: list[Point], used: set[int]) -> dict[str, Any] | None:
        for code in BENCHMARKS:
            b = self._at(spec.warehouse, code, spec.breakdown, latest.period)
            if b is None:
                continue
            bench = self.published(spec.warehouse, code, spec.breakdown)
            used.update(b.release_ids)
            c = compare_with_benchmark(latest.value, b.value, spec.polarity, lower_95=latest.lci_95,
                                       upper_95=latest.uci_95)  # fmt: skip
            by_period = {p.period: p for p in bench}
            history = [(p, by_period[p.period]) for p in segment if by_period.get(p.period) and by_period[p.period].value]
            for _, bp in history:
                used.update(bp.release_ids)
            return {"area": code, "area_name": self.name(code), "value": b.value, "period": b.period,
                    "comparison": c.outcome.value, "significant": c.significant, "difference": c.difference,
                    "ratio": c.ratio, "gap_percent": (latest.value / b.value - 1) * 100 if b.value else None,
                    "method": c.method, "source": c.source, "explanation": c.explanation,
                    "inputs": {"value": latest.value, "benchmark": b.value, "lci_95": latest.lci_95,
                               "uci_95": latest.uci_95},
                    "gap_history": [{"period": p.period, "value": p.value, "benchmark": bp.value,
                                     "gap_percent": (p.value / bp.value - 1) * 100,
                                     "index": p.value / bp.value * 100} for p, bp in history],
                    "gap": _gap(spec, [(p, bp) for p, bp in history])}  # fmt: skip
        return None

    def _members_gap(self, spec: Spec, area: str, latest: Point | None, members: list[str] | None,
                     used: set[int]) -> dict[str, Any] | None:  # fmt: skip
        """How far apart the member places are, and whether the gap between them is narrowing. ``latest`` is the
        area's own latest figure (its kind of period is compared), None when the area has no figure of its own:
        the member places' own figures are still compared (inequality inside the area), never added up."""
        places = members if members is not None else self.members(area)
        if len(places) < 2:
            return None
        if spec.aggregation.rule == "lsoa_deprivation":  # each place's own summary of its neighbourhoods
            series = {m: {p.period: p for p in self._deprivation(spec, m, [m]).points} for m in places}
        else:
            series = {m: {p.period: p for p in self.published(spec.warehouse, spec.area_map.get(m, m), spec.breakdown)}
                      for m in places}  # fmt: skip
        common = sorted(set.intersection(*(set(v) for v in series.values())), key=lambda p: parse_period(p).start)
        if latest is not None:
            common = [p for p in common if period_kind(p)[:3] == period_kind(latest.period)[:3]]
        elif common:
            common = [p for p in common if period_kind(p)[:3] == period_kind(common[-1])[:3]]
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
            "period": last, "period_label": period_label(last), "n": len(places),
            "values": [{"area": m, "name": self.name(m), "value": series[m][last].value} for m in places],
            "minimum_place": d.minimum_place, "maximum_place": d.maximum_place, "range": d.range, "ratio": d.ratio,
            "coefficient_of_variation": d.coefficient_of_variation, "method": d.method, "source": d.source,
            "gap_trend": None,
        }  # fmt: skip
        if len(window) >= 2:
            try:
                g = gap_trend({p: {m: series[m][p].value for m in places} for p in (window[0], last)}, "cv")
                out["gap_trend"] = {"direction": g.direction, "measure": g.measure, "from_period": period_label(window[0]),
                                    "from_period_iso": window[0],
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
            match = self._at(spec.warehouse, spec.area_map.get(c, c), spec.breakdown, latest.period)
            if match is not None:
                values[c] = match.value
                used.update(match.release_ids)
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

    def _target(self, spec: Spec, t: TargetSpec, segment: list[Point], used: set[int],
                stand_in: bool = False) -> dict[str, Any]:  # fmt: skip
        out: dict[str, Any] = {"id": t.id, "kind": t.kind, "value": t.value, "low": t.low, "high": t.high,
                               "unit": t.unit, "date": str(t.year) if t.year else None, "set_by": t.set_by,
                               "strategy": t.strategy, "outcome": t.outcome, "superseded_by": t.superseded_by,
                               "citation": t.citation, "measured_as": t.measured_as, "benchmark": t.benchmark,
                               "status": None, "on_track": None, "projected_year": None, "required_rate": None,
                               "method": None}  # fmt: skip
        if stand_in:
            out["note"] = "the figures are for another area standing in, so progress to this target is not judged"
            return out
        annual = _annual(segment)
        bench = None
        if t.kind in ("ratio_to_benchmark", "close_gap") and t.benchmark:
            code = t.benchmark.split()[0]
            out["benchmark_name"] = self._name_or_code(code)
            kind = period_kind(segment[-1].period)[:3]
            bpts = [p for p in self.published(spec.warehouse, code, spec.breakdown) if period_kind(p.period)[:3] == kind]
            used.update(i for p in bpts for i in p.release_ids)
            bench = _annual(bpts)
            if not bench:
                out["resolved"] = f"close the gap with {out['benchmark_name']}" + (f" by {t.year}" if t.year else "")
                out["note"] = (f"the figures have no value for {out['benchmark_name']}, the benchmark the target "
                               "names, so the gap cannot be measured")  # fmt: skip
                return out
        non_negative = bool(annual) and all(v >= 0 for _, v in annual)
        try:
            if t.kind == "close_gap":
                g = assess_gap_target(t.method_target(), annual, spec.polarity, bench or [])
                out = self._gap_target(out, g)
            else:
                r = assess_target(t.method_target(), annual, spec.polarity, benchmark_series=bench,
                                  non_negative=non_negative)  # fmt: skip
                out = _dated_target(out, r)
        except (InsufficientData, MethodError) as e:
            out["note"] = str(e)
            return out
        if out.get("benchmark_name") and out.get("resolved"):
            out["resolved"] = out["resolved"].replace("the benchmark", out["benchmark_name"])
        return out

    def _gap_target(self, out: dict[str, Any], g: Any) -> dict[str, Any]:
        """A close_gap target: the gap now, its trend, the year it would close; with a date, its status."""
        tr, yr = g.trend, g.year_reached
        out.update(method=g.method, source=g.source, resolved_value=g.resolved.value, resolved=g.resolved.description,
                   gap={"year": g.year, "index": g.index, "gap_points": g.gap,
                        "trend": {"status": _rule_status(tr), "from_period": _int(tr.first_period),
                                  "to_period": _int(tr.last_period), "from_index": tr.first_value, "to_index": tr.last_value,
                                  "cagr": tr.cagr, "points": tr.points, "explanation": tr.explanation,
                                  "method": tr.method, "source": tr.source},
                        "closes_in": yr.year, "closes_note": yr.note,
                        "trend_window": _window(g.resolved.series, yr.from_year)},
                   projected_year=yr.year, projection=yr.note,
                   inputs={"series": [list(p) for p in g.resolved.series]})  # fmt: skip
        if g.dated is not None:
            return _dated_target(out, g.dated)
        out["status"] = status.MET if g.achieved else None
        out["on_track"] = True if g.achieved else None
        if not g.achieved:
            out["note"] = "the target has no date: the gap, its trend and the year it would close are given, not a status"
        return out

    def _name_or_code(self, code: str) -> str:
        try:
            return self.name(code)
        except NotFound:
            return code

    def _trend(self, spec: Spec, area: str, code: str, segment: list[Point], stand_in: bool,
               used: set[int]) -> dict[str, Any]:  # fmt: skip
        """The trend by the written rules of :mod:`prosperity.assess.status`."""
        comparable = comparable_points(segment)
        years = [p.year for p in segment]
        kinds = [_months(p.period) for p in segment]
        elig = status.fingertips_eligibility(kinds, years, [p.lci_95 is not None and p.uci_95 is not None
                                                            for p in segment])  # fmt: skip
        marker = None
        if elig.eligible:
            pts = [TrendPoint(p.year, p.value, p.lci_95, p.uci_95) for p in segment]
            try:
                marker = fingertips_trend_marker(pts, spec.polarity, kind="ci")
            except (InsufficientData, MethodError):
                marker = None
        with_ci = any(p.lci_95 is not None for p in segment)
        direction = direction_rule([(p.year, p.value) for p in comparable], spec.polarity)
        basis = status.price_basis(spec.unit)
        real = self._real_terms(spec, area, code, comparable[0].year if comparable else None, used) \
            if basis == "current prices" and not stand_in else None  # fmt: skip
        cash = basis == "current prices" and real is None
        judged = real.pop("rule") if real else (None if cash else direction)
        j = status.judge_trend(spec.polarity, marker=None if real else marker, direction=judged, cash_terms=cash,
                               stand_in=stand_in)  # fmt: skip
        out: dict[str, Any] = {
            "status": j.status, "rule": j.rule, "reason": j.reason, "basis": basis,
            "direction": direction.outcome.value, "judgement": _judgement(j.status),
            "from_period": _int(direction.first_period), "to_period": _int(direction.last_period),
            "from_label": period_label(comparable[0].period) if comparable else None,
            "to_label": period_label(comparable[-1].period) if comparable else None,
            "from_value": direction.first_value, "to_value": direction.last_value, "change": direction.change,
            "percent_change": (direction.change / abs(direction.first_value) * 100
                               if direction.change is not None and direction.first_value else None),
            "cagr": direction.cagr, "points": direction.points, "min_points": direction.min_points,
            "materiality": direction.materiality, "periods": [p.period for p in comparable],
            "method": direction.method, "source": direction.source, "explanation": direction.explanation,
            "significance_tested": marker is not None, "marker": None,
            "marker_eligible": elig.eligible, "marker_ineligible_reason": elig.reason if with_ci else None,
            "real_terms": real,
        }  # fmt: skip
        if marker is not None:
            out.update(marker=marker.marker.value, marker_judgement=marker.judgement.value, marker_method=marker.method,
                       marker_source=marker.source, chi_square=marker.chi_square, marker_message=marker.message,
                       marker_periods=list(marker.periods_used))  # fmt: skip
        return out

    def _real_terms(self, spec: Spec, area: str, code: str, from_year: int | None,
                    used: set[int]) -> dict[str, Any] | None:  # fmt: skip
        """The real-terms series of a money indicator, over the same years as the cash series' trend."""
        rt = spec.real_terms
        if rt is None:
            return None
        rcode = rt.code_for(area, code)
        meta = self.meta(rt.series)
        if rcode is None or meta is None:
            return None
        breakdown = rt.breakdown if rt.breakdown is not None else (spec.breakdown if rt.published_for == "same" else "")
        pts = self.published(rt.series, rcode, breakdown)
        if not pts:
            return None
        seg = comparable_points(latest_segment(pts))
        if from_year is not None:
            seg = [p for p in seg if p.year >= from_year] or seg
        for p in seg:
            used.update(p.release_ids)
        rule = direction_rule([(p.year, p.value) for p in seg], spec.polarity)
        return {"indicator": rt.series, "label": meta.get("label"), "unit": meta.get("unit"), "area": rcode,
                "area_name": self._name_or_code(rcode), "publisher": meta.get("source_org"),
                "values": [{"period": p.period, "year": p.year, "value": p.value} for p in seg],
                "from_period": _int(rule.first_period), "to_period": _int(rule.last_period),
                "from_value": rule.first_value, "to_value": rule.last_value, "cagr": rule.cagr, "points": rule.points,
                "outcome": rule.outcome.value, "explanation": rule.explanation, "method": rule.method,
                "source": rule.source, "rule": rule}  # fmt: skip

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


@lru_cache(maxsize=65536)
def period_kind(period: str) -> tuple[Any, ...]:
    """What kind of period this is: a change of kind is a series break.

    Years keep their start month (calendar, financial and academic years are different series); months and
    days keep only their length (a monthly series is one series, not twelve); an instant is an instant,
    whatever its day (ASHE is dated to a day in April that moves from year to year).
    """
    p = parse_period(period)
    if p.unit is None:
        return ("instant", None, None, None)
    if p.unit == "Y":
        return (p.unit, p.count, p.start.month, 1)
    return (p.unit, p.count, None, None)


def latest_segment(points: list[Point]) -> list[Point]:
    """The latest run of periods of one kind (a change of period length or start is a series break)."""
    points = sorted(points, key=lambda p: parse_period(p.period).start)
    kind = period_kind(points[-1].period)
    seg = [p for p in points if period_kind(p.period)[:3] == kind[:3]]
    return seg


def comparable_points(segment: list[Point]) -> list[Point]:
    """The points of a series that the trend rule compares: within the last ten years, non-overlapping, and
    for a sub-annual series the same month of each year (year on year, so seasons do not pass for a trend)."""
    if not segment:
        return []
    latest = segment[-1]
    p = parse_period(latest.period)
    chosen: list[Point] = []
    span = _months(latest.period)[0]
    for point in reversed(segment):
        q = parse_period(point.period)
        if latest.year - point.year > TREND_YEARS:
            break
        if p.unit in ("M", "D") and q.start.month != p.start.month:
            continue
        if chosen:
            last = parse_period(chosen[-1].period)
            gap = (last.start.year - q.start.year) * 12 + last.start.month - q.start.month
            if gap < max(span, 12 if p.unit in ("M", "D", None) else span):
                continue
        chosen.append(point)
    return list(reversed(chosen))


def _months(period: str) -> tuple[int, int]:
    """(length in months, 0) of a period; an instant counts as a year apart from the next (annual surveys)."""
    p = parse_period(period)
    if p.unit == "Y":
        return (12 * (p.count or 1), 0)
    if p.unit == "M":
        return (p.count or 1, 0)
    if p.unit == "D":
        return (max(1, (p.count or 1) // 30), 0)
    return (12, 0)


def _annual(points: list[Point]) -> list[tuple[int, float]]:
    by_year: dict[int, float] = {}
    for p in points:
        by_year[p.year] = p.value
    return sorted(by_year.items())


def _int(x: float | None) -> int | None:
    return None if x is None else int(x)


def _judgement(s: str) -> str:
    return {status.IMPROVING: "better", status.WORSENING: "worse", status.NO_CLEAR_CHANGE: "similar"}.get(s, "not_judged")


def _rule_status(rule: Any) -> str:
    return status.judge_trend(rule.polarity, direction=rule).status


def _gap(spec: Spec, history: list[tuple[Point, Point]]) -> dict[str, Any] | None:
    """The gap to the benchmark as an index (benchmark = 100), its trend by the written rule, and the year the
    recent linear trend would close it."""
    if not history:
        return None
    area_pts = [p for p, _ in history]
    chosen = {p.period for p in comparable_points(area_pts)}
    index = [(p.year, p.value / b.value * 100) for p, b in history if p.period in chosen]
    latest_year, latest_index = index[-1]
    rule = direction_rule(index, spec.polarity)
    below = latest_index < 100
    ahead = (not below) if spec.polarity is not Polarity.LOWER_IS_BETTER else below
    closing = rule.outcome.value in ("increasing", "decreasing") and ((rule.outcome.value == "increasing") == below)
    moves = {"increasing": "rising", "decreasing": "falling"}.get(rule.outcome.value)
    if moves is None:
        direction = "no clear change" if rule.outcome.value == "no_clear_change" else None
    else:
        direction = "narrowing" if closing else "widening"
    reach = year_target_reached(index, 100.0) if latest_index != 100 and not ahead else None
    window = [t for t, _ in index if reach and reach.from_year and t >= reach.from_year - DNS_WINDOW_YEARS]
    pp = {p.period: p.value - b.value for p, b in history}
    first = _period_of(history, rule.first_period)
    return {"index": latest_index, "gap_percent": latest_index - 100, "period": history[-1][0].period,
            "from_period": _int(rule.first_period), "to_period": _int(rule.last_period),
            "from_label": period_label(first) if first else None, "to_label": period_label(history[-1][0].period),
            "from_index": rule.first_value, "to_index": rule.last_value,
            "change_points": rule.change, "cagr": rule.cagr, "points": rule.points, "direction": direction,
            "status": _rule_status(rule), "explanation": rule.explanation, "method": rule.method, "source": rule.source,
            "closes_in": reach.year if reach else None, "closes_note": reach.note if reach else "",
            "closes_window": [window[0], window[-1]] if window else None, "ahead": ahead,
            "difference_from": pp.get(_period_of(history, rule.first_period)),
            "difference_to": pp.get(history[-1][0].period)}  # fmt: skip


def _window(series: Any, last: int | None) -> list[int] | None:
    """The first and last years of the DNS five-year window ending at ``last``."""
    years = [t for t, _ in series if last is not None and last - DNS_WINDOW_YEARS <= t <= last]
    return [years[0], years[-1]] if years else None


def _period_of(history: list[tuple[Point, Point]], year: float | None) -> str | None:
    return next((p.period for p, _ in history if year is not None and p.year == int(year)), None)


def _dated_target(out: dict[str, Any], r: Any) -> dict[str, Any]:
    """A dated target's status by its method (status.target_status), with the projection and the rate needed."""
    if r.preferred == r.linear.method:
        pts = r.linear.points_used
        outcome, achieved = r.linear.symbol.value, r.linear.target_achieved
        out.update(method=r.linear.method, source=r.linear.source, detail=r.linear.message,
                   method_name="linear projection (German sustainability strategy)", symbol=outcome,
                   window=[pts[0][0], pts[-1][0]] if pts else None,
                   shortfall_share=r.linear.shortfall_share_of_gap)  # fmt: skip
    else:
        o = r.open_sdg
        if o is None:
            raise MethodError("no CAGR-ratio result although it was the preferred method")
        outcome, achieved = o.status, o.target_achieved
        out.update(method=o.method, source=o.source, score=o.score, progress_value=o.progress_value,
                   method_name="CAGR ratio (Statistics Canada, Open SDG)", method_label=STATUS_LABELS[o.status],
                   window=[o.base_year, o.current_year])  # fmt: skip
    deadline = r.deadline
    st = status.target_status(method=out["method"], outcome=outcome, achieved=achieved,
                              deadline_met=deadline.met if deadline is not None else None)  # fmt: skip
    if deadline is not None:
        out["deadline"] = {"year": deadline.target_year, "value": deadline.value, "met": deadline.met,
                           "note": deadline.note, "method": deadline.method, "source": deadline.source}  # fmt: skip
        if deadline.met is None:  # no figure for the deadline year yet: the projection stands
            st = status.target_status(method=out["method"], outcome=outcome, achieved=achieved)
    yr = r.year_reached
    out["projection_window"] = [r.linear.points_used[0][0], yr.from_year] if r.linear.points_used else None
    out.update(status=st, on_track=None if st is None else st in (status.ON_TRACK, status.MET),
               resolved_value=r.resolved.value, resolved=r.resolved.description, projected_year=yr.year,
               projection=yr.note, projected_value=r.linear.projected_value, floor=r.linear.floor,
               required_rate={"absolute_per_year": r.required.absolute_per_year,
                              "compound_per_year": r.required.compound_per_year, "from_year": r.required.current_year,
                              "note": r.required.note},
               note=r.note, inputs={"series": [list(p) for p in r.resolved.series]})  # fmt: skip
    if st is None and not out.get("note"):
        out["note"] = r.linear.message
    return out


def _is_total(spec: Spec) -> bool:
    """A total or count (its size depends on the area's size): summed from members, not compared as a rate."""
    return spec.aggregation.rule == "sum" or spec.aggregation.total


_CAVEAT_WORDS = (("provisional", "provisional"), ("experimental", "experimental"),
                 ("in development", "official statistics in development"))  # fmt: skip


def _caveats(meta: dict[str, Any]) -> list[dict[str, str]]:
    """The publisher's own words that qualify the figures (provisional, experimental, in development)."""
    import re

    out: list[dict[str, str]] = []
    text = meta.get("caveats") or ""
    sentences_ = re.split(r"(?<=[.!?])\s+", text.replace("\n", " "))
    for word, kind in _CAVEAT_WORDS:
        hit = next((x.strip() for x in sentences_ if word in x.lower()), None)
        if hit:
            out.append({"kind": kind, "text": hit})
    if meta.get("experimental") and not any(c["kind"] in ("experimental", "official statistics in development")
                                            for c in out):  # fmt: skip
        out.append({"kind": "official statistics in development", "quoted": False,
                    "text": "The publisher flags these figures as official statistics in development (the term for "
                            "what were called experimental statistics)."})  # fmt: skip
    return out


def _status_reason(a: Assessment, stand_in: bool) -> str:
    if a.status == status.NO_DATA:
        return "no figure"
    if stand_in:
        return f"the figure is for {a.figure_area_name}, standing in; it is not judged as {a.area_name}'s"
    t = a.target or {}
    if a.status in status.TARGET_STATUSES and t.get("status") == a.status:
        return f"target {t['id']} by the {t.get('method_name') or t.get('method')} method"
    return (a.trend or {}).get("reason") or ""


__all__ = ["Assessment", "Assessor", "NotAggregable", "Point", "comparable_points", "latest_segment", "period_kind"]
