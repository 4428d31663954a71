"""Measure what storing the evaluations adds to ``prosperity build`` on the full mirror.

Three builds of one new warehouse, each in a fresh process (wall time and peak resident memory from ``wait4``):

1. a cold build with a copy of the shipped framework that has no evaluations (what a build cost before);
2. a build with the shipped framework: nothing to load, only the evaluations are computed and stored (the
   added time, including the copy of the warehouse every build writes through);
3. the same build again: nothing to do (the cost of checking that every stored evaluation is current).

Usage: python benchmarks/evaluate_build.py --mirror ../shared/data [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and standard output of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {status}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--write", type=Path, help="Append the results to this Markdown file under its own heading.")
    args = ap.parse_args()
    from prosperity.framework import shipped_framework_path

    exe = str(Path(sys.executable).with_name("prosperity"))
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        fw = Path(tmp) / "framework"
        shutil.copytree(shipped_framework_path(), fw)
        shutil.rmtree(fw / "evaluations")
        db = Path(tmp) / "w.duckdb"
        base = [exe, "build", "--mirror", str(args.mirror), "--db", str(db), "--format", "json"]
        cold = run([*base, "--framework", str(fw)])
        evals = run(base)
        again = run(base)
        size = db.stat().st_size / 2**20
    stored = json.loads(evals[2])["evaluations"]
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node() or 'machine'}",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}. One run each; load "
        f"average before the first: {load:.1f}. Warehouse {size:,.0f} MiB.",
        "",
        "| build | seconds | peak RSS (MiB) |",
        "|---|---|---|",
        f"| cold, framework without evaluations | {cold[0]:.1f} | {cold[1]:,.0f} |",
        f"| evaluations only (computed and stored) | {evals[0]:.1f} | {evals[1]:,.0f} |",
        f"| nothing to do (stored evaluations current) | {again[0]:.1f} | {again[1]:,.0f} |",
        "",
        "Per evaluation (seconds computing, inside the second build): "
        + ", ".join(f"{e['evaluation_id']} {e['seconds']:.1f} ({e['status']})" for e in stored) + ".",
        "",
    ]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    if args.write:
        with args.write.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
