"""Time a synthetic control with all its placebos for one indicator over every local authority (about 300).

One treated council (Wirral, E08000015, start 2021) against every other local authority with complete claimant
count figures 2011–2019 and 2021–2025; then every donor in turn as a placebo against all the others (the in-space
placebo test), the leave-one-out refits and the in-time placebo. Each stage is timed in this process; peak
resident memory is the process's. A difference-in-differences with randomisation inference over the same
panel (one pyfixest fit per council, twice) is timed too.

Usage: python benchmarks/evaluate.py --db prosperity.duckdb [--repeat 3] [--write benchmarks/RESULTS.md]
(build the warehouse first: prosperity build --mirror ../shared/data --db prosperity.duckdb)
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

TREATED, START, INDICATOR = "E08000015", 2021, "claimant-count"
LEVELS = ("non-metropolitan-district", "unitary-authority", "metropolitan-district", "london-borough")


def panel(db: Path):  # type: ignore[no-untyped-def]
    from prosperity.evaluate.run import read_panel
    from prosperity.warehouse import Warehouse

    with Warehouse.open(db) as wh:
        rel = wh.query("SELECT r.release_id FROM current_releases r JOIN indicators i USING (dataset_id) "
                       "WHERE i.indicator_id = ?", [INDICATOR])[0]["release_id"]  # fmt: skip
        areas = [a["code"] for lv in LEVELS for a in wh.areas(level=lv)]
        keep = set(range(2011, 2020)) | set(range(2021, 2026))
        p, _ = read_panel(wh, rel, INDICATOR, "", areas, (2011, 2025), keep)
    return p.dropna(axis=1)


def once(p) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from prosperity.evaluate import synthetic as sc

    donors = [c for c in p.columns if c != TREATED]
    t = {}
    s = time.perf_counter()
    fit = sc.fit_outcome_path(p, TREATED, donors, START)
    t["fit"] = time.perf_counter() - s
    s = time.perf_counter()
    placebos = sc.in_space_placebos(p, TREATED, donors, START)
    t["placebos"] = time.perf_counter() - s
    t["p"] = sc.placebo_p_value(fit, placebos)
    s = time.perf_counter()
    sc.leave_one_out(p, fit)
    sc.in_time_placebo(p, TREATED, donors, START, 3)
    t["checks"] = time.perf_counter() - s
    t["n_placebos"] = len(placebos)
    return t


def did_once(p) -> float:  # type: ignore[no-untyped-def]
    from prosperity.evaluate.did import twfe

    s = time.perf_counter()
    twfe(p, {TREATED: START}, [c for c in p.columns if c != TREATED])
    return time.perf_counter() - s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path(os.environ.get("PROSPERITY_DB", "prosperity.duckdb")))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--did", action="store_true", help="Also time the difference-in-differences (slow: minutes).")
    ap.add_argument("--write", type=Path, help="Append the results to this Markdown file under its own heading.")
    a = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    load = os.getloadavg()[0]
    p = panel(a.db)
    runs = [once(p) for _ in range(a.repeat)]
    med = {k: statistics.median(r[k] for r in runs) for k in ("fit", "placebos", "checks")}
    did = did_once(p) if a.did else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import numpy
    import scipy

    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node() or 'machine'}", "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, NumPy "
        f"{numpy.__version__}, SciPy {scipy.__version__}. Median of {a.repeat} runs; load average before the run: "
        f"{load:.1f}. Panel: claimant count, {p.shape[1]} local authorities × {p.shape[0]} years "
        f"(2011–2019, 2021–2025); treated Wirral from {START}.", "",
        "| stage | seconds | notes |", "|---|---|---|",
        f"| one synthetic control ({p.shape[1] - 1} donors) | {med['fit']:.3f} | NNLS on the pre-period path |",
        f"| all in-space placebos ({runs[0]['n_placebos']}) | {med['placebos']:.1f} | each donor against the other "
        f"{p.shape[1] - 2}; placebo p = {runs[0]['p']:.3f} |",
        f"| leave-one-out and in-time placebo | {med['checks']:.2f} | |",
        f"| total | {med['fit'] + med['placebos'] + med['checks']:.1f} | peak RSS {rss:.0f} MiB |",
    ]  # fmt: skip
    if did is not None:
        lines.append(f"| difference-in-differences with randomisation inference | {did:.0f} | one run; two pyfixest "
                     f"fits per council |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if a.write:
        body = a.write.read_text() if a.write.exists() else ""
        head = "## Evaluation: synthetic control with all placebos (`benchmarks/evaluate.py`)"
        if head not in body:
            body = body.rstrip() + f"\n\n{head}\n"
        a.write.write_text(body.rstrip() + "\n\n" + text)


if __name__ == "__main__":
    main()
