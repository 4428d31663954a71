"""Loopback load benchmark of the web application: home page, an indicator page and the assessments API.

Starts ``prosperity serve`` on 127.0.0.1 over a warehouse, warms each URL once, then measures requests per
second and p50/p99 latency at several concurrency levels with ``wrk`` (Debian's package) when it is installed,
else with a bounded asyncio client on httpx. All traffic stays on the loopback interface; every run is bounded
in time and stops by itself.

Usage: python benchmarks/load.py --db prosperity.duckdb [--duration 10] [--connections 1,16,64]
                                  [--workers 1] [--write benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

URLS = {
    "home page": "/",
    "indicator page": "/indicators/ghg-emissions-per-head",
    "assessments API": "/api/v1/assessments?area=E47000004&limit=100",
}
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("prosperity")
    cmd = [str(exe), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    threads = str(min(2, connections))
    out = subprocess.run(["wrk", "-t", threads, "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "--timeout", "10s", url], capture_output=True, text=True, timeout=seconds + 60,
                         check=True).stdout  # fmt: skip

    def ms(pct: str) -> float:
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": float(rps.group(1)) if rps else float("nan"), "p50": ms("50"), "p99": ms("99"),
            "errors": float(errors.group(1)) if errors else 0.0}  # fmt: skip


async def _client(url: str, connections: int, seconds: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t = time.perf_counter()
                r = await client.get(url)
                latencies.append((time.perf_counter() - t) * 1000)
                errors += r.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / elapsed, "p50": q[49], "p99": q[98], "errors": float(errors)}


def python_client(url: str, connections: int, seconds: int) -> dict[str, float]:
    return asyncio.run(_client(url, connections, seconds))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=Path(os.environ.get("PROSPERITY_DB", "prosperity.duckdb")))
    ap.add_argument("--duration", type=int, default=10, help="seconds per measurement (at most 60)")
    ap.add_argument("--connections", default="1,16,64")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--write", type=Path, help="append a results section to this Markdown file")
    args = ap.parse_args()
    seconds = max(1, min(args.duration, 60))
    levels = [int(c) for c in args.connections.split(",")]
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    measure = wrk if use_wrk else python_client
    port = free_port()
    server = start_server(args.db, port, args.workers)
    results = []
    try:
        for name, path in URLS.items():
            url = f"http://127.0.0.1:{port}{path}"
            size = len(httpx.get(url, timeout=60).content)  # warm: the first request computes and caches
            for c in levels:
                r = measure(url, c, seconds)
                results.append((name, path, size, c, r))
                print(f"{name:16} c={c:<3} {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
                      f"errors {r['errors']:.0f}", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.write:
        write(args.write, results, "wrk" if use_wrk else "httpx asyncio client", seconds, args.workers)


def write(path: Path, results: list, client: str, seconds: int, workers: int) -> None:  # type: ignore[type-arg]
    import duckdb
    import fastapi
    import uvicorn

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "", "## Web under load (`benchmarks/load.py`)", "",
        f"### {now} — {platform.node()}", "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"uvicorn {uvicorn.__version__} ({workers} worker{'s' if workers > 1 else ''}), FastAPI {fastapi.__version__}, "
        f"DuckDB {duckdb.__version__}. Client: {client} on the same machine (loopback), {seconds} s per row, "
        "after one warming request per URL. Load average before the run: "
        f"{os.getloadavg()[0]:.1f}.", "",
        "| page | URL | bytes | connections | requests/s | p50 ms | p99 ms | non-200 |",
        "|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name, url, size, c, r in results:
        lines.append(f"| {name} | `{url}` | {size:,} | {c} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['errors']:.0f} |")  # fmt: skip
    api64 = [r for name, _, _, c, r in results if name == "assessments API" and c == 64]
    if api64:
        verdict = "met" if api64[0]["p99"] < 50 else "missed"
        lines += ["", f"Target p99 < 50 ms for the API at 64 connections: **{verdict}** ({api64[0]['p99']:.1f} ms)."]
    with path.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
