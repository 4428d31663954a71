"""Running a scenario: read its figures at its vintage, apply its method, and write the results with every input,
assumption and release, so that the same scenario at the same vintage regenerates byte for byte.

>>> from prosperity.scenarios import load_scenario, run_scenario, write_results
>>> with Warehouse.open() as wh:                                                  # doctest: +SKIP
...     result = run_scenario(wh, load_scenario("growth-plan-productivity-gap.yaml"))
...     write_results(result, Path("out"))

The result is plain data (dicts, lists, numbers, text): ``scenario`` (what was run), ``claim`` (the strategy's
words, with the document's title), ``inputs`` (each figure with its period, unit and release), ``assumptions``,
``results`` (the method's numbers), ``tables``, ``paths`` (yearly series for the chart), ``sentences`` (plain
English with units, periods and sources), ``caveats``, ``methods`` (each with its published source) and
``releases``. Nothing in it depends on the machine or the moment it was computed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from prosperity import __version__
from prosperity.errors import ProsperityError
from prosperity.methods import Polarity, gap_in_people
from prosperity.methods.trend import cagr
from prosperity.scenarios import claims, emissions, gap, shiftshare
from prosperity.scenarios.read import Point, Reader, ScenarioDataError, Series
from prosperity.scenarios.spec import Figure, LoadedScenario, Scenario
from prosperity.warehouse import Warehouse

RESULT_FILE, PATHS_FILE, TABLES_FILE = "result.json", "paths.csv", "tables.csv"


# ---- words and numbers -----------------------------------------------------------------------------------------
def money(pounds: float | None, dp: int = 1) -> str:
    """£ with a scale word: ``£5.4 billion``, ``£540 million``, ``£3.01``."""
    if pounds is None or not math.isfinite(pounds):
        return "no figure"
    sign, v = ("-" if pounds < 0 else ""), abs(pounds)
    if v >= 1e9:
        return f"{sign}£{v / 1e9:,.{dp}f} billion"
    if v >= 1e6:
        return f"{sign}£{v / 1e6:,.0f} million"
    if v >= 1000:
        return f"{sign}£{v:,.0f}"
    return f"{sign}£{v:,.2f}"


def pct(fraction: float | None, dp: int = 1) -> str:
    return "no figure" if fraction is None else f"{fraction * 100:,.{dp}f}%"


def number(v: float | None, dp: int = 0) -> str:
    return "no figure" if v is None else f"{v:,.{dp}f}"


def growth(rate: float | None, dp: int = 2) -> str:
    """``growth of 0.53% a year`` or ``a fall of 0.22% a year``."""
    if rate is None:
        return "no measurable change"
    return f"growth of {pct(rate, dp)} a year" if rate >= 0 else f"a fall of {pct(-rate, dp)} a year"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def date_text(iso: str | None) -> str | None:
    if not iso:
        return None
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {d:%B %Y}"


def source_text(s: Series) -> str:
    rel = s.release
    when = date_text(rel.release_date)
    return f"{rel.publisher or rel.title}" + (f", released {when}" if when else "")


def figure_text(value: float, unit: str) -> str:
    u = (unit or "").strip()
    if u.startswith("£") and u != "£":
        return f"{money(value * 1e6)}" if "million" in u else f"£{value:,.2f} {u[1:].strip()}"
    if u == "£":
        return money(value)
    if u in ("%", "per cent"):
        return f"{value:,.1f}%"
    if u.startswith("index"):
        return f"{value:,.1f} ({u})"
    return f"{value:,.0f} {u}".strip() if abs(value) >= 100 else f"{value:,.2f} {u}".strip()


# ---- the context of one run ------------------------------------------------------------------------------------
class Run:
    """The scenario, its reader and what has been recorded so far."""

    def __init__(self, wh: Warehouse, loaded: LoadedScenario, as_of: str | None, titles: dict[str, str]):
        self.loaded, self.spec = loaded, loaded.spec
        self.reader = Reader(wh, loaded.spec.vintage, as_of)
        self.as_of = as_of
        self.titles = titles
        self.inputs: list[dict[str, Any]] = []
        self.caveats: list[str] = []
        self.methods: dict[str, str] = {}

    def series(self, role: str, which: str = "area", fig: Figure | None = None) -> Series:
        """The series of input ``role`` for its area (``which="area"``) or its benchmark."""
        fig = fig or self.spec.input(role)
        code = (fig.area or self.spec.area) if which == "area" else (fig.benchmark or self.spec.benchmark)
        if code is None:
            raise ScenarioDataError(f"inputs.{role}: no {which} area given")
        areas = list(fig.benchmark_members) if which == "benchmark" and fig.benchmark_members else [code]
        breakdowns = list(fig.breakdowns) or [fig.breakdown]
        parts = [self.reader.series(fig.indicator, a, b, role=f"inputs.{role}", scale=fig.scale, unit=fig.unit)
                 for a in areas for b in breakdowns]  # fmt: skip
        if len(parts) == 1:
            s = parts[0]
            s.label = fig.label or s.label
            return s
        return self._sum(parts, fig, code, " + ".join(breakdowns) if fig.breakdowns else fig.breakdown)

    def _sum(self, parts: list[Series], fig: Figure, code: str, breakdown: str) -> Series:
        """The sum of several areas' or breakdowns' series, for the years every one of them has."""
        years = set.intersection(*({p.year for p in s.points} for s in parts))
        points = [Point(y, next(p.period for p in parts[0].points if p.year == y),
                        math.fsum(next(p.value for p in s.points if p.year == y) for s in parts)) for y in sorted(years)]
        first = parts[0]
        return Series(first.indicator, fig.label or first.label, first.unit, code, self.reader.area_name(code),
                      breakdown, first.release, points, fig.scale)  # fmt: skip

    def record(self, role: str, s: Series, p: Point | None = None, *, which: str = "area",
               fig: Figure | None = None) -> float:  # fmt: skip
        """Record a figure used (one point, or the whole series when ``p`` is None); return its scaled value."""
        fig = fig or self.spec.input(role)
        pts = [p] if p is not None else s.points
        for q in pts:
            self.inputs.append({
                "role": role, "of": which, "indicator": s.indicator, "label": s.label, "area": s.area,
                "area_name": s.area_name, "breakdown": s.breakdown, "year": q.year, "period": q.period,
                "period_label": q.label, "value": q.value, "scale": s.scale, "unit": s.unit,
                "dataset": s.release.dataset, "stands_in_for": fig.stands_in_for,
                "sum_of": list(fig.benchmark_members) if which == "benchmark" else [],
                "stands_in_for_name": self.reader.area_name(fig.stands_in_for) if fig.stands_in_for else None,
                "note": fig.note})  # fmt: skip
        if fig.stands_in_for and which == "area":
            whose = self.reader.area_name(fig.stands_in_for)
            msg = (f"{s.label} is not published for {whose}: the figure for {s.area_name} stands in for it and is "
                   f"never presented as {whose}'s own.")  # fmt: skip
            if msg not in self.caveats:
                self.caveats.append(msg)
        return (p.value if p is not None else pts[-1].value) * s.scale

    def method(self, result: Any) -> None:
        self.methods[result.method] = result.source


def _claim(spec: Scenario, titles: dict[str, str]) -> dict[str, Any] | None:
    if spec.claim is None:
        return None
    c = spec.claim
    return {"text": c.text, "strategy": c.strategy, "document": c.cite.document,
            "source_title": titles.get(c.cite.document), "section": c.cite.section, "lines": c.cite.lines,
            "quote": c.cite.quote, "numbers": dict(c.numbers)}  # fmt: skip


def _assumption_rows(spec: Scenario) -> list[dict[str, Any]]:
    return [a.model_dump() for a in spec.assumptions]


def _case(a: Any, case: str) -> float:
    """An assumption's value for a case: ``low`` and ``high`` give the low and high results; ``central`` the value."""
    if case == "central" or a.low is None:
        return float(a.value)
    return float(a.low if case == "low" else a.high)


CASES = ("low", "central", "high")


# ---- gap closure -----------------------------------------------------------------------------------------------
def _run_gap(run: Run) -> dict[str, Any]:
    spec = run.spec
    lv = spec.input("level")
    area_s, bench_s = run.series("level"), run.series("level", "benchmark")
    base_year = lv.year or min(area_s.points[-1].year, bench_s.points[-1].year)
    a_pt, b_pt = area_s.at(base_year, "inputs.level"), bench_s.at(base_year, "inputs.level")
    a_val, b_val = run.record("level", area_s, a_pt), run.record("level", bench_s, b_pt, which="benchmark")
    ratio = a_val / b_val
    target_ratio = float(spec.assumption("target_ratio").value)
    history = [(p.year, p.value / q.value) for p in area_s.points for q in bench_s.points
               if p.year == q.year and q.value]  # fmt: skip

    ri = spec.input("real_index")
    ai, bi = run.series("real_index"), run.series("real_index", "benchmark")
    shared = sorted({p.year for p in ai.points} & {p.year for p in bi.points})
    if len(shared) < 2:
        raise ScenarioDataError("inputs.real_index: the area and the benchmark share fewer than two years")
    t1 = ri.to_year or shared[-1]
    t0 = ri.from_year or max(shared[0], t1 - 10)
    a0, a1 = ai.at(t0, "inputs.real_index"), ai.at(t1, "inputs.real_index")
    b0, b1 = bi.at(t0, "inputs.real_index"), bi.at(t1, "inputs.real_index")
    for p in (a0, a1):
        run.record("real_index", ai, p)
    for p in (b0, b1):
        run.record("real_index", bi, p, which="benchmark")
    g = gap.gap_closure(ratio, base_year, spec.horizon, target_ratio=target_ratio,
                        trend=(t0, a0.value, b0.value, t1, a1.value, b1.value))  # fmt: skip
    run.method(g)
    area_growth = cagr(a0.value, a1.value, t0, t1)
    bench_growth = cagr(b0.value, b1.value, t0, t1)

    q_s = run.series("quantity")
    qf = spec.input("quantity")
    q_pt = q_s.at(qf.year, "inputs.quantity") if qf.year else q_s.points[-1]
    quantity = run.record("quantity", q_s, q_pt)
    now = gap.closure_value(a_val, b_val * target_ratio, quantity)
    run.method(now)
    years = max(spec.horizon - base_year, 0)
    trend_ratio_h = ratio * (1 + (g.trend_differential or 0.0)) ** years
    bench_h = b_val * (1 + (bench_growth or 0.0)) ** years
    at_horizon = quantity * bench_h * (target_ratio - trend_ratio_h)
    needed_area_growth = None if g.required_differential is None or bench_growth is None else \
        (1 + bench_growth) * (1 + g.required_differential) - 1  # fmt: skip

    end = max(spec.horizon, g.year_closed_on_trend or 0)
    paths = [{"series": "measured", "role": "main", "year": t, "value": r} for t, r in history]
    if g.required_differential is not None:
        paths += [{"series": f"needed to close by {spec.horizon}", "role": "projection", "year": t, "value": r}
                  for t, r in gap.ratio_path(ratio, base_year, g.required_differential, spec.horizon)]  # fmt: skip
    if g.trend_differential is not None:
        paths += [{"series": f"on the real-terms trend {t0} to {t1}", "role": "benchmark", "year": t, "value": r}
                  for t, r in gap.ratio_path(ratio, base_year, g.trend_differential,
                                             min(end, spec.horizon + 15))]  # fmt: skip

    bname, aname = bench_s.area_name, area_s.area_name
    label = area_s.label.lower()
    s = [f"In {a_pt.label} {label} in {aname} was {figure_text(a_val, area_s.unit)}, {pct(ratio)} of {bname}'s "
         f"{figure_text(b_val, bench_s.unit)}: a gap of {pct(1 - ratio)} ({source_text(area_s)})."]
    if g.already_closed:
        s.append(f"{aname} is already at or above {pct(target_ratio, 0)} of {bname}'s level.")
    elif g.required_differential is not None:
        s.append(f"To reach {pct(target_ratio, 0)} of {bname}'s level by {spec.horizon}, {aname}'s productivity "
                 f"would have to grow {pct(g.required_differential, 2)} a year faster than {bname}'s for "
                 f"{years} years.")  # fmt: skip
        if needed_area_growth is not None:
            s.append(f"If {bname} kept to its real-terms {growth(bench_growth)} ({t0} to {t1}), that means real "
                     f"growth of {pct(needed_area_growth, 2)} a year in {aname}, against {growth(area_growth)} over "
                     f"the same years (chained volume measures, {source_text(ai)}).")  # fmt: skip
    if g.trend_differential is not None and not g.already_closed:
        if g.year_closed_on_trend is None:
            s.append(f"On the real-terms trend of {t0} to {t1} the gap does not close: {aname}'s productivity grew "
                     f"{pct(abs(g.trend_differential), 2)} a year {'slower' if g.trend_differential < 0 else 'faster'} "
                     f"than {bname}'s{', so the gap widens' if g.trend_differential < 0 else ''}.")  # fmt: skip
        else:
            s.append(f"On the real-terms trend of {t0} to {t1} ({pct(g.trend_differential, 2)} a year faster than "
                     f"{bname}) the gap would close in {g.year_closed_on_trend}"
                     f"{', after the target date' if g.year_closed_on_trend > spec.horizon else ''}.")  # fmt: skip
    s.append(f"Closing the gap is worth about {money(now.value)} of GVA a year: {number(quantity / 1e6, 0)} million "
             f"{q_s.unit or 'units'} ({q_pt.label}) at {figure_text(now.level_gap, area_s.unit)} more each, in "
             f"{a_pt.label} prices.")  # fmt: skip
    if g.trend_differential is not None and not g.already_closed and years > 0:
        s.append(f"In {spec.horizon}, against the path of the recent trend, closure would be worth about "
                 f"{money(at_horizon)} a year in {a_pt.label} prices, holding {q_s.label.lower()} at the "
                 f"{q_pt.label} level.")  # fmt: skip
    run.caveats.append(f"The gap is measured in current prices ({a_pt.label}), as ONS publishes no regional price "
                       f"levels; the trend in chained volume measures ({t0} to {t1}) for {ai.area_name}. The value "
                       f"of closure multiplies the gap in {a_pt.label} by {q_s.label.lower()} in {q_pt.label}.")  # fmt: skip
    results = {
        "base_year": base_year, "area_level": a_val, "benchmark_level": b_val, "ratio": ratio, "gap": 1 - ratio,
        "target_ratio": target_ratio, "target_year": spec.horizon, "years": years,
        "required_differential": g.required_differential, "needed_area_real_growth": needed_area_growth,
        "trend_from": t0, "trend_to": t1, "area_real_growth": area_growth, "benchmark_real_growth": bench_growth,
        "trend_differential": g.trend_differential, "year_closed_on_trend": g.year_closed_on_trend,
        "already_closed": g.already_closed, "quantity": quantity, "quantity_year": q_pt.year,
        "level_gap": now.level_gap, "closure_value_a_year": now.value,
        "closure_value_at_horizon_vs_trend": at_horizon if not g.already_closed else 0.0,
    }  # fmt: skip
    chart = {"title": f"{aname} as a share of {bname}: {label}", "y_label": f"ratio to {bname} (1 = parity)",
             "unit": "ratio", "target": {"year": spec.horizon, "value": target_ratio}}  # fmt: skip
    return {"results": results, "paths": paths, "sentences": s, "tables": {}, "chart": chart}


# ---- people gap --------------------------------------------------------------------------------------------------
def _run_people_gap(run: Run) -> dict[str, Any]:
    spec = run.spec
    rf, df = spec.input("rate"), spec.input("denominator")
    area_s, bench_s = run.series("rate"), run.series("rate", "benchmark")
    year = rf.year or min(area_s.points[-1].year, bench_s.points[-1].year)
    a_pt, b_pt = area_s.at(year, "inputs.rate"), bench_s.at(year, "inputs.rate")
    rate, brate = run.record("rate", area_s, a_pt), run.record("rate", bench_s, b_pt, which="benchmark")
    den_s = run.series("denominator")
    d_pt = den_s.at(df.year or year, "inputs.denominator") if (df.year or any(p.year == year for p in den_s.points)) \
        else den_s.latest_at_or_before(year, "inputs.denominator")  # fmt: skip
    denominator = run.record("denominator", den_s, d_pt)
    counted = df.note or "people"
    pg = gap_in_people(rate, brate, denominator, denominator_label=den_s.label.lower(),
                       denominator_period=d_pt.label, polarity=Polarity.HIGHER_IS_BETTER, counted=counted)  # fmt: skip
    run.method(pg)
    per_year = gap.people_per_year(pg.people, year, spec.horizon)
    history = sorted((p.year, q.value - p.value) for p in area_s.points for q in bench_s.points if p.year == q.year)
    trend = gap.linear_gap_trend(history[-6:])
    few = len(history[-6:]) < 3  # two years: a change, not a trend to project
    closes = None
    if trend is not None and trend < 0 and pg.people > 0 and not few:
        closes = year + math.ceil((brate - rate) / -trend - 1e-9)
    aname, bname = area_s.area_name, bench_s.area_name
    s = [f"In {a_pt.label} {pct(rate / 100)} of {den_s.label.lower()} in {aname} had {area_s.label.lower()}, "
         f"against {pct(brate / 100)} in {bname} ({source_text(area_s)})."]
    if pg.benchmark_met:
        s.append(f"{aname} already matches or exceeds {bname}'s rate.")
    else:
        s.append(f"To match {bname}'s rate, {aname} would need {number(pg.people)} more {counted} "
                 f"(among {number(denominator)} {den_s.label.lower()}, {d_pt.label}).")  # fmt: skip
        if per_year is not None:
            s.append(f"Closing that gap by {spec.horizon} means {number(per_year)} more {counted} a year, holding "
                     f"the population at its {d_pt.label} size.")  # fmt: skip
        if trend is not None and few:
            s.append(f"Between {history[-2][0]} and {history[-1][0]} the gap changed by "
                     f"{history[-1][1] - history[-2][1]:+.2f} percentage points; two years are too few to say where "
                     "it is heading.")  # fmt: skip
        elif trend is not None:
            pace = f"at that pace it closes in {closes}" if closes else "at that pace it does not close"
            s.append(f"Over {history[-6:][0][0]} to {history[-1][0]} the gap changed by {trend:+.2f} percentage points "
                     f"a year: {pace}.")  # fmt: skip
    if spec.notes:  # what the figures are and are not (the survey, its basis, its sampling error): said with them
        run.caveats.append(" ".join(spec.notes.split()))
    paths = [{"series": f"{bname} minus {aname}", "role": "main", "year": t, "value": v} for t, v in history]
    results = {"year": year, "rate": rate, "benchmark_rate": brate, "denominator": denominator,
               "denominator_year": d_pt.year, "people": pg.people, "people_rounded": pg.people_rounded,
               "benchmark_met": pg.benchmark_met, "people_a_year": per_year, "gap_trend_per_year": trend,
               "year_closed_on_trend": closes}  # fmt: skip
    chart = {"title": f"Gap between {bname} and {aname}: {area_s.label.lower()}", "y_label": "percentage points",
             "unit": "percentage points", "target": {"year": spec.horizon, "value": 0.0}}  # fmt: skip
    return {"results": results, "paths": paths, "sentences": s, "tables": {}, "chart": chart}


# ---- R&D claim check ---------------------------------------------------------------------------------------------
def _run_rd_claim(run: Run) -> dict[str, Any]:
    spec = run.spec
    numbers = spec.claim.numbers if spec.claim else {}
    target = float(spec.assumption("target_intensity").value) / 100
    target_year = spec.horizon
    rho, lag_a, beta = spec.assumption("rate_of_return"), spec.assumption("lag"), spec.assumption("elasticity")
    dep = float(spec.assumption("depreciation").value) if any(a.id == "depreciation" for a in spec.assumptions) else 0.0

    # measured R&D intensity, where R&D is measured (a stand-in for the area)
    bf, pf, gf = spec.input("rd_business"), spec.input("rd_public"), spec.input("gva_measured")
    bs, ps, gs = run.series("rd_business"), run.series("rd_public"), run.series("gva_measured")
    b_pt = bs.at(bf.year, "inputs.rd_business") if bf.year else bs.points[-1]
    p_pt = ps.at(pf.year, "inputs.rd_public") if pf.year else ps.points[-1]
    g_pt = gs.at(gf.year or b_pt.year, "inputs.gva_measured")
    berd, pub, gva_m = run.record("rd_business", bs, b_pt), run.record("rd_public", ps, p_pt), run.record(
        "gva_measured", gs, g_pt)  # fmt: skip
    s_business = berd / gva_m
    s_total = (berd + pub) / gva_m
    base_intensity = {"low": s_total, "central": s_total, "high": s_business}
    where = bs.area_name
    stands_for = run.reader.area_name(bf.stands_in_for or spec.area)

    gva_s, prod_s, jobs_s = run.series("gva"), run.series("productivity"), run.series("jobs")
    ends = sorted(set(spec.years) | {target_year})
    bases = spec.bases or []
    if not bases:
        raise ScenarioDataError("bases: the claim check needs at least one base year (e.g. the latest figures)")
    table_cum: list[dict[str, Any]] = []
    table_base: list[dict[str, Any]] = []
    paths: list[dict[str, Any]] = []
    cum_target = numbers.get("cumulative_gva")
    for bi, base in enumerate(bases):
        g_base = gva_s.latest_at_or_before(base.year, "inputs.gva")
        gva = run.record("gva", gva_s, g_base) * 1e6  # £ million → £
        by = base.year
        for end in ends:
            row: dict[str, Any] = {"base": base.label, "base_year": by, "gva_year": g_base.year, "to_year": end}
            for case in CASES:
                s0 = base_intensity[case]
                path = claims.intensity_path(by, s0, target_year, target, max(ends))
                extra = claims.extra_rd(path, s0, gva)
                eg = claims.returns_to_rd(extra, _case(rho, case), lag=int(_case(lag_a, case)), depreciation=dep)
                row[f"cumulative_{case}"] = claims.cumulative(eg, by + 1, end)
                if case == "central" and bi == len(bases) - 1 and end == max(ends):
                    paths += [{"series": "extra GVA a year (central)", "role": "main", "year": t, "value": v / 1e6}
                              for t, v in eg if t > by]  # fmt: skip
                if case in ("low", "high") and bi == len(bases) - 1 and end == max(ends):
                    paths += [{"series": f"extra GVA a year ({case})", "role": "peer", "year": t, "value": v / 1e6}
                              for t, v in eg if t > by]  # fmt: skip
            if cum_target is not None:
                s0 = base_intensity["central"]
                extra = claims.extra_rd(claims.intensity_path(by, s0, target_year, target, max(ends)), s0, gva)
                needed = claims.rate_for_cumulative(cum_target * 1e9, extra, by + 1, end, lag=int(lag_a.value),
                                                    depreciation=dep)  # fmt: skip
                w = claims.Within(needed, min(rho.low or rho.value, rho.high or rho.value),
                                  max(rho.low or rho.value, rho.high or rho.value))  # fmt: skip
                row.update(rate_needed=needed, verdict=w.verdict)
            table_cum.append(row)
        claim_year = None
        if cum_target is not None:
            s0 = base_intensity["central"]
            central = claims.returns_to_rd(
                claims.extra_rd(claims.intensity_path(by, s0, target_year, target, max(ends)), s0, gva),
                float(rho.value), lag=int(lag_a.value), depreciation=dep)  # fmt: skip
            claim_year = next((t for t, _ in central if t > by and claims.cumulative(central, by + 1, t)
                               >= cum_target * 1e9), None)  # fmt: skip
        prod_pt = prod_s.latest_at_or_before(by, "inputs.productivity")
        jobs_pt = jobs_s.latest_at_or_before(by, "inputs.jobs")
        prod = run.record("productivity", prod_s, prod_pt)
        jobs = run.record("jobs", jobs_s, jobs_pt)
        s0 = base_intensity["central"]
        extra_2030 = claims.returns_to_rd(
            claims.extra_rd(claims.intensity_path(by, s0, target_year, target, target_year), s0, gva),
            float(rho.value), lag=int(lag_a.value), depreciation=dep)[-1][1]  # fmt: skip
        table_base.append({
            "base": base.label, "base_year": by, "gva": gva, "gva_year": g_base.year,
            "productivity": prod, "productivity_year": prod_pt.year, "jobs": jobs, "jobs_year": jobs_pt.year,
            "extra_rd_in_target_year": (target - s0) * gva,
            "productivity_share_of_claim": numbers["productivity_share"] / 100 * prod
            if "productivity_share" in numbers else None,
            "jobs_share_of_claim": (numbers["jobs_share"] / 100 * jobs) if "jobs_share" in numbers else None,
            "returns_uplift_in_target_year": extra_2030 / gva, "claim_reached_central": claim_year,
        })  # fmt: skip

    # long-run productivity by elasticity, and the elasticity the claim needs
    elas = {case: claims.elasticity_uplift(base_intensity[case], target, _case(beta, case)) for case in CASES}
    p_share = numbers.get("productivity_share")
    beta_needed = {} if p_share is None else {
        k: claims.elasticity_for_uplift(v, target, p_share / 100)
        for k, v in (("business and public", s_total), ("business only", s_business))}  # fmt: skip
    beta_lo, beta_hi = sorted((beta.low if beta.low is not None else beta.value,
                               beta.high if beta.high is not None else beta.value))  # fmt: skip
    run.methods["elasticity"] = claims.SOURCE_ELASTICITY
    run.methods["rate-of-return"] = claims.SOURCE_RETURNS
    run.methods["gva-identity"] = claims.SOURCE_IDENTITY

    # what the claim's own numbers imply
    implied: dict[str, Any] = {}
    for name, amount, share, ser in (("jobs", "jobs", "jobs_share", jobs_s),
                                     ("productivity", "productivity_uplift", "productivity_share", prod_s)):
        if amount in numbers and share in numbers:  # the base the claim implies, and the year it matches
            base_value = claims.implied_base(numbers[amount], numbers[share] / 100)
            near = claims.closest_year(ser.pairs(), base_value)
            implied.update({f"{name}_base": base_value, f"{name}_base_closest_year": near[0] if near else None,
                            f"{name}_base_closest_value": near[1] if near else None})  # fmt: skip
            run.record(name, ser)
    if "productivity_share" in numbers and "jobs_share" in numbers:
        up = claims.gva_uplift(numbers["productivity_share"] / 100, numbers["jobs_share"] / 100)
        implied["gva_uplift"] = up
        if cum_target is not None:
            first = table_base[0]
            implied["years_of_full_effect"] = cum_target * 1e9 / (up * first["gva"])
            implied["years_of_full_effect_base"] = first["base"]

    # sentences
    s: list[str] = []
    s.append(f"Research and development spending is measured only for {where}, not for {stands_for}: "
             f"there, business R&D was {money(berd * 1e6)} in {b_pt.label} ({source_text(bs)}) and public-funded "
             f"R&D {money(pub * 1e6)} in {p_pt.label} ({source_text(ps)}), against GVA of {money(gva_m * 1e6)} "
             f"({g_pt.label}). That is an R&D intensity of {pct(s_business, 2)} of GVA for business R&D alone, and "
             f"{pct(s_total, 2)} counting public-funded R&D too (which counts public funding of business R&D twice). "
             f"{cap(where)}'s figure is used in place of {stands_for}'s, which is not published.")  # fmt: skip
    latest = table_base[-1]
    s.append(f"Taking {where}'s {pct(s_total, 2)} as the starting level, reaching {pct(target, 0)} of {stands_for}'s "
             f"GVA by {target_year} would need about {money(latest['extra_rd_in_target_year'])} more R&D a year in "
             f"{target_year}, at {stands_for}'s {latest['gva_year']} GVA of {money(latest['gva'])}.")  # fmt: skip
    reached = {row["base_year"]: row.get("claim_reached_central") for row in table_base}
    for row in [r for r in table_cum if r["to_year"] == target_year]:
        txt = (f"From {row['base_year']} ({row['base']}) to {row['to_year']}, the published rates of return "
               f"({pct(_case(rho, 'low'), 0)} to {pct(_case(rho, 'high'), 0)} a year) give cumulative extra GVA of "
               f"{money(row['cumulative_low'])} to {money(row['cumulative_high'])} "
               f"(central {money(row['cumulative_central'])} at {pct(rho.value, 0)})")  # fmt: skip
        if row.get("rate_needed") is not None and cum_target is not None:
            txt += f"; the plan's {money(cum_target * 1e9)} needs a return of {pct(row['rate_needed'], 0)} a year, "
            txt += {"above the published range": "more than the published evidence supports",
                    "below the published range": "less than the lowest published rate, so by then the evidence "
                                                 "supports more than the plan claims",
                    }.get(row["verdict"], row["verdict"])  # fmt: skip
            at = reached.get(row["base_year"])
            txt += (f"; at the central return it is reached by {at}" if at else
                    f"; at the central return it is not reached by {max(ends)}")
        s.append(txt + ".")
    if p_share is not None:
        s.append(f"In the long run, with output elasticities of {_case(beta, 'low'):g} to {_case(beta, 'high'):g} "
                 f"(central {beta.value:g}), raising R&D intensity to {pct(target, 0)} raises productivity by "
                 f"{pct(elas['low'])} to {pct(elas['high'])} (central {pct(elas['central'])}). The plan's "
                 f"{p_share:g}% needs an elasticity of {beta_needed['business and public']:.3f} from "
                 f"{pct(s_total, 2)} ({claims.Within(beta_needed['business and public'], beta_lo, beta_hi).verdict}), "
                 f"or {beta_needed['business only']:.3f} from {pct(s_business, 2)} "
                 f"({claims.Within(beta_needed['business only'], beta_lo, beta_hi).verdict}).")  # fmt: skip
    if "productivity_base" in implied:
        s.append(f"The plan's '{numbers['productivity_share']:g}% increase in productivity (an uplift of "
                 f"£{numbers['productivity_uplift']:g} GVA per hour)' implies productivity of "
                 f"£{implied['productivity_base']:.2f} an hour before the uplift: {prod_s.area_name}'s figure was "
                 f"£{implied['productivity_base_closest_value']:.2f} in {implied['productivity_base_closest_year']} "
                 f"({source_text(prod_s)}). At {latest['productivity_year']}'s £{latest['productivity']:.2f}, 10% is "
                 f"£{latest['productivity'] * numbers['productivity_share'] / 100:.2f}.")  # fmt: skip
    if "jobs_base" in implied:
        s.append(f"The plan's '{numbers['jobs_share']:g}% increase in jobs ({number(numbers['jobs'])})' implies a base "
                 f"of {number(implied['jobs_base'])} jobs: filled jobs in {jobs_s.area_name} were "
                 f"{number(implied['jobs_base_closest_value'])} in {implied['jobs_base_closest_year']} "
                 f"({source_text(jobs_s)}). At {latest['jobs_year']}'s {number(latest['jobs'])}, "
                 f"{numbers['jobs_share']:g}% is {number(latest['jobs_share_of_claim'])} jobs. The published evidence "
                 "cited here estimates returns in output and productivity, not jobs, so it supports no figure for "
                 "jobs.")  # fmt: skip
    if "gva_uplift" in implied:
        txt = (f"Together, {numbers['productivity_share']:g}% more productivity and {numbers['jobs_share']:g}% more jobs "
               f"mean GVA {pct(implied['gva_uplift'])} higher (GVA = productivity × jobs)")
        if "years_of_full_effect" in implied:
            txt += (f"; at {table_base[0]['gva_year']} GVA that is {money(implied['gva_uplift'] * table_base[0]['gva'])} "
                    f"a year, so {money(cum_target * 1e9)} is {implied['years_of_full_effect']:.1f} years of the full "
                    "effect")
        s.append(txt + ".")
    run.caveats.append("Extra GVA is in the base year's prices, with GVA held at its base-year level so that only "
                       "the effect of more R&D is counted; R&D intensity rises in a straight line from the measured "
                       f"level to {pct(target, 0)} in {target_year} and stays there.")  # fmt: skip
    run.caveats.append("The low case uses the lower rate of return with the longer lag and the higher measured "
                       "intensity; the high case the higher rate, no lag and business R&D alone.")  # fmt: skip
    if any(b.year != b_pt.year for b in bases):
        run.caveats.append(f"Every base year starts from R&D intensity as measured in {b_pt.label}, the only year "
                           "both business and public-funded R&D are held for.")  # fmt: skip
    results = {
        "measured_area": bs.area, "measured_area_name": where, "stands_in_for": stands_for,
        "business_rd": berd, "business_rd_year": b_pt.year, "public_rd": pub, "public_rd_period": p_pt.label,
        "gva_measured": gva_m, "gva_measured_year": g_pt.year, "intensity_business": s_business,
        "intensity_business_and_public": s_total, "target_intensity": target, "target_year": target_year,
        "elasticity_uplift": elas, "elasticity_needed": beta_needed, "implied": implied,
    }  # fmt: skip
    chart = {"title": f"Extra GVA a year from reaching {pct(target, 0)} R&D intensity by {target_year}",
             "y_label": f"£ million a year ({table_base[-1]['gva_year']} prices)", "unit": "£ million",
             "target": None}  # fmt: skip
    return {"results": results, "paths": paths, "sentences": s,
            "tables": {"cumulative_gva": table_cum, "bases": table_base}, "chart": chart}  # fmt: skip


# ---- shift-share -------------------------------------------------------------------------------------------------
def _run_shift_share(run: Run) -> dict[str, Any]:
    spec = run.spec
    of, lf = spec.input("output"), spec.input("labour")
    sides: dict[str, dict[str, tuple[float, float]]] = {"area": {}, "benchmark": {}}
    names: dict[str, str] = {}
    units: dict[str, str] = {}
    years: dict[str, int] = {}
    for which in ("area", "benchmark"):
        for grp in spec.groups:
            out_total = lab_total = 0.0
            for role, fig, codes in (("output", of, grp.output), ("labour", lf, grp.labour)):
                for code in codes:
                    f = fig.model_copy(update={"breakdown": code})
                    ser = run.series(role, which, f)
                    pt = ser.at(fig.year, f"inputs.{role}") if fig.year else ser.points[-1]
                    v = run.record(role, ser, pt, which=which, fig=f)
                    names[which] = ser.area_name
                    units[role] = ser.unit
                    years[role] = pt.year
                    if role == "output":
                        out_total += v
                    else:
                        lab_total += v
            sides[which][grp.id] = (out_total, lab_total)
    ss = shiftshare.shift_share(sides["area"], sides["benchmark"])
    run.method(ss)
    labels = {g.id: g.label for g in spec.groups}
    rows = [{"industry": labels[t.industry], "area_share": t.area_share, "benchmark_share": t.benchmark_share,
             "area_productivity": t.area_productivity, "benchmark_productivity": t.benchmark_productivity,
             "mix": t.mix, "within": t.within, "interaction": t.interaction} for t in ss.industries]  # fmt: skip
    a, b = names["area"], names["benchmark"]
    lu = units.get("labour", "")
    per = "£ per job" if "job" in lu else "£ per worker" if ("employ" in lu or "people" in lu or "worker" in lu) \
        else "£ per unit of labour"  # fmt: skip
    s = [f"Output per worker in {a} was {money(ss.area_productivity)} "
         f"against {money(ss.benchmark_productivity)} in {b}: a gap of {money(ss.gap)} ({years['output']} output, "
         f"{years['labour']} labour input)."]  # fmt: skip
    for part, label in ((ss.mix, "industry mix (more of the economy in industries that are less productive in "
                         f"{b})"), (ss.within, "productivity within industries"),
                        (ss.interaction, "interaction (specialisation where relatively productive)")):  # fmt: skip
        share = ss.share_of_gap(part)
        s.append(f"{label[0].upper() + label[1:]}: {money(part)} ({pct(share, 0)} of the gap).")
    s.append(f"With {b}'s industry mix and its own productivity in each industry, {a} would produce "
             f"{money(ss.area_with_benchmark_mix)} per worker; with its own mix at {b}'s productivity in each "
             f"industry, {money(ss.benchmark_with_area_mix)}.")  # fmt: skip
    run.caveats.append("The three parts add up to the gap exactly (Esteban 2000). Industry groups are as the "
                       "scenario defines them; output and labour input come from different publications.")  # fmt: skip
    if spec.notes:  # what the figures are and are not (where labour is counted, industry detail): said with them
        run.caveats.append(" ".join(spec.notes.split()))
    results = {"area_productivity": ss.area_productivity, "benchmark_productivity": ss.benchmark_productivity,
               "gap": ss.gap, "mix": ss.mix, "within": ss.within, "interaction": ss.interaction,
               "residual": ss.residual, "area_with_benchmark_mix": ss.area_with_benchmark_mix,
               "benchmark_with_area_mix": ss.benchmark_with_area_mix, "unit": per,
               "output_year": years["output"], "labour_year": years["labour"]}  # fmt: skip
    return {"results": results, "paths": [], "sentences": s, "tables": {"industries": rows},
            "chart": {"title": f"The productivity gap between {a} and {b}, in parts", "unit": per, "y_label": per}}


# ---- emissions ---------------------------------------------------------------------------------------------------
def _run_emissions(run: Run) -> dict[str, Any]:
    spec = run.spec
    ef = spec.input("emissions")
    es, ps, ys = run.series("emissions"), run.series("population"), run.series("output")
    first = ef.from_year
    e_pts = es.between(first, ef.to_year)
    shared = sorted({p.year for p in e_pts} & {p.year for p in ps.points} & {p.year for p in ys.points})
    if len(shared) < 2:
        raise ScenarioDataError("inputs: emissions, population and output share fewer than two years")
    for role, ser in (("emissions", es), ("population", ps), ("output", ys)):
        for p in ser.points:
            if p.year in shared:
                run.record(role, ser, p)
    d = emissions.kaya_lmdi([(p.year, p.value) for p in e_pts if p.year in shared],
                            [(p.year, p.value) for p in ps.points if p.year in shared],
                            [(p.year, p.value) for p in ys.points if p.year in shared])  # fmt: skip
    run.method(d)
    targets = sorted(set(spec.years) | {spec.horizon})
    series = [(p.year, p.value) for p in e_pts]
    pathways = [emissions.net_zero_path(series, t) for t in targets]
    for p in pathways:
        run.method(p)
    aname = es.area_name
    unit = es.unit
    s = [f"{cap(es.label)} in {aname} fell from {number(d.emissions_from)} {unit} in {d.from_year} to "
         f"{number(d.emissions_to)} {unit} in {d.to_year} ({source_text(es)})."
         if d.change < 0 else
         f"{cap(es.label)} in {aname} rose from {number(d.emissions_from)} {unit} in {d.from_year} to "
         f"{number(d.emissions_to)} {unit} in {d.to_year} ({source_text(es)})."]  # fmt: skip
    parts = "; ".join(f"{name} {d.effects[i]:+,.0f} {unit}" for i, name in enumerate(emissions.FACTORS))
    s.append(f"The change of {d.change:+,.0f} {unit} splits into the effects of changes in {parts} (the Kaya "
             "identity decomposed by LMDI-I; the three add up to the change exactly).")  # fmt: skip
    rows = []
    for p in pathways:
        if p.linear_per_year is None:
            s.append(f"Net zero by {p.target_year}: {p.note}.")
            continue
        ach = "" if p.achieved_per_year is None else (
            f" Over {p.window[0]} to {p.window[1]} emissions fell by {number(-p.achieved_per_year)} {unit} a year, or "
            f"{pct(-p.achieved_rate)} a year.")  # type: ignore[index,operator]  # fmt: skip
        s.append(f"Net zero by {p.target_year} from {p.from_year}: a straight line needs {number(p.linear_per_year)} "
                 f"{unit} less every year ({pct(p.linear_share)} of {p.from_year}'s emissions); a constant-percentage "
                 f"path with the same carbon budget ({number(p.budget)} {unit}) needs a fall of "
                 f"{pct(p.constant_rate)} a year.{ach}")  # fmt: skip
        if p.agree is None:
            s.append(f"Whether emissions are on track for {p.target_year} cannot be said: {p.note}.")
        elif p.agree:
            word = "on track" if p.on_track_linear else "off track"
            s.append(f"For net zero by {p.target_year} both methods say {word}.")
        else:
            s.append(f"For net zero by {p.target_year} the two methods disagree: the straight line says "
                     f"{'on track' if p.on_track_linear else 'off track'}, the constant percentage says "
                     f"{'on track' if p.on_track_constant else 'off track'}. The straight line asks for the same "
                     "tonnes every year, the constant percentage for the same share of what is left.")  # fmt: skip
        rows.append({"target_year": p.target_year, "from_year": p.from_year, "from_value": p.from_value,
                     "linear_per_year": p.linear_per_year, "linear_share": p.linear_share, "budget": p.budget,
                     "constant_rate": p.constant_rate, "achieved_per_year": p.achieved_per_year,
                     "achieved_rate": p.achieved_rate, "window_from": p.window[0] if p.window else None,
                     "on_track_linear": p.on_track_linear, "on_track_constant": p.on_track_constant,
                     "methods_agree": p.agree})  # fmt: skip
    paths = [{"series": "measured", "role": "main", "year": t, "value": v} for t, v in series]
    for p in pathways:
        paths += [{"series": f"straight line to zero by {p.target_year}", "role": "projection", "year": t, "value": v}
                  for t, v in p.path_linear()]  # fmt: skip
        paths += [{"series": f"constant {pct(p.constant_rate)} a year (budget for {p.target_year})", "role": "benchmark",
                   "year": t, "value": v} for t, v in p.path_constant()]  # fmt: skip
    steps = [{"from_year": st.from_year, "to_year": st.to_year, "change": st.change,
              **{f"effect_{i}": st.effects[i] for i in range(3)}} for st in d.steps]  # fmt: skip
    run.caveats.append(f"Scope: {es.label} as published ({es.release.title}): "
                       + (run.spec.notes or "see the publisher's notes") + ".")  # fmt: skip
    if d.to_year == 2020:
        run.caveats.append("2020 emissions and output were depressed by the pandemic, which flatters the reduction "
                           "achieved over the last five years.")  # fmt: skip
    results = {"from_year": d.from_year, "to_year": d.to_year, "emissions_from": d.emissions_from,
               "emissions_to": d.emissions_to, "change": d.change,
               "effects": dict(zip(emissions.FACTORS, d.effects, strict=True)), "residual": d.residual,
               "unit": unit}  # fmt: skip
    chart = {"title": f"{es.label} in {aname}: measured and paths to net zero", "y_label": unit, "unit": unit,
             "target": None}  # fmt: skip
    return {"results": results, "paths": paths, "sentences": s, "tables": {"pathways": rows, "kaya_steps": steps},
            "chart": chart}  # fmt: skip


RUNNERS: dict[str, Callable[[Run], dict[str, Any]]] = {
    "gap_closure": _run_gap, "people_gap": _run_people_gap, "rd_claim": _run_rd_claim,
    "shift_share": _run_shift_share, "emissions": _run_emissions,
}  # fmt: skip


def document_titles(framework: Any | None = None) -> dict[str, str]:
    """Source document file → the title of the strategy it is (for citing documents by title)."""
    if framework is None:
        from prosperity.framework import load_framework, shipped_framework_path

        framework = load_framework(shipped_framework_path())
    return {s.source.document: s.source.title for s in framework.strategies.values()}


def run_scenario(wh: Warehouse, loaded: LoadedScenario, as_of: str | None = None, *,
                 titles: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """Run a loaded scenario against the warehouse at its vintage (and ``as_of``); return the result as plain data.

    Raises :class:`~prosperity.scenarios.read.ScenarioDataError` when a figure it needs is not there.
    """
    spec = loaded.spec
    run = Run(wh, loaded, as_of, titles if titles is not None else document_titles())
    area_name = run.reader.area_name(spec.area)
    bench_name = run.reader.area_name(spec.benchmark) if spec.benchmark else None
    out = RUNNERS[spec.method](run)
    unpinned = sorted(d for d, r in run.reader.releases.items() if not r.pinned)
    if unpinned:
        run.caveats.append("Not pinned to a release, so read from the newest at the time: " + ", ".join(
            f"{run.reader.releases[d].title} (file SHA-256 {run.reader.releases[d].sha256[:12]})" for d in unpinned)
            + ". Pin them in the scenario's vintage to regenerate these results exactly later.")  # fmt: skip
    return {
        "scenario": {"id": spec.id, "title": spec.title, "method": spec.method, "description": spec.description,
                     "area": spec.area, "area_name": area_name, "benchmark": spec.benchmark,
                     "benchmark_name": bench_name, "horizon": spec.horizon, "years": list(spec.years),
                     "file": loaded.path.name, "spec_sha256": loaded.sha256},
        "claim": _claim(spec, run.titles),
        "as_of": as_of,
        "vintage": dict(sorted(spec.vintage.items())),
        "results": out["results"],
        "sentences": out["sentences"],
        "caveats": run.caveats,
        "tables": out["tables"],
        "paths": out["paths"],
        "chart": out["chart"],
        "assumptions": _assumption_rows(spec),
        "inputs": run.inputs,
        "methods": [{"method": k, "source": v} for k, v in sorted(run.methods.items())
                    if v not in [w for j, w in sorted(run.methods.items()) if j < k]],
        "releases": run.reader.used(),
        "generated_by": f"prosperity {__version__}",
    }  # fmt: skip


# ---- writing -----------------------------------------------------------------------------------------------------
def result_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else (repr(r[c]) if isinstance(r[c], float) else r[c]) for c in cols])
    return buf.getvalue()


def paths_csv(result: dict[str, Any]) -> str:
    return _csv(result["paths"], ["series", "role", "year", "value"])


def tables_csv(result: dict[str, Any]) -> str:
    rows = [{"table": name, **{k: (json.dumps(v, sort_keys=True) if isinstance(v, dict) else v) for k, v in r.items()}}
            for name, table in result["tables"].items() for r in table]  # fmt: skip
    return _csv(rows)


def write_results(result: dict[str, Any], out: Path) -> list[Path]:
    """Write ``result.json``, ``paths.csv`` and ``tables.csv`` into ``out``; return the files written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ProsperityError(f"--out {out}: cannot create the folder ({e.strerror or e})") from None
    files = {RESULT_FILE: result_json(result), PATHS_FILE: paths_csv(result), TABLES_FILE: tables_csv(result)}
    written = []
    for name, text in files.items():
        p = out / name
        try:
            tmp = p.with_suffix(p.suffix + ".part")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(p)
        except OSError as e:
            raise ProsperityError(f"--out {out}: cannot write {name} ({e.strerror or e})") from None
        written.append(p)
    return written
