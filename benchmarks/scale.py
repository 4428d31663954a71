"""Scale, tested by simulation: a synthetic warehouse of all-England LSOA indicators at realistic size.

Generates a *synthetic* mirror of indicator files in the ONS Explore Local Statistics schema (one folder per
indicator, one row per area and year, with 95% intervals) for a made-up geography of N small areas grouped
into local authorities, nine regions and England, and builds it with the product's own schema and load path
(``prosperity build --no-assess`` in a fresh process: staging, validation, releases, observations). Then it
times the queries a reader's request makes: one area's series, an area profile (every indicator's latest value
for one area), a map (every area's value for one indicator and period), and one assessment by the engine.

Everything generated goes to a work folder under /tmp (``--workdir``) and is deleted afterwards unless
``--keep`` is given. Nothing generated is real: the small areas have codes ``X01…`` and local authorities
``X06…`` that no publisher uses, indicators are named ``Synthetic indicator NNN`` and their values come from a
hash; only England's code (E92000001, the engine's benchmark) is real, registered here as "England (synthetic)".

Sizes are given as numbers of small areas (default 2,125, 8,500 and 34,000 × 100 indicators × 20 years, i.e.
4.25, 17 and 68 million observations), so that the growth of each cost can be read off.

Usage: python benchmarks/scale.py [--sizes 2125,8500,34000] [--indicators 100] [--years 20] [--repeat 1]
                                  [--workdir /tmp/prosperity-scale] [--write benchmarks/RESULTS.md] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from results import publish  # benchmarks/results.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
AREAS_PER_LA = 110  # about 34,000 LSOAs in about 310 local authorities
REGIONS = 9

FLOOR = r"""
import sys, duckdb
con = duckdb.connect()
n = 0
for path in sys.argv[1:]:
    n += con.execute("SELECT count(*) FROM read_csv(?, all_varchar=true, header=true)", [path]).fetchone()[0]
print(n)
"""

# Run in a fresh process after the build: what a first request costs, then warm medians.
QUERIES = r"""
import json, statistics, sys, time
from prosperity.assess.engine import Assessor
from prosperity.assess.spec import Spec
from prosperity.methods import Polarity
from prosperity.warehouse import Warehouse

db, n_areas, n_ind, years, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
t0 = time.perf_counter()
wh = Warehouse.open(db, read_only=True)
out = {"open": time.perf_counter() - t0}

def area(i):
    return f"X01{(i * 7919) % n_areas:06d}"

def ind(i):
    return f"synthetic-indicator-{(i * 37) % n_ind + 1:03d}"

def timed(fn, k):
    times = []
    for i in range(k):
        t = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t)
    return times

def series(i):
    assert len(wh.series(ind(i), area(i))) == years

PROFILE = '''SELECT indicator_id, arg_max(value, period_start) AS value, max(period) AS period
             FROM latest_observations WHERE area_code = ? GROUP BY indicator_id'''
def profile(i):
    assert len(wh.con.execute(PROFILE, [area(i)]).fetchall()) == n_ind

MAP = '''SELECT area_code, value FROM latest_observations WHERE indicator_id = ? AND period = ? AND breakdown = ''
         ORDER BY area_code'''
def the_map(i):
    assert len(wh.con.execute(MAP, [ind(i), f"{2004 + years}-01-01/P1Y"]).fetchall()) >= n_areas

def assessment(i):
    spec = Spec(id=ind(i), label="Synthetic indicator", polarity=Polarity.HIGHER_IS_BETTER, unit="per 1,000 people",
                warehouse=ind(i))
    a = Assessor(wh).assess(spec, area(i))  # a new engine each time: nothing cached, as on a first request
    assert a.value is not None and a.trend, a.notes

for name, fn in (("series", series), ("profile", profile), ("map", the_map), ("assessment", assessment)):
    times = timed(fn, samples)
    out[name + "_first"] = times[0]
    out[name + "_median"] = statistics.median(times[1:] or times)
print(json.dumps(out))
"""


def measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """Like :func:`run`, with CPU time and peak memory from ``wait4`` (the child's own, not this script's)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # read the pipes on threads so that a chatty child cannot block, then reap it with wait4 for its rusage
    import threading

    chunks: dict[str, bytes] = {}

    def drain(name: str, stream: object) -> None:
        chunks[name] = stream.read()  # type: ignore[attr-defined]

    threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    for t in threads:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} … failed:\n{chunks.get('err', b'').decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, chunks.get("out", b"").decode()


def last_json(out: str) -> dict[str, float]:
    """The JSON object a child printed last (anything a library printed before it is ignored)."""
    line = next((x for x in reversed(out.splitlines()) if x.startswith("{")), None)
    if line is None:
        raise SystemExit(f"no result in the output of the queries: {out[-500:]!r}")
    return json.loads(line)


def generate(mirror: Path, db: Path, n_areas: int, n_ind: int, years: int) -> list[str]:
    """Write the synthetic mirror (ELS schema) and register its made-up areas in a fresh warehouse."""
    sys.path.insert(0, str(ROOT / "src"))
    from prosperity.warehouse.schema import migrate

    n_las = -(-n_areas // AREAS_PER_LA)
    con = duckdb.connect(str(db))
    migrate(con)
    con.execute(
        f"""CREATE TEMP TABLE syn_areas AS
            SELECT printf('X01%06d', i) AS code, printf('Synthetic small area %d', i) AS name, 'lsoa' AS level,
                   printf('X06%06d', i // {AREAS_PER_LA}) AS parent FROM range({n_areas}) t(i)
            UNION ALL SELECT printf('X06%06d', j), printf('Synthetic authority %d', j), 'unitary-authority',
                   printf('X12%06d', j % {REGIONS}) FROM range({n_las}) t(j)
            UNION ALL SELECT printf('X12%06d', r), printf('Synthetic region %d', r), 'region', 'E92000001'
                   FROM range({REGIONS}) t(r)
            UNION ALL SELECT 'E92000001', 'England (synthetic)', 'nation', NULL"""
    )  # fmt: skip
    con.execute("INSERT INTO areas SELECT code, name, level, NULL, NULL, 'benchmarks/scale.py' FROM syn_areas")
    con.execute("""INSERT INTO area_parents SELECT code, parent, 1, 'benchmarks/scale.py' FROM syn_areas
                   WHERE parent IS NOT NULL""")  # fmt: skip
    con.execute("CHECKPOINT")
    files = []
    for k in range(1, n_ind + 1):
        slug = f"synthetic-{k:03d}"
        folder = mirror / "els" / slug
        folder.mkdir(parents=True)
        name = f"Synthetic indicator {k:03d}"
        csv_path = folder / f"{slug}.csv"
        # A value per area and year from a hash: a level per area, a drift per indicator, noise per year.
        con.execute(
            f"""COPY (
                  SELECT code AS areacd, name AS areanm, NULL AS geography, '{name}' AS indicator,
                         printf('%d-01-01/P1Y', 2005 + y) AS period, round(v, 2) AS observation, 'Rate' AS measure,
                         'per 1,000 people' AS unit, round(v * 0.95, 2) AS lci_95, round(v * 1.05, 2) AS uci_95,
                         NULL AS status, NULL AS notes
                  FROM (SELECT code, name, y,
                               50 + (hash(code, {k}) % 1000) / 20.0 + y * ({k} % 7 - 3) / 4.0
                                  + (hash(code, {k}, y) % 100) / 50.0 AS v
                        FROM syn_areas, range({years}) t(y))
                  ORDER BY areacd, period
                ) TO '{csv_path}' (HEADER, DELIMITER ',')"""
        )  # fmt: skip
        meta = {"ess-beta-metadata": {"label": name, "subtitle": "synthetic figures for a benchmark",
                                      "sourceOrg": "benchmarks/scale.py (synthetic)", "sourceDate": "01/01/2026",
                                      "decimalPlaces": 2}}  # fmt: skip
        (folder / f"{slug}.json").write_text(json.dumps(meta), encoding="utf-8")
        files.append(str(csv_path))
    con.close()
    return files


def one_size(work: Path, n_areas: int, n_ind: int, years: int, repeat: int, samples: int) -> dict[str, float]:
    base = work / f"areas-{n_areas}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    mirror, seed = base / "mirror", base / "seed.duckdb"
    t = time.perf_counter()
    files = generate(mirror, seed, n_areas, n_ind, years)
    generated = time.perf_counter() - t
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    builds, floors, queries = [], [], []
    db = base / "synthetic.duckdb"
    for _ in range(repeat):
        db.unlink(missing_ok=True)
        shutil.copyfile(seed, db)
        wall, cpu, rss, out = measured([sys.executable, "-m", "prosperity.cli", "build", "--mirror", str(mirror),
                                        "--db", str(db), "--no-assess", "--format", "json"], env)  # fmt: skip
        summary = json.loads(out)
        loaded = [r for r in summary["datasets"] if r["status"] == "loaded"]
        if len(loaded) != n_ind:
            bad = [r for r in summary["datasets"] if r["status"] != "loaded"][:3]
            raise SystemExit(f"the synthetic build loaded {len(loaded)} of {n_ind} indicators: {bad}")
        builds.append((wall, cpu, rss))
        floors.append(measured([sys.executable, "-c", FLOOR, *files])[:3])
        q = measured([sys.executable, "-c", QUERIES, str(db), str(n_areas), str(n_ind), str(years), str(samples)], env)
        queries.append(last_json(q[3]))
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT count(*) FROM observations").fetchone()[0]
    con.close()
    csv_bytes = sum(Path(f).stat().st_size for f in files)

    def med(xs: list[tuple[float, ...]], i: int) -> float:
        return statistics.median(x[i] for x in xs)

    result = {"areas": n_areas, "observations": rows, "generate_s": generated, "csv_mib": csv_bytes / 2**20,
              "build_s": med(builds, 0), "build_cpu_s": med(builds, 1), "build_rss_mib": med(builds, 2),
              "floor_s": med(floors, 0), "floor_cpu_s": med(floors, 1), "file_mib": db.stat().st_size / 2**20,
              **{k: statistics.median(q[k] for q in queries) for k in queries[0]}}  # fmt: skip
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="2125,8500,34000", help="numbers of small areas, comma-separated")
    ap.add_argument("--indicators", type=int, default=100)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=1, help="builds per size (medians are reported)")
    ap.add_argument("--samples", type=int, default=11, help="requests of each kind per build")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/prosperity-scale"))
    ap.add_argument("--keep", action="store_true", help="keep the synthetic mirrors and warehouses")
    ap.add_argument("--write", type=Path, help="append the results as a Markdown section to this file")
    args = ap.parse_args()
    if not str(args.workdir.resolve()).startswith(("/tmp/", "/var/tmp/")):
        raise SystemExit("--workdir must be under /tmp: synthetic data never goes near the real data")
    load = os.getloadavg()[0]
    results = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            results.append(one_size(args.workdir, n, args.indicators, args.years, args.repeat, args.samples))
    finally:
        if not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    ms = 1000
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, DuckDB "
        f"{duckdb.__version__}. {args.indicators} synthetic indicators × {args.years} years per area; "
        f"{args.repeat} build(s) per size (median); requests: the first in a fresh process, then the median of "
        f"{args.samples - 1} more. Load average at the start: {load:.1f}, at the end: {os.getloadavg()[0]:.1f}.",
        "",
        "| small areas | observations | CSV | build (wall) | build (CPU) | peak RSS | floor (wall) | warehouse file | "
        "series | area profile | map (all areas) | assessment |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['areas']:,} | {r['observations']:,} | {r['csv_mib']:,.0f} MiB | {r['build_s']:.1f} s | "
            f"{r['build_cpu_s']:.1f} s | {r['build_rss_mib']:,.0f} MiB | {r['floor_s']:.1f} s | "
            f"{r['file_mib']:,.0f} MiB | {r['series_first'] * ms:.0f} / {r['series_median'] * ms:.1f} ms | "
            f"{r['profile_first'] * ms:.0f} / {r['profile_median'] * ms:.1f} ms | "
            f"{r['map_first'] * ms:.0f} / {r['map_median'] * ms:.0f} ms | "
            f"{r['assessment_first'] * ms:.0f} / {r['assessment_median'] * ms:.0f} ms |"
        )
    if len(results) > 1:
        a, b = results[0], results[-1]
        f = b["observations"] / a["observations"]
        lines += ["", f"From the smallest to the largest size the data grow {f:.0f}×: build time "
                      f"{b['build_s'] / a['build_s']:.1f}×, build CPU {b['build_cpu_s'] / a['build_cpu_s']:.1f}×, "
                      f"peak memory {b['build_rss_mib'] / a['build_rss_mib']:.1f}×, file "
                      f"{b['file_mib'] / a['file_mib']:.1f}×, "
                      f"assessment {b['assessment_median'] / a['assessment_median']:.1f}×, "
                      f"series {b['series_median'] / a['series_median']:.1f}×."]  # fmt: skip
    publish(lines, args.write)


if __name__ == "__main__":
    main()
