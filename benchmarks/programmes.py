"""Measure the programme store: importing a set of returns for 500 projects over 10 reporting rounds, and
writing the implementation review pack for the last round.

The returns are generated here (invented figures, consistent with every rule): by default 25 programmes of 20
projects (500 projects), one XLSX workbook per programme per round, ten half-year rounds from 2021-22 H1 to
2025-26 H2. Each return is the whole picture as at its round (every transaction to date, forecasts after it),
as the template asks, so later returns are larger. Import = read + check (all three layers) + store, per file.

Usage: python benchmarks/programmes.py [--programmes 25] [--projects 20] [--rounds 10] [--format xlsx|csv]
       [--db prosperity.duckdb] [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from prosperity.programmes.years import fy_bounds, fy_of, parse_round  # noqa: E402

TODAY = date(2026, 6, 1)
FIRST_FY = 2021


def rounds(n: int) -> list[str]:
    out = []
    for i in range(n):
        y = FIRST_FY + i // 2
        out.append(f"{y}-{(y + 1) % 100:02d}-H{i % 2 + 1}")
    return out


def halves(first_fy: int, years: int) -> list[tuple[date, date]]:
    out = []
    for y in range(first_fy, first_fy + years):
        out += [(date(y, 4, 1), date(y, 9, 30)), (date(y, 10, 1), date(y + 1, 3, 31))]
    return out


def tables(prog: int, n_projects: int, round_id: str, years: int) -> dict[str, list[dict[str, Any]]]:
    """One programme's return for a round (invented, rule-abiding figures)."""
    r = parse_round(round_id)
    code = f"BM-{prog:03d}"
    t: dict[str, list[dict[str, Any]]] = {k: [] for k in ("return", "programmes", "projects", "budgets", "spend",
                                                          "forecasts", "indicators", "periods", "progress",
                                                          "milestones", "risks", "changes")}  # fmt: skip
    t["return"].append({"round": r, "fund": "ukspf", "organisation": f"Council {prog}", "submitted_by": "Analyst",
                        "sign_off_name": "Director", "sign_off_role": "Section 151 officer",
                        "sign_off_date": r.end + timedelta(days=14), "overall_rag": "amber"})  # fmt: skip
    t["programmes"].append({"programme_code": code, "title": f"Benchmark programme {prog}", "lead_organisation":
                            f"Council {prog}", "lead_org_id": f"GB-LAE-B{prog:02d}", "status": "implementation",
                            "planned_start": date(FIRST_FY, 4, 1), "outcome_ids": ["lis-o09"]})  # fmt: skip
    periods = halves(FIRST_FY, years)
    for j in range(1, n_projects + 1):
        pc = f"{code}-{j:02d}"
        t["projects"].append({"project_code": pc, "programme_code": code, "title": f"Project {j} of programme {prog}",
                              "delivery_organisation": f"Council {prog}", "area_code": "E08000012",
                              "intervention_theme": ["Business support", "Skills", "Town centres"][j % 3],
                              "status": "implementation", "delivery_stage": "project delivery",
                              "planned_start": date(FIRST_FY, 4, 1), "planned_end": date(FIRST_FY + years, 3, 31)})
        cap, rev = 800_000_00 + j * 10_000_00, 200_000_00
        for y in range(FIRST_FY, FIRST_FY + years):
            fy = f"{y}-{(y + 1) % 100:02d}"
            a, b = fy_bounds(fy)
            t["budgets"].append({"project_code": pc, "financial_year": fy, "period_start": a, "period_end": b,
                                 "budget_type": "original", "budget_status": "committed", "capital": cap // years,
                                 "revenue": rev // years, "total": cap // years + rev // years})  # fmt: skip
        pace = 0.8 + (j % 5) * 0.06
        for k, (a, b) in enumerate(periods):
            half_cap, half_rev = int(cap / years / 2 * pace), int(rev / years / 2)
            if b <= r.end:
                for q, d in enumerate((a + timedelta(days=60), b - timedelta(days=10))):
                    t["spend"].append({"project_code": pc, "reference": f"{pc}-{k}-{q}", "date": d,
                                       "financial_year": fy_of(d), "expense_type": "capital",
                                       "transaction_type": "expenditure", "value": half_cap // 2})  # fmt: skip
                t["spend"].append({"project_code": pc, "reference": f"{pc}-{k}-r", "date": b - timedelta(days=5),
                                   "financial_year": fy_of(b), "expense_type": "revenue",
                                   "transaction_type": "expenditure", "value": half_rev})  # fmt: skip
            elif a > r.end:
                for etype, v in (("capital", half_cap), ("revenue", half_rev)):
                    t["forecasts"].append({"project_code": pc, "financial_year": fy_of(a), "period_start": a,
                                           "period_end": b, "expense_type": etype, "value": v})  # fmt: skip
        for ic, unit, link in (("OUT-1", "businesses supported", "gva-per-filled-job"), ("OUT-2", "people trained", None)):
            t["indicators"].append({"project_code": pc, "indicator_code": ic, "kind": "output", "title": unit.capitalize(),
                                    "unit": unit, "measure": "unit", "higher_is_better": True,
                                    "baseline_date": date(FIRST_FY, 4, 1), "baseline_value": 0,
                                    "framework_indicator": link})  # fmt: skip
            for a, b in periods:
                t["periods"].append({"project_code": pc, "indicator_code": ic, "period_start": a, "period_end": b,
                                     "target": 10, "actual": round(10 * pace) if b <= r.end else None})  # fmt: skip
        t["progress"].append({"project_code": pc, "delivery_status": "on track", "delivery_rag": "green",
                              "spend_rag": "amber/green", "risk_rag": "amber"})  # fmt: skip
        t["milestones"].append({"project_code": pc, "milestone": "Works complete",
                                "baseline_date": date(FIRST_FY + years - 1, 9, 30),
                                "forecast_date": date(FIRST_FY + years - 1, 12, 31)})  # fmt: skip
        t["risks"].append({"programme_code": code, "project_code": pc, "risk": "Cost inflation", "impact": 1 + j % 6,
                           "likelihood": 1 + j % 4, "mitigation": "Contingency"})  # fmt: skip
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--programmes", type=int, default=25)
    ap.add_argument("--projects", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    ap.add_argument("--db", type=Path, help="statistics warehouse, for the outcomes' assessments in the review pack")
    ap.add_argument("--write", type=Path, help="append the results to this RESULTS.md")
    a = ap.parse_args()
    from prosperity.programmes.importer import read_return
    from prosperity.programmes.review import write_review
    from prosperity.programmes.store import ProgrammeStore, save_return
    from prosperity.programmes.template import write_csv_bundle, write_workbook
    from prosperity.programmes.validate import check_return, framework_ids

    years = (a.rounds + 1) // 2
    rids = rounds(a.rounds)
    fw = framework_ids()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        files: dict[str, list[Path]] = {}
        for rid in rids:
            files[rid] = []
            for p in range(1, a.programmes + 1):
                tb = tables(p, a.projects, rid, years)
                dest = root / rid / f"p{p:03d}"
                files[rid].append(write_workbook(dest.with_suffix(".xlsx"), tb) if a.format == "xlsx"
                                  else write_csv_bundle(dest, tb))  # fmt: skip
        generate = time.perf_counter() - t0
        size = sum(f.stat().st_size if f.is_file() else sum(x.stat().st_size for x in f.iterdir())
                   for fs in files.values() for f in fs)  # fmt: skip
        store = ProgrammeStore.open(root / "programmes.sqlite")
        per_round: list[tuple[str, float, int]] = []
        phases = {"read": 0.0, "check": 0.0, "store": 0.0}
        for rid in rids:
            start = time.perf_counter()
            rows = 0
            for f in files[rid]:
                s0 = time.perf_counter()
                ret = read_return(f)
                s1 = time.perf_counter()
                with store.session() as s:
                    check_return(ret, s, fw, today=TODAY)
                s2 = time.perf_counter()
                if ret.errors:
                    raise SystemExit(f"{f}: {ret.errors[0]}")
                with store.session() as s:
                    save_return(s, ret)
                s3 = time.perf_counter()
                phases["read"] += s1 - s0
                phases["check"] += s2 - s1
                phases["store"] += s3 - s2
                rows += sum(len(v) for v in ret.tables.values())
            per_round.append((rid, time.perf_counter() - start, rows))
        total_import = sum(x[1] for x in per_round)
        db_size = (root / "programmes.sqlite").stat().st_size
        t0 = time.perf_counter()
        res = write_review(store, rids[-1], root / "review", warehouse=a.db or root / "none.duckdb", today=TODAY)
        review = time.perf_counter() - t0
        t0 = time.perf_counter()
        write_review(store, rids[-1], root / "review-html", warehouse=a.db or root / "none.duckdb", pdf=False, today=TODAY)
        review_html = time.perf_counter() - t0
        pdf_size = res.pdf.stat().st_size if res.pdf else 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n_proj = a.programmes * a.projects
    rows_total = sum(x[2] for x in per_round)
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node() or 'machine'}", "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, SQLite store; "
        f"load average before the run: {os.getloadavg()[0]:.1f}. Returns: {a.programmes} programmes × {a.projects} "
        f"projects = {n_proj} projects, {a.rounds} half-year rounds ({rids[0]} to {rids[-1]}), one {a.format.upper()} "
        f"return per programme per round ({a.programmes * a.rounds} files, {size / 2**20:.1f} MiB, "
        f"{rows_total:,} rows).", "",
        "| measurement | seconds | notes |", "|---|---|---|",
        f"| import all {a.programmes * a.rounds} returns (read, check, store) | {total_import:.1f} | "
        f"read {phases['read']:.1f} s, check {phases['check']:.1f} s, store {phases['store']:.1f} s; "
        f"{rows_total / total_import:,.0f} rows/s; store {db_size / 2**20:.1f} MiB |",
        f"| first round ({rids[0]}) | {per_round[0][1]:.1f} | {per_round[0][2]:,} rows |",
        f"| last round ({rids[-1]}) | {per_round[-1][1]:.1f} | {per_round[-1][2]:,} rows (each return is the whole "
        "picture to date) |",
        f"| review pack for {rids[-1]}, HTML and PDF | {review:.1f} | {res.pages} pages, PDF {pdf_size / 2**20:.1f} MiB, "
        f"{res.projects} projects, {res.exceptions} exceptions{'; outcomes assessed from ' + str(a.db) if a.db else ''} |",
        f"| review pack, HTML only | {review_html:.1f} | |",
        f"| generating the returns (not part of the import) | {generate:.1f} | |", "",
        f"Peak resident memory of the whole run: {peak:,.0f} MiB.", "",
    ]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if a.write:
        body = a.write.read_text(encoding="utf-8") if a.write.exists() else ""
        head = "## Programme returns and the review pack (`benchmarks/programmes.py`)"
        if head not in body:
            body = body.rstrip() + f"\n\n{head}\n\n"
        a.write.write_text(body.rstrip() + "\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
