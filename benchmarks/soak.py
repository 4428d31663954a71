"""Soak test of the public server: many connections for minutes, mixed cached, uncached and hostile requests,
the server's memory sampled every second.

Starts ``prosperity serve`` on 127.0.0.1 over a warehouse (production settings: default limits and timeouts), then

1. **distinct queries**: three rounds of 600 distinct query strings (large assessment tables and pages, each URL
   new) with the server's resident memory (RSS) read after each round: a cache without a byte budget grows with
   every round, a bounded one levels off;
2. **soak**: ``--connections`` asyncio workers on httpx for ``--duration`` seconds, each choosing among
   - *cached*: the popular pages and API calls, answered from the response cache;
   - *uncached*: new query strings (searches, pages, an area's profile, as_of dates, groups) that make the server
     work, some of them expensive enough to be limited (429 with Retry-After is their designed answer);
   - *hostile*: CR/LF in parameters, over-long URLs, wrong methods, oversized and malformed bodies, path
     traversal, unknown things; plus ``--slow`` raw connections that send their headers a byte a second and
     reconnect whenever the server cuts them off.
   Every second the server's RSS is read from ``/proc/PID/status``.

An *error* is a 5xx, a dropped connection or timeout on any request, or any status other than the expected ones
(200/304, or 429 for an expensive request, or a 4xx for a hostile one). Latency percentiles are of valid requests.
Linux only (``/proc``). All traffic stays on loopback; the run is bounded in time and stops by itself.

Usage: python benchmarks/soak.py --db prosperity.duckdb [--connections 200] [--duration 300] [--slow 100]
                                 [--json soak.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

LCR = "E47000004"
LAS = ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015", "E08000003", "E08000001",
       "E08000002", "E08000004", "E08000005", "E08000006", "E08000007", "E08000008", "E08000009", "E08000010",
       "E08000016", "E08000017", "E08000018", "E08000019", "E08000021", "E08000022", "E08000023", "E08000024",
       "E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031", "E06000001"]  # fmt: skip
INDICATORS = ["gva-per-hour-worked", "employment-rate", "ghg-emissions-per-head", "active-businesses", "filled-jobs"]
CACHED = [
    "/", "/indicators/ghg-emissions-per-head", "/areas/E47000004", "/methodology", "/indicators",
    "/api/v1/assessments?area=E47000004&limit=100", "/api/v1/strategies", "/api/v1/areas?parent=E47000004",
    "/api/v1/series?indicator=gross-value-added-per-hour-worked&area=E47000004", "/api/v1/releases",
    "/api/v1/indicators/gva-per-hour-worked", "/static/style.css",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("prosperity")
    cmd = [str(exe), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


# ---- the requests -------------------------------------------------------------------------------------------
@dataclass
class Ask:
    kind: str  # cached, uncached, expensive, hostile
    method: str
    url: str
    ok: tuple[int, ...]
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def uncached(rng: random.Random, n: int) -> Ask:
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 4)))
    choices = [
        Ask("uncached", "GET", f"/api/v1/areas?search={word}&limit={rng.randint(1, 50)}", (200,)),
        Ask("uncached", "GET", f"/api/v1/releases?limit={rng.randint(1, 100)}&offset={rng.randint(0, 80)}", (200,)),
        Ask("uncached", "GET", f"/indicators/{rng.choice(INDICATORS)}?area={rng.choice(LAS)}&n={n}", (200, 429)),
        Ask("uncached", "GET", f"/api/v1/series?indicator={rng.choice(INDICATORS)}&area={rng.choice(LAS)}&n={n}",
            (200,)),
        Ask("uncached", "GET", f"/api/v1/assessments?area={LCR}&limit={rng.randint(1, 100)}&n={n}", (200,)),
        Ask("expensive", "GET", f"/areas/{rng.choice(LAS)}?n={n}", (200, 429)),
        Ask("expensive", "GET", f"/api/v1/series?indicator=gva-per-hour-worked&area={LCR}"
                                f"&as_of=20{rng.randint(10, 30)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", (200, 429)),
        Ask("expensive", "GET", f"/api/v1/groups?name=g{n}&members={','.join(rng.sample(LAS, 3))}"
                                f"&indicator={rng.choice(INDICATORS)}", (200, 429)),
    ]  # fmt: skip
    return rng.choice(choices)


def hostile(rng: random.Random, n: int) -> Ask:
    choices = [
        Ask("hostile", "GET", "/api/v1/areas?search=a%0d%0aSet-Cookie:%20x=1", (400,)),
        Ask("hostile", "GET", "/api/v1/indicators/x%0aY", (400,)),
        Ask("hostile", "GET", "/api/v1/areas?search=" + "a" * 5000, (414,)),
        Ask("hostile", "DELETE", "/api/v1/groups", (405,)),
        Ask("hostile", "POST", "/api/v1/groups", (413,), body=b"[" + b"1," * 40000 + b"1]",
            headers={"content-type": "application/json"}),
        Ask("hostile", "POST", "/api/v1/groups", (400,), body=b"{not json", headers={"content-type": "application/json"}),
        Ask("hostile", "GET", "/static/..%2F..%2Fpyproject.toml", (404,)),
        Ask("hostile", "GET", "/api/v1/download/..%2F..%2Fetc%2Fpasswd", (404,)),
        Ask("hostile", "GET", f"/api/v1/areas/E0800001%27%3B{n}", (400,)),
        Ask("hostile", "GET", f"/api/v1/assessments?area={LCR}&as_of=yesterday{n}", (400,)),
        Ask("hostile", "GET", "/api/v1/assessments?limit=-1", (400,)),
        Ask("hostile", "GET", "/api/v1/", (200,), headers={"host": f"evil{n}.example"}),
        Ask("hostile", "GET", "/api/v1/areas?parent=E47000004", (200,), headers={"accept": "text/csv"}),
    ]  # fmt: skip
    return rng.choice(choices)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def record(self, ask: Ask, status: int | None, seconds: float, problem: str | None = None) -> None:
        if status is not None:
            self.statuses[ask.kind][status] += 1
        if problem is None and status is not None and status not in ask.ok and status != 304:
            problem = f"status {status}"
        if problem is not None:
            self.errors[f"{ask.kind}: {problem}"] += 1
            if len(self.examples) < 20:
                self.examples.append(f"{ask.method} {ask.url[:100]} -> {problem}")
        elif ask.kind != "hostile" and status != 429:
            self.latencies[ask.kind].append(seconds)


async def worker(client: httpx.AsyncClient, tally: Tally, until: float, seed: int) -> None:
    rng = random.Random(seed)
    n = 0
    while time.monotonic() < until:
        n += 1
        roll = rng.random()
        if roll < 0.70:
            ask = Ask("cached", "GET", rng.choice(CACHED), (200,))
        elif roll < 0.90:
            ask = uncached(rng, seed * 1_000_000 + n)
        else:
            ask = hostile(rng, seed * 1_000_000 + n)
        started = time.perf_counter()
        try:
            r = await client.request(ask.method, ask.url, content=ask.body, headers=ask.headers)
            await r.aread()
            tally.record(ask, r.status_code, time.perf_counter() - started)
            if r.status_code == 429:
                await asyncio.sleep(min(5.0, float(r.headers.get("retry-after", "1"))))
        except httpx.HTTPError as e:
            tally.record(ask, None, time.perf_counter() - started, type(e).__name__)


async def slow_client(port: int, until: float, counts: Counter[str]) -> None:
    """Sends a request's headers a byte a second; reconnects whenever the server cuts it off."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            counts["connect failed"] += 1
            await asyncio.sleep(1)
            continue
        counts["opened"] += 1
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            await writer.drain()
            while time.monotonic() < until:
                try:
                    data = await asyncio.wait_for(reader.read(4096), 1.0)
                except TimeoutError:
                    writer.write(b"a")
                    await writer.drain()
                    continue
                counts["cut off with 408" if data.startswith(b"HTTP/1.1 408") else "cut off"] += 1
                break
        except (ConnectionError, OSError):
            counts["cut off"] += 1
        finally:
            writer.close()


async def sample_memory(pid: int, until: float, samples: list[tuple[float, float]], start: float) -> None:
    while time.monotonic() < until:
        samples.append((time.monotonic() - start, rss_mib(pid)))
        await asyncio.sleep(1.0)


async def soak(port: int, pid: int, connections: int, duration: float, slow: int) -> dict[str, Any]:
    tally, slow_counts = Tally(), Counter[str]()
    samples: list[tuple[float, float]] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    start = time.monotonic()
    until = start + duration
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:
        tasks = [asyncio.create_task(worker(client, tally, until, seed)) for seed in range(1, connections + 1)]
        tasks += [asyncio.create_task(slow_client(port, until, slow_counts)) for _ in range(slow)]
        tasks.append(asyncio.create_task(sample_memory(pid, until, samples, start)))
        await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    return {"tally": tally, "slow": dict(slow_counts), "samples": samples, "elapsed": elapsed}


async def distinct_rounds(port: int, pid: int, rounds: int, per_round: int) -> list[dict[str, float]]:
    out = [{"round": 0, "requests": 0, "rss_mib": rss_mib(pid)}]
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as client:
        sem = asyncio.Semaphore(8)
        done = 0

        async def one(url: str) -> None:
            nonlocal done
            async with sem:
                r = await client.get(url)
                await r.aread()
                done += 1

        for rnd in range(1, rounds + 1):
            urls = []
            for i in range(per_round):
                k = rnd * 100_000 + i
                urls.append([f"/api/v1/assessments?area={LCR}&limit=100&q={k}",
                             f"/indicators/ghg-emissions-per-head?area={LCR}&q={k}",
                             f"/api/v1/releases?limit=100&q={k}"][i % 3])  # fmt: skip
            await asyncio.gather(*(one(u) for u in urls))
            out.append({"round": rnd, "requests": done, "rss_mib": rss_mib(pid)})
    return out


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=Path(os.environ.get("PROSPERITY_DB", "prosperity.duckdb")))
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--duration", type=float, default=300.0, help="seconds of the soak phase")
    ap.add_argument("--slow", type=int, default=100, help="slow (slow-loris) connections kept open throughout")
    ap.add_argument("--distinct", type=int, default=600, help="distinct query strings per round of phase 1")
    ap.add_argument("--json", type=Path, help="write the measurements as JSON here")
    args = ap.parse_args()
    if not args.db.exists():
        raise SystemExit(f"no warehouse at {args.db}; build one with `prosperity build --mirror DIR`")

    port = free_port()
    load_before = os.getloadavg()
    proc = start_server(args.db, port)
    try:
        rss_start = rss_mib(proc.pid)
        rounds = asyncio.run(distinct_rounds(port, proc.pid, 3, args.distinct))
        result = asyncio.run(soak(port, proc.pid, args.connections, args.duration, args.slow))
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    load_after = os.getloadavg()

    tally: Tally = result["tally"]
    valid = [x for k in ("cached", "uncached", "expensive") for x in tally.latencies[k]]
    rss = [m for _, m in result["samples"]]
    minute = [m for t, m in result["samples"] if t <= 60]
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
                   f"{platform.system()} {platform.release()}",
        "load_average_before": round(load_before[0], 2), "load_average_after": round(load_after[0], 2),
        "connections": args.connections, "duration_s": round(result["elapsed"], 1), "slow_connections": args.slow,
        "server_alive_at_end": alive,
        "rss_mib": {"at_start": round(rss_start, 1), "distinct_rounds": rounds,
                    "soak_first_minute_max": round(max(minute), 1) if minute else None,
                    "soak_max": round(max(rss), 1) if rss else None, "soak_end": round(rss[-1], 1) if rss else None},
        "requests": {k: sum(c.values()) for k, c in tally.statuses.items()},
        "statuses": {k: dict(sorted(c.items())) for k, c in tally.statuses.items()},
        "requests_per_second": round(sum(sum(c.values()) for c in tally.statuses.values()) / result["elapsed"], 1),
        "errors": dict(tally.errors), "error_examples": tally.examples,
        "latency_ms": {k: {"n": len(v), "p50": round(pct(v, 50), 1), "p99": round(pct(v, 99), 1),
                           "max": round(pct(v, 100), 1)} for k, v in {**tally.latencies, "all valid": valid}.items()},
        "slow_clients": result["slow"],
    }  # fmt: skip
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
