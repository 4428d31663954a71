"""Where a cold build's time goes: one build of the mirror into a new warehouse, in this process, with each phase
timed by wrapping the build's own functions (nothing about the build changes).

Each phase gets its wall time and the CPU time of the thread that ran it (DuckDB's own worker threads, and the
thread that parses workbooks while CSVs load, are in the process's total only). Phases nest: staging and validation
are parts of loading a dataset; the row digests run on a second thread while the next dataset loads.

Usage: python benchmarks/build_phases.py --mirror ../shared/data [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from results import publish  # benchmarks/results.py, beside this script

from prosperity.warehouse import build as B
from prosperity.warehouse import evaluating as E
from prosperity.warehouse import integrity as I
from prosperity.warehouse import loading as L

PHASES: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
PER_DATASET: dict[str, float] = {}


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            p = PHASES[name]
            p[0] += time.perf_counter() - t0
            p[1] += time.thread_time() - c0
            p[2] += 1

    return wrapper


def instrument() -> None:
    L.LoadContext.read_csv = timed("reading CSV files (within staging)", L.LoadContext.read_csv)
    L.LoadContext.validate = timed("validation", L.LoadContext.validate)
    L.LoadContext.commit = timed("writing a release (observations, metadata, quick digests)", L.LoadContext.commit)
    I.record_stable = timed("row digests (second thread)", I.record_stable)
    B._assess = timed("assessments of every area, stored", B._assess)
    E.evaluate_here = timed("evaluations, stored (in this process)", E.evaluate_here)
    E.start = timed("snapshot for the evaluations' second process, and its start", E.start)
    E.finish = timed("waiting for the evaluations' second process, and copying its results", E.finish)
    B._prepare = timed("hashing the files", B._prepare)
    load_one = B._load_one

    def one(con: Any, p: Any, *args: Any, **kwargs: Any) -> Any:
        real = p.dataset.load
        object.__setattr__(p.dataset, "load", timed("staging (the sources' readers)", real))
        t0 = time.perf_counter()
        try:
            return timed("loading datasets (each in its own transaction)", load_one)(con, p, *args, **kwargs)
        finally:
            object.__setattr__(p.dataset, "load", real)
            PER_DATASET[p.dataset.id] = time.perf_counter() - t0

    B._load_one = one
    B._write = timed("the whole write (copy, load, assess, evaluate, checkpoint)", B._write)


def children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, required=True)
    ap.add_argument("--write", type=Path, help="append the results as a Markdown section to this file")
    ap.add_argument("--db", type=Path, help="build this warehouse file (new) and keep it, to compare with another")
    args = ap.parse_args()
    instrument()
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0, k0 = time.perf_counter(), time.process_time(), children_cpu()
        summary = B.build(args.db or Path(tmp) / "phases.duckdb", args.mirror.resolve())
        wall, cpu, kids = time.perf_counter() - t0, time.process_time() - c0, children_cpu() - k0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [f"#### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()} — phases of one cold build", "",
             f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}. One cold build of the mirror with "
             f"every assessment and evaluation ({summary.assessments:,} assessments): {wall:.1f} s wall, "
             f"{cpu + kids:.1f} s CPU ({cpu:.1f} s this process, all threads; {kids:.1f} s its child processes, the "
             f"evaluations), peak RSS {rss:,.0f} MiB (of a child process: {child_rss:,.0f} MiB). Load average at "
             f"the start: {load0:.1f}, at the end: {os.getloadavg()[0]:.1f}.", "",
             "| phase | calls | wall | CPU of its thread |", "|---|---|---|---|"]  # fmt: skip
    for name, (w, c, n) in sorted(PHASES.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"| {name} | {n} | {w:.1f} s | {c:.1f} s |")
    slow = sorted(PER_DATASET.items(), key=lambda kv: -kv[1])[:8]
    lines += ["", "Slowest datasets (wall): " + ", ".join(f"{k} {v:.1f} s" for k, v in slow) + "."]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
