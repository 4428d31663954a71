"""Soak test of the public server: many connections for minutes, mixed cached, uncached and hostile requests,
the server's memory sampled every second.

Starts ``prosperity serve`` on 127.0.0.1 over a warehouse (production settings: default limits and timeouts), then

1. **distinct queries**: three rounds of 600 distinct query strings (large assessment tables, each URL new) with
   the server's resident memory (RSS) read after each round: a cache without a byte budget grows with every round,
   a bounded one levels off (``--duration 0`` stops here);
2. **soak**: ``--connections`` connections for ``--duration`` seconds from three ``wrk`` processes (Debian's
   package: ``apt-get install wrk``; a Python client could not keep up), split by ``--mix`` among
   - *cached*: the popular pages and API calls, answered from the response cache;
   - *uncached*: new query strings (searches, pages, an area's profile, as_of dates, groups) that make the server
     work, some of them expensive enough to be limited (429 with Retry-After is their designed answer);
   - *hostile*: CR/LF in parameters, over-long URLs, wrong methods, oversized and malformed bodies, path
     traversal, unknown things; plus ``--slow`` raw connections that send their headers a byte a second and
     reconnect whenever the server cuts them off.
   Every second the server's RSS is read from ``/proc/PID/status``; a Python asyncio loop runs the slow clients.

An *error* is a socket error (connect, read, write) or a timeout (over 120 s) reported by wrk, a 5xx on any
request, or on a valid (cached or uncached) request any status but 200, 304 or 429 (the designed answer when
expensive requests are limited). Latency percentiles are wrk's, per kind, over all its requests.
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
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from load import free_port, start_server  # the same start-up as the load benchmark (this folder is on sys.path)

LCR = "E47000004"
LAS = ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015", "E08000003", "E08000001",
       "E08000002", "E08000004", "E08000005", "E08000006", "E08000007", "E08000008", "E08000009", "E08000010",
       "E08000016", "E08000017", "E08000018", "E08000019", "E08000021", "E08000022", "E08000023", "E08000024",
       "E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030", "E08000031", "E06000001"]  # fmt: skip
INDICATORS = ["gva-per-hour-worked", "employment-rate", "ghg-emissions-per-head", "active-businesses", "filled-jobs"]
VALID_OK = {200, 304, 429}  # 429 (with Retry-After) is the designed answer to too many expensive requests
TIMEOUT = 120.0  # seconds a valid request may take before it counts as an error
CACHED = [
    "/", "/indicators/ghg-emissions-per-head", "/areas/E47000004", "/methodology", "/indicators",
    "/api/v1/assessments?area=E47000004&limit=100", "/api/v1/strategies", "/api/v1/areas?parent=E47000004",
    "/api/v1/series?indicator=gross-value-added-per-hour-worked&area=E47000004", "/api/v1/releases",
    "/api/v1/indicators/gva-per-hour-worked", "/static/style.css",
]  # fmt: skip


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


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


LUA = r"""
local paths = {%(paths)s}
local i = 0
counts = {}
function init(args) i = math.random(#paths) end
function request()
  i = i %% #paths + 1
  local p = paths[i]
  return wrk.format(p[1], p[2], p[4], p[3])
end
function response(status, headers, body)
  local k = tostring(status)
  counts[k] = (counts[k] or 0) + 1
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local out = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do out[k] = (out[k] or 0) + v end
  end
  io.write("STATUS")
  for k, v in pairs(out) do io.write(" ", k, "=", v) end
  io.write("\n")
  io.write(string.format("LATENCY p50=%%d p90=%%d p99=%%d max=%%d\n", latency:percentile(50), latency:percentile(90),
                         latency:percentile(99), latency.max))
  local e = summary.errors
  io.write(string.format("SUMMARY requests=%%d duration=%%d connect=%%d read=%%d write=%%d timeout=%%d\n",
                         summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout))
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(asks: list[Ask]) -> str:
    rows = []
    for a in asks:
        headers = "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in a.headers.items()) + "}"
        body = lua_string(a.body.decode()) if a.body is not None else "nil"
        rows.append(f"{{{lua_string(a.method)}, {lua_string(a.url)}, {body}, {headers}}}")
    return LUA % {"paths": ",\n".join(rows)}


def run_wrk(name: str, asks: list[Ask], port: int, connections: int, seconds: float, folder: Path) -> subprocess.Popen[str]:
    script = folder / f"{name}.lua"
    script.write_text(lua_script(asks), encoding="utf-8")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", f"{int(TIMEOUT)}s", "-s", str(script),
           f"http://127.0.0.1:{port}"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse_wrk(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"statuses": {}, "latency_ms": {}, "socket_errors": {}, "raw": text[-2000:]}
    for line in text.splitlines():
        key, _, rest = line.partition(" ")
        pairs = dict(p.split("=", 1) for p in rest.split() if "=" in p)
        if key == "STATUS":
            out["statuses"] = {int(k): int(v) for k, v in sorted(pairs.items())}
        elif key == "LATENCY":
            out["latency_ms"] = {k: round(int(v) / 1000, 1) for k, v in pairs.items()}
        elif key == "SUMMARY":
            out["requests"] = int(pairs["requests"])
            out["duration_s"] = int(pairs["duration"]) / 1e6
            out["socket_errors"] = {k: int(pairs[k]) for k in ("connect", "read", "write", "timeout")}
    return out


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


async def soak(port: int, pid: int, connections: int, duration: float, slow: int, mix: tuple[float, float],
               folder: Path) -> dict[str, Any]:  # fmt: skip
    """Three wrk processes (cached, uncached, hostile: connections split by ``mix``), slow clients, RSS samples."""
    rng = random.Random(17)
    split = {"cached": round(connections * mix[0]), "uncached": round(connections * mix[1])}
    split["hostile"] = connections - split["cached"] - split["uncached"]
    asks = {"cached": [Ask("cached", "GET", u, (200,)) for u in CACHED],
            "uncached": [uncached(rng, n) for n in range(20_000)],
            "hostile": [hostile(rng, n) for n in range(500)]}  # fmt: skip
    slow_counts: Counter[str] = Counter()
    samples: list[tuple[float, float]] = []
    start = time.monotonic()
    until = start + duration
    procs = {k: run_wrk(k, asks[k], port, n, duration, folder) for k, n in split.items() if n > 0}
    tasks = [asyncio.create_task(slow_client(port, until, slow_counts)) for _ in range(slow)]
    tasks.append(asyncio.create_task(sample_memory(pid, until, samples, start)))
    await asyncio.gather(*tasks)
    results = {}
    for k, proc in procs.items():
        out, _ = await asyncio.to_thread(proc.communicate)
        results[k] = {"connections": split[k], **parse_wrk(out)}
    return {"wrk": results, "slow": dict(slow_counts), "samples": samples, "elapsed": time.monotonic() - start}


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
                urls.append([f"/api/v1/assessments?area={LCR}&limit=100&q={k}",  # about 310 KB each
                             f"/api/v1/releases?limit=100&q={k}"][i % 2])  # fmt: skip
            await asyncio.gather(*(one(u) for u in urls))
            out.append({"round": rnd, "requests": done, "rss_mib": rss_mib(pid)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=Path(os.environ.get("PROSPERITY_DB", "prosperity.duckdb")))
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--duration", type=float, default=300.0, help="seconds of the soak phase")
    ap.add_argument("--slow", type=int, default=100, help="slow (slow-loris) connections kept open throughout")
    ap.add_argument("--distinct", type=int, default=600, help="distinct query strings per round of phase 1")
    ap.add_argument("--mix", default="70,20,10", help="percentages of cached, uncached and hostile requests")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of distinct query strings before the soak")
    ap.add_argument("--json", type=Path, help="write the measurements as JSON here")
    args = ap.parse_args()
    if not args.db.exists():
        raise SystemExit(f"no warehouse at {args.db}; build one with `prosperity build --mirror DIR`")
    if shutil.which("wrk") is None:
        raise SystemExit("the soak test drives the server with wrk: apt-get install wrk")

    port = free_port()
    load_before = os.getloadavg()
    proc = start_server(args.db, port, workers=1)
    try:
        rss_start = rss_mib(proc.pid)
        cached, uncached_share, _ = (float(x) / 100 for x in args.mix.split(","))
        rounds = asyncio.run(distinct_rounds(port, proc.pid, args.rounds, args.distinct))
        result: dict[str, Any] = {"wrk": {}, "slow": {}, "samples": [], "elapsed": 1e-9}
        with tempfile.TemporaryDirectory(prefix="prosperity-soak-") as folder:
            if args.duration > 0:
                result = asyncio.run(soak(port, proc.pid, args.connections, args.duration, args.slow,
                                          (cached, uncached_share), Path(folder)))  # fmt: skip
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    load_after = os.getloadavg()

    rss = [m for _, m in result["samples"]]
    minute = [m for t, m in result["samples"] if t <= 60]
    wrk: dict[str, Any] = result["wrk"]
    errors = {}
    for k, r in wrk.items():
        bad = {code: n for code, n in r["statuses"].items() if code >= 500 or (k != "hostile" and code not in VALID_OK)}
        sockets = {e: n for e, n in r["socket_errors"].items() if n}
        errors[k] = {"unexpected_statuses": bad, "socket_errors": sockets}
    total = sum(r.get("requests", 0) for r in wrk.values())
    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
                   f"{platform.system()} {platform.release()}",
        "load_average_before": round(load_before[0], 2), "load_average_after": round(load_after[0], 2),
        "connections": args.connections, "mix_percent": args.mix, "duration_s": round(result["elapsed"], 1),
        "slow_connections": args.slow, "server_alive_at_end": alive,
        "rss_mib": {"at_start": round(rss_start, 1), "distinct_rounds": rounds,
                    "soak_first_minute_max": round(max(minute), 1) if minute else None,
                    "soak_max": round(max(rss), 1) if rss else None, "soak_end": round(rss[-1], 1) if rss else None,
                    "samples": len(rss),
                    "every_30_s": [round(m) for t, m in result["samples"] if int(t) % 30 == 0]},
        "requests": total, "requests_per_second": round(total / result["elapsed"], 1),
        "by_kind": {k: {kk: v for kk, v in r.items() if kk != "raw"} for k, r in wrk.items()},
        "errors": errors, "slow_clients": result["slow"],
    }  # fmt: skip
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
