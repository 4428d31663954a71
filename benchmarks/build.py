"""Measure the warehouse build on the full mirror: cold build, no-change rebuild, and the floor.

The floor is DuckDB reading the same CSV files the build reads, with nothing else (no validation, no
release bookkeeping, no workbooks). Each measurement runs in a fresh process, so wall time and peak
resident memory are the process's own (from ``wait4``).

Usage: python benchmarks/build.py --mirror ../shared/data [--repeat 3] [--write benchmarks/RESULTS.md]
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

import duckdb
from results import publish  # benchmarks/results.py, beside this script

FLOOR = r"""
import sys, duckdb
con = duckdb.connect()
n = 0
for path in sys.argv[1:]:
    try:
        q = "SELECT count(*) FROM read_csv(?, all_varchar=true, header=true)"
        n += con.execute(q, [path]).fetchone()[0]
    except duckdb.Error:  # one file is in Windows-1252
        q = "SELECT count(*) FROM read_csv(?, all_varchar=true, header=true, encoding='latin-1')"
        n += con.execute(q, [path]).fetchone()[0]
print(n)
"""


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    return wall, usage.ru_maxrss / 1024


def csv_files(mirror: Path) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from prosperity.sources import discover_all

    files = []
    for ds in discover_all(mirror).datasets:
        for ref in ds.files:
            if ref.path.endswith((".csv", ".csv.gz")) and str(mirror / ref.path) not in files:
                files.append(str(mirror / ref.path))
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", type=Path, help="append the results as a Markdown section to this file")
    args = ap.parse_args()
    mirror = args.mirror.resolve()
    exe = [sys.executable, "-m", "prosperity.cli"]
    cold, rebuild, floor, assess = [], [], [], []
    files = csv_files(mirror)
    load0, counted = os.getloadavg()[0], (0, 0)
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "bench.duckdb")
            cold.append(run([*exe, "build", "--mirror", str(mirror), "--db", db, "--no-assess"]))
            # data unchanged, assessments missing: this run assesses everything and stores it
            assess.append(run([*exe, "build", "--mirror", str(mirror), "--db", db]))
            con = duckdb.connect(db, read_only=True)
            counted = con.execute("SELECT count(*), count(DISTINCT area) FROM assessments").fetchone()
            con.close()
            rebuild.append(run([*exe, "build", "--mirror", str(mirror), "--db", db]))
        floor.append(run([sys.executable, "-c", FLOOR, *files]))

    def med(xs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(x[i] for x in xs)

    size = sum(Path(f).stat().st_size for f in files) / 2**20
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.platform()}. Mirror: {len(files)} CSV files ({size:.0f} MiB) plus 2 workbooks and JSON. "
        f"Median of {args.repeat} runs, each in a fresh process. Load average at the start: {load0:.1f}, at the "
        f"end: {os.getloadavg()[0]:.1f} (on a shared machine the wall times are upper bounds).",
        "",
        "| measurement | wall time | peak memory | target |",
        "|---|---|---|---|",
        f"| cold build, data only (empty warehouse) | {med(cold, 0):.2f} s | {med(cold, 1):.0f} MiB | ≤ 20 s, < 1.5 GiB |",
        f"| assess every framework indicator for every council, combined authority, region and nation "
        f"({counted[0]:,} assessments of {counted[1]} areas), and store | {med(assess, 0):.2f} s | "
        f"{med(assess, 1):.0f} MiB | |",
        f"| cold build with assessments | {med(cold, 0) + med(assess, 0):.2f} s | | ≤ 20 s |",
        f"| no-change rebuild | {med(rebuild, 0):.2f} s | {med(rebuild, 1):.0f} MiB | ≤ 1 s |",
        f"| floor: DuckDB reading the same CSVs | {med(floor, 0):.2f} s | {med(floor, 1):.0f} MiB | |",
        f"| cold build (data only) ÷ floor | {med(cold, 0) / med(floor, 0):.1f}× | | ≤ 5× |",
        f"| cold build with assessments ÷ floor | {(med(cold, 0) + med(assess, 0)) / med(floor, 0):.1f}× | | ≤ 5× |",
        "",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
