"""First requests: how long a visitor waits for a page or API answer nobody has asked for since the server started.

Starts a fresh ``prosperity serve`` on a built warehouse, waits until it is idle (it reads every framework series
on a background thread as it starts), and asks every page type and API endpoint once per URL
(distinct URLs, so the response cache never answers): the home, indicator, area, outcome, compare and methodology
pages; the city region, one of its councils, councils far from Liverpool, regions and nations; a user-defined
group of about 50 areas; and ``as_of`` views of an edition (the warehouse as it stood when it was loaded). For
each kind it records the wall time of every request (p50 and p99), and the server process's CPU time for it
(from /proc, so that a machine shared with other work still gives comparable figures). ``--repeat`` starts a
fresh server each time; the figures pool every run.

With ``--mirror DIR --revise N`` it first makes a warehouse with a past edition: a copy of ``--db`` built again
from a copy of the mirror (under a temporary folder, deleted afterwards; the mirror itself is only read) in which N
Explore Local Statistics files are revised (every figure and its 95% limits multiplied by 1.001), so the copy holds
two editions of those datasets; the ``as_of`` requests then ask for the warehouse as it stood before the revision
(a genuinely past moment), and the first of them is the first request at that moment.

Usage: python benchmarks/first_request.py --db prosperity.duckdb [--repeat 3] [--mirror DIR --revise 5]
       [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import httpx
from results import publish  # benchmarks/results.py, beside this script

HOME = "E47000004"
NORTH_WEST = "E12000002"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def past_edition(db: Path, mirror: Path, revise: int, work: Path) -> tuple[Path, str, list[str]]:
    """A copy of ``db`` with a second edition of ``revise`` ELS datasets (see the module's docstring): the copy's
    path, the moment of the first edition (its last load) and the revised datasets."""
    mirror = mirror.resolve()
    copy = work / "mirror"
    for path in mirror.rglob("*"):  # the same tree, every file a link to the mirror's
        target = copy / path.relative_to(mirror)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    folders = sorted(p for p in (mirror / "els").iterdir() if p.is_dir() and any(p.glob("*.csv")))
    chosen = [folders[(i * 7) % len(folders)] for i in range(min(revise, len(folders)))]
    chosen = list(dict.fromkeys(chosen))
    for folder in chosen:
        for src in folder.glob("*.csv"):
            out = copy / src.relative_to(mirror)
            out.unlink()
            with src.open(encoding="utf-8-sig", newline="") as fin, out.open("w", encoding="utf-8", newline="") as fo:
                reader, writer = csv.DictReader(fin), None
                for row in reader:
                    if writer is None:
                        writer = csv.DictWriter(fo, fieldnames=reader.fieldnames or [])
                        writer.writeheader()
                    for col in ("observation", "lci_95", "uci_95"):
                        with contextlib.suppress(KeyError, TypeError, ValueError):  # a marker or an empty cell stays
                            row[col] = f"{float(row[col]) * 1.001:.6g}"
                    writer.writerow(row)
    new_db = work / "two-editions.duckdb"
    shutil.copyfile(db, new_db)
    con = duckdb.connect(str(new_db), read_only=True)
    first = con.execute("SELECT max(loaded_at) FROM releases").fetchone()[0]
    con.close()
    subprocess.run([sys.executable, "-m", "prosperity.cli", "build", "--mirror", str(copy), "--db", str(new_db)],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return new_db, first.isoformat(), [f.name for f in chosen]


def plan(db: Path, per_kind: int, as_of: str | None = None) -> list[tuple[str, str]]:
    """(kind, URL) pairs: every page type and endpoint, with areas from every level and far from Liverpool."""
    con = duckdb.connect(str(db), read_only=True)

    def col(sql: str, params: list[object] | None = None) -> list[str]:
        return [r[0] for r in con.execute(sql, params or []).fetchall()]

    # indicators with a figure for the city region (a framework indicator the warehouse lacks answers 404)
    specs = col("SELECT DISTINCT indicator FROM assessments WHERE area = ? AND value IS NOT NULL ORDER BY indicator",
                [HOME])  # fmt: skip
    outcomes_sql = "SELECT DISTINCT unnest(from_json(json_extract(assessment, '$.outcomes'), '[\"VARCHAR\"]')) "
    outcomes = sorted(col(outcomes_sql + "FROM assessments"))
    members = col("SELECT child FROM area_parents WHERE parent = ? AND depth = 1 ORDER BY child", [HOME])
    members = [m for m in members if m.startswith("E0")]
    cas = col("SELECT code FROM areas WHERE level = 'combined-authority' AND code LIKE 'E47%' AND code <> ? "
              "ORDER BY code", [HOME])  # fmt: skip
    regions = col("SELECT code FROM areas WHERE level = 'region' ORDER BY code")
    nations = col("SELECT code FROM areas WHERE level IN ('nation', 'uk') AND code SIMILAR TO '[EWSNK]9[29]0+[0-9]' "
                  "ORDER BY code")  # fmt: skip
    las = col("SELECT code FROM areas WHERE level IN ('metropolitan-district', 'unitary-authority', "
              "'non-metropolitan-district', 'london-borough') AND code LIKE 'E0%' ORDER BY code")  # fmt: skip
    # councils outside the North West, in a fixed shuffled order; each kind of request gets its own, so that no
    # request is answered from what an earlier one of another kind computed for the same place
    far_all = col("""SELECT a.code FROM areas a WHERE a.code LIKE 'E0%' AND a.level IN ('metropolitan-district',
                       'unitary-authority', 'non-metropolitan-district', 'london-borough')
                     AND a.code NOT IN (SELECT child FROM area_parents WHERE parent = ?) ORDER BY hash(a.code)""",
                  [NORTH_WEST])  # fmt: skip
    loaded = con.execute("SELECT CAST(max(loaded_at) AS DATE) FROM releases").fetchone()[0]
    con.close()
    n = per_kind

    def pick(xs: list[str], k: int = n, step: int = 7) -> list[str]:
        return [xs[(i * step) % len(xs)] for i in range(min(k, len(xs)))] if xs else []

    inds = pick(specs, n, 11)
    far = {k: far_all[i * n:(i + 1) * n] for i, k in enumerate(("area", "api", "indicator", "as_of", "api_ind"))}
    out: list[tuple[str, str]] = [("home page", "/"), ("indicator list", "/indicators"), ("area list", "/areas"),
                                  ("methodology", "/methodology"), ("API index", "/api/v1/"),
                                  ("API strategies", "/api/v1/strategies"), ("API outcomes", "/api/v1/outcomes"),
                                  ("API indicators", "/api/v1/indicators"), ("API releases", "/api/v1/releases"),
                                  ("API areas", "/api/v1/areas?level=combined-authority"),
                                  ("API download descriptor", "/api/v1/download")]  # fmt: skip
    out += [("outcome page", f"/outcomes/{o}") for o in pick(outcomes, n, 5)]
    out += [("API outcome", f"/api/v1/outcomes/{o}") for o in pick(outcomes, n, 3)]
    out += [("indicator page, city region", f"/indicators/{i}") for i in inds]
    out += [("indicator page, far council", f"/indicators/{i}?area={a}")
            for i, a in zip(inds, far["indicator"], strict=False)]  # fmt: skip
    out += [("indicator page, region", f"/indicators/{i}?area={a}") for i, a in zip(inds, regions[6:], strict=False)]
    out += [("area page, city region and councils", f"/areas/{a}") for a in [HOME, *members]][: n]
    out += [("area page, other combined authority", f"/areas/{a}") for a in pick(cas, n, 5)]
    out += [("area page, far council", f"/areas/{a}") for a in far["area"]]
    out += [("area page, region or nation", f"/areas/{a}") for a in [*regions[:3], *nations[:2]]]
    out += [("API assessments, far council", "/api/v1/assessments?" + urlencode({"area": a})) for a in far["api"]]
    out += [("API assessments, region", "/api/v1/assessments?" + urlencode({"area": a})) for a in regions[3:6]]
    out += [("API indicator, far council", f"/api/v1/indicators/{i}?area={a}")
            for i, a in zip(inds, far["api_ind"], strict=False)]  # fmt: skip
    out += [("API local authorities", f"/api/v1/indicators/{i}/local-authorities") for i in inds]
    out += [("API series", "/api/v1/series?" + urlencode({"indicator": i, "area": a}))
            for i, a in zip(inds, far_all[::-1], strict=False)]  # fmt: skip
    out += [("compare page", "/compare?" + urlencode({"areas": ",".join([HOME, a, far_all[-1]]),
                                                      "indicators": ",".join(inds[:4])}))
            for a in members[: max(1, n // 2)]]  # fmt: skip
    groups = [las[k::6][:50] for k in range(3)]  # three different sets of 50 councils
    out += [("group of 50 areas (API)", "/api/v1/groups?" + urlencode({"name": f"Fifty places {k}",
                                                                        "members": ",".join(g)}))
            for k, g in enumerate(groups)]  # fmt: skip
    out += [("same 50 members, another name and order", "/api/v1/groups?" + urlencode(
        {"name": "The same fifty", "members": ",".join(reversed(groups[0]))}))]  # fmt: skip
    as_of = as_of or loaded.isoformat()
    out += [("as_of: area page", f"/areas/{a}?" + urlencode({"as_of": as_of})) for a in [HOME, *members[:2]]]
    out += [("as_of: API assessments", "/api/v1/assessments?" + urlencode({"area": a, "as_of": as_of}))
            for a in [members[2], *far["as_of"][:2]]]  # fmt: skip
    out += [("as_of: group of 50 areas (API)", "/api/v1/groups?" + urlencode({"name": "Fifty places then",
                                                                              "members": ",".join(groups[1]),
                                                                              "as_of": as_of}))]  # fmt: skip
    out += [("as_of: indicator page", f"/indicators/{i}?" + urlencode({"area": HOME, "as_of": as_of})) for i in inds[:3]]
    return out


def one_run(db: Path, urls: list[tuple[str, str]], timeout: float) -> dict[str, list[tuple[float, float, int]]]:
    port = free_port()
    # one client asks every kind in turn: the per-client limits on requests that compute would refuse the later
    # ones (429) and measure the limiter, not the request, so they are raised for this run
    env = {**os.environ, "PROSPERITY_EXPENSIVE_PER_MINUTE": "100000", "PROSPERITY_EXPENSIVE_BURST": "100000"}
    proc = subprocess.Popen([sys.executable, "-m", "prosperity.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=timeout) as client:
            deadline = time.monotonic() + 300
            while True:
                try:
                    client.get("/static/style.css")
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"the server did not start: {proc.stderr.read().decode()[-2000:]}") from None
                    time.sleep(0.2)
            # the server's workers may be children of the command's process: measure the one that serves
            pid = _serving_pid(proc.pid)
            started = time.monotonic()
            _settle(pid)  # the server warms its assessment engine on a background thread: let it finish
            print(f"server settled {time.monotonic() - started:.1f} s after answering, "
                  f"{cpu_seconds(pid):.1f} s of CPU", file=sys.stderr)
            out: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
            for kind, url in urls:
                c0, t0 = cpu_seconds(pid), time.perf_counter()
                r = client.get(url)
                wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - c0
                out[kind].append((wall, cpu, r.status_code))
                if r.status_code != 200:
                    print(f"{r.status_code} {url}: {r.text[:200]}", file=sys.stderr)
            return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _settle(pid: int, quiet: float = 0.05, limit: float = 900) -> None:
    """Wait until the server process has used under ``quiet`` s of CPU in each of two consecutive seconds."""
    deadline, calm, last = time.monotonic() + limit, 0, cpu_seconds(pid)
    while calm < 2 and time.monotonic() < deadline:
        time.sleep(1)
        now = cpu_seconds(pid)
        calm = calm + 1 if now - last < quiet else 0
        last = now


def _serving_pid(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return int(kids[0]) if kids else pid


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=3, help="fresh servers (the figures pool every run)")
    ap.add_argument("--per-kind", type=int, default=5, help="distinct URLs of each kind")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--label", default="", help="a word for the heading, e.g. before or after")
    ap.add_argument("--write", type=Path, help="append the results as a Markdown section to this file")
    ap.add_argument("--mirror", type=Path, help="the mirror --db was built from (for --revise)")
    ap.add_argument("--revise", type=int, default=0, help="make a past edition: revise this many ELS datasets")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="first-request-") as tmp:
        db, as_of, revised = args.db, None, []
        if args.revise:
            if args.mirror is None:
                raise SystemExit("--revise needs --mirror")
            db, as_of, revised = past_edition(args.db, args.mirror, args.revise, Path(tmp))
            load0 = os.getloadavg()[0]
        urls = plan(db, args.per_kind, as_of)
        runs = [one_run(db, urls, args.timeout) for _ in range(args.repeat)]
        size = db.stat().st_size / 2**20
    pooled: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for run in runs:
        for kind, xs in run.items():
            pooled[kind] += xs
    lines = [
        f"### {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}{' — ' + args.label if args.label else ''}",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}. Warehouse: "
        f"`{args.db.name}`, {size:.0f} MiB. {len(urls)} distinct URLs, each asked once per "
        f"fresh server; {args.repeat} servers; every figure pools all runs. Wall time is what the client waited; "
        f"CPU is the server's own user + system time for the request (10 ms resolution), which other work on a "
        f"shared machine does not inflate. Load average at the start: {load0:.1f}, at the end: "
        f"{os.getloadavg()[0]:.1f}."
        + (f" The `as_of` requests ask for {as_of} (before a second edition of {len(revised)} datasets: "
           f"{', '.join(revised)})." if revised else " The `as_of` requests ask for the day of the last load."),
        "",
        "| kind | requests | wall p50 | wall p99 | CPU p50 | CPU p99 | not 200 |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, xs in pooled.items():
        walls, cpus = [x[0] for x in xs], [x[1] for x in xs]
        bad = sum(1 for x in xs if x[2] != 200)
        lines.append(f"| {kind} | {len(xs)} | {pct(walls, 50):.3f} s | {pct(walls, 99):.3f} s | {pct(cpus, 50):.2f} s | "
                     f"{pct(cpus, 99):.2f} s | {bad} |")  # fmt: skip
    allw = [x[0] for xs in pooled.values() for x in xs]
    allc = [x[1] for xs in pooled.values() for x in xs]
    over = sum(1 for x in allw if x > 0.5)
    lines += ["", f"All requests: wall p50 {pct(allw, 50):.3f} s, p99 {pct(allw, 99):.3f} s, max {max(allw):.2f} s "
                  f"({over} of {len(allw)} over 0.5 s); CPU p50 {pct(allc, 50):.2f} s, p99 {pct(allc, 99):.2f} s, "
                  f"max {max(allc):.2f} s ({sum(1 for x in allc if x > 0.5)} over 0.5 s)."]  # fmt: skip
    publish(lines, args.write)


if __name__ == "__main__":
    main()
