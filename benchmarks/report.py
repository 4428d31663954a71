"""Measure the full Liverpool City Region State of the City Region report: the whole command, and its stages.

The command (``prosperity report --area E47000004``) runs in a fresh process each time, so wall time, CPU time
(user + system) and peak resident memory are its own (from ``wait4``). The stages are then timed in this process,
once warmed: gathering (framework, assessments, series for the charts), the sections other packages provide
(evaluation, scenarios), writing the HTML, and printing the PDF with Chromium (as the command does); with
``--weasyprint``, the same HTML is also typeset by WeasyPrint (the route without Chromium), for comparison. The
command's CPU time includes its children's (the browser's), as ``wait4`` reports it.

Usage: python benchmarks/report.py --db prosperity.duckdb [--repeat 3] [--weasyprint] [--write benchmarks/RESULTS.md]
(build the warehouse first: prosperity build --mirror ../shared/data --db prosperity.duckdb)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

AREA = "E47000004"


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def stages(db: Path, out: Path, weasyprint: bool = False) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from prosperity.framework import load_framework
    from prosperity.report import framework_for, package_sections, typeset
    from prosperity.report.data import build_report
    from prosperity.report.pdf import Printer, chromium
    from prosperity.report.render import render_html
    from prosperity.warehouse import Warehouse

    times: dict[str, float] = {}
    t = time.perf_counter()
    path = framework_for(AREA)
    fw = load_framework(path)
    with Warehouse.open(db) as wh:
        report = build_report(wh, fw, AREA)
        times["gather"] = time.perf_counter() - t
        t = time.perf_counter()
        report.sections = package_sections(wh, fw, path, None)
        times["sections"] = time.perf_counter() - t
    t = time.perf_counter()
    html = render_html(report)
    times["html"] = time.perf_counter() - t
    executable = chromium()
    if executable:
        t = time.perf_counter()
        with Printer(executable) as printer:
            times["pages"], _ = printer.print(html, out / "report.pdf", title="benchmark")
        times["chromium"] = time.perf_counter() - t
    if weasyprint or not executable:
        t = time.perf_counter()
        times["pages_weasyprint"] = typeset(html, out / "weasyprint.pdf", title="benchmark")
        times["weasyprint"] = time.perf_counter() - t
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", type=Path, help="append the results as a Markdown section to this file")
    ap.add_argument("--weasyprint", action="store_true",
                    help="also typeset the same HTML with WeasyPrint, for comparison")
    args = ap.parse_args()
    exe = [sys.executable, "-m", "prosperity.cli"]
    whole, parts = [], []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            whole.append(run([*exe, "report", "--area", AREA, "--out", str(Path(tmp) / f"r{i}"), "--db", str(args.db)]))
        stages(args.db, Path(tmp))  # warm
        for _ in range(args.repeat):
            parts.append(stages(args.db, Path(tmp), args.weasyprint))
        html_kib = (Path(tmp) / "r0" / "index.html").stat().st_size / 1024
        pdf_kib = (Path(tmp) / "r0" / "report.pdf").stat().st_size / 1024

    def med(key: str) -> float:
        return statistics.median(p[key] for p in parts)

    import duckdb
    import weasyprint

    wall = statistics.median(w for w, _, _ in whole)
    cpu = statistics.median(c for _, c, _ in whole)
    rss = max(r for _, _, r in whole)
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}, DuckDB {duckdb.__version__}. Median of {args.repeat} runs; load "
        f"average (1 min) {load_before:.1f} before the runs, {os.getloadavg()[0]:.1f} after.",
        "",
        "| measurement | seconds | notes |",
        "|---|---|---|",
        f"| `prosperity report --area {AREA}` (fresh process) | {wall:.1f} wall, {cpu:.1f} CPU | peak RSS "
        f"{rss:.0f} MiB; HTML {html_kib:,.0f} KiB, PDF {pdf_kib:,.0f} KiB |",
        f"| gather: framework, assessments, chart series | {med('gather'):.1f} | in process, warmed |",
        f"| sections of other packages: evaluation (stored), scenarios | {med('sections'):.1f} | |",
        f"| write the HTML (Jinja2) | {med('html'):.2f} | |",
    ]
    if "chromium" in parts[0]:
        lines.append(f"| print the PDF: Chromium (tagged, outline), finished for PDF/UA-1 | {med('chromium'):.1f} | "
                     f"starting the browser, loading the page, printing, finishing (the command starts the browser "
                     f"while the report is gathered); {int(med('pages'))} pages |")  # fmt: skip
    if "weasyprint" in parts[0]:
        lines.append(f"| typeset the same HTML with WeasyPrint (tagged PDF/UA-1) | {med('weasyprint'):.1f} | "
                     f"{int(med('pages_weasyprint'))} pages |")  # fmt: skip
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.write:
        with args.write.open("a", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
