"""Measure how much of the framework the warehouse measures where it matters: for each strategy's own area.

Reads a built warehouse's stored assessments (``prosperity build`` computes them) and a framework, and prints:

- framework indicators with a figure for their strategy's own area (for every strategy that uses them), and
  with a figure for Liverpool City Region (E47000004) and for Liverpool (E08000012) whatever the strategy;
- dated targets whose status could be judged for their strategy's area (on track, off track, met, missed …).

Usage: python benchmarks/coverage.py --db prosperity.duckdb [--framework DIR] [--json]
Results are recorded in benchmarks/RESULTS.md ("Framework coverage for the strategies' own areas").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

from prosperity.framework import load_framework, shipped_framework_path
from prosperity.framework.coverage import StaticCatalogue, coverage, figures_from_assessments

UNJUDGED = {None, "", "no data", "not judged"}


def why_not(fw, indicator: str, assessed: bool) -> str:
    """Why a dated target of ``indicator`` has no judgement: the indicator's binding says (no source, with its kind
    of reason; a publisher's file not held), or its figure for the area is there but the target's method could not
    judge it."""
    from prosperity.framework.coverage import NO_SOURCE_REASONS
    from prosperity.framework.model import LiveBinding, NoSource

    b = fw.indicators[indicator].data
    if isinstance(b, NoSource):
        return f"no source ({NO_SOURCE_REASONS.get(b.why or '', b.why or 'reason not classified')}): {b.none}"
    if isinstance(b, LiveBinding):
        return f"the publisher's figures are not held ({b.live.source}: {b.live.dataset}): {b.reason}"
    return "assessed, but the target's method could not judge it" if assessed else "no figure for the area"


def measure(db: Path, framework: Path) -> dict[str, object]:
    fw = load_framework(framework)
    # read directly (not through Warehouse.open), so that a warehouse of an earlier schema can be measured too
    con = duckdb.connect(str(db), read_only=True)
    try:
        figures = figures_from_assessments(con)
        if figures is None:
            raise SystemExit(f"{db} holds no assessments; run `prosperity build` first")
        series: dict[str, set[str]] = {}
        for ind, brk in con.execute("SELECT DISTINCT indicator_id, breakdown FROM latest_observations").fetchall():
            series.setdefault(ind, set()).add(brk)
        cov = coverage(fw, StaticCatalogue(series), figures)
        targets = []
        for t in fw.targets().values():
            if t.date is None:
                continue
            strategy = next((o.strategy for o in fw.outcomes().values()
                             for r in o.indicators if any(x.id == t.id for x in r.targets)), None)  # fmt: skip
            area = fw.strategies[strategy].area if strategy else None
            row = con.execute("SELECT assessment FROM assessments WHERE indicator = ? AND area = ?",
                              [t.indicator, area]).fetchone()  # fmt: skip
            status = None
            if row:
                for a in json.loads(row[0]).get("targets") or []:
                    if a.get("id") == t.id:
                        status = a.get("status")
            targets.append({"target": t.id, "indicator": t.indicator, "area": area, "status": status,
                            "why_not": None if status not in UNJUDGED else why_not(fw, t.indicator, row is not None)})
    finally:
        con.close()
    used = [i for i in fw.indicators if fw.uses(i)]
    per_area = {area: sum(1 for i in fw.indicators if figures(i, area) == "own")
                for area in ("E47000004", "E08000012")}  # fmt: skip
    return {
        "indicators": len(fw.indicators),
        "indicators_used": len(used),
        "own_area": cov["indicators"],
        "with_figure_for": per_area,
        "by_strategy": {s["id"]: {"area": s["area"], **s["indicators"]} for s in cov["strategies"]},
        "no_source_reasons": cov.get("no_source_reasons"),
        "targets": {"dated": len(targets), "judged": sum(1 for t in targets if t["status"] not in UNJUDGED),
                    "list": targets},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("prosperity.duckdb"))
    ap.add_argument("--framework", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    m = measure(args.db, args.framework or shipped_framework_path())
    if args.json:
        json.dump(m, sys.stdout, indent=1)
        print()
        return 0
    own = m["own_area"]
    print(f"{m['indicators']} framework indicators ({m['indicators_used']} used by an outcome)")
    print(f"  with a figure for the own area of every strategy using them: {own['data']}; other areas only: "
          f"{own['elsewhere']}; needs a live fetch: {own['live']}; no source: {own['none']}; "
          f"unresolved: {own['unresolved']}")
    print(f"  with a figure for Liverpool City Region (E47000004): {m['with_figure_for']['E47000004']}")
    print(f"  with a figure for Liverpool (E08000012): {m['with_figure_for']['E08000012']}")
    for sid, s in m["by_strategy"].items():
        print(f"  {sid} ({s['area']}): {s['data']} of {s['total']} with a figure for its area")
    t = m["targets"]
    print(f"dated targets: {t['dated']}, judged: {t['judged']}")
    for x in t["list"]:
        print(f"  {x['target']} ({x['indicator']}, {x['area']}): {x['status'] or 'no assessment'}"
              + (f" — {x['why_not']}" if x["why_not"] else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
