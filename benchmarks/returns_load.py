"""Load on the returns service: concurrent submitters saving drafts and approvers deciding, against PostgreSQL.

A fresh PostgreSQL database (dropped afterwards) is made with ``--submitters`` programmes EX-B01…, one submitter
each, and ``--approvers`` approvers sharing the programmes between them. The site is started as a separate process
(``prosperity serve``, ``--workers`` processes) with the store on PostgreSQL over loopback. Each submitter signs in,
starts a return and, until the time is up, reads it and saves the whole return again with a changed commentary
(every save is checked by all the import's rules), submitting every ``--submit-every`` saves and waiting for the
decision; each approver lists its programmes' returns and approves or (one in three) returns each submitted one.

Measured: latency of every request by kind (p50, p95, p99, max), requests that failed (any status other than the
expected one: none expected; a 409 is counted apart, as the optimistic lock refusing a stale save), and whether the
audit log holds exactly one entry for every change the clients saw succeed.

Usage: python benchmarks/returns_load.py [--pg URL] [--warehouse prosperity.duckdb] [--submitters 50]
       [--approvers 5] [--seconds 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from prosperity.programmes.auth import add_user  # noqa: E402
from prosperity.programmes.service_model import AuditEntry  # noqa: E402
from prosperity.programmes.store import ProgrammeStore, drop_database  # noqa: E402
from prosperity.programmes.template import example_tables  # noqa: E402
from prosperity.programmes.workflow import content_from_tables  # noqa: E402

ROUND = "2025-26-H1"
PASSWORD = "benchmark password 1"
ROOT = Path(__file__).resolve().parents[1]


def programme(i: int) -> str:
    return f"EX-B{i:02d}"


def content_for(code: str) -> dict[str, str]:
    tables = example_tables(ROUND)
    for rows in tables.values():
        for row in rows:
            for k in ("programme_code", "project_code"):
                if isinstance(row.get(k), str):
                    row[k] = row[k].replace("EX-TC", code, 1)
    return content_from_tables(tables)


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else 0.0


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.conflicts = 0
        self.done: Counter[str] = Counter()

    def pct(self, kind: str, q: float) -> float:
        return percentile(self.latency[kind], q)


async def call(st: Stats, kind: str, coro: Any, ok: tuple[int, ...] = (200, 201, 303)) -> httpx.Response | None:
    t = time.perf_counter()
    try:
        r = await coro
    except httpx.HTTPError as e:
        st.errors.append(f"{kind}: {type(e).__name__}: {e}")
        return None
    st.latency[kind].append(time.perf_counter() - t)
    if r.status_code == 409:
        st.conflicts += 1
        return r
    if r.status_code not in ok:
        st.errors.append(f"{kind}: {r.status_code} {r.text[:200]}")
        return None
    return r


# Idle connections are dropped by the client before the server drops them (its keep-alive is 5 s): with both at
# 5 s a request sent on a connection the server is closing at that instant fails with "Server disconnected"
# (a browser retries such a request by itself; this client does not, so it keeps the two apart instead).
CLIENT_LIMITS = httpx.Limits(keepalive_expiry=3.0)


async def sign_in(st: Stats, c: httpx.AsyncClient, name: str) -> str:
    page = await c.get("/returns/sign-in")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = await call(st, "sign-in (setup)", c.post("/returns/sign-in", data={"username": name, "password": PASSWORD,
                                                                   "csrf_token": token}))  # fmt: skip
    assert r is not None, st.errors[-1:]
    return (await c.get("/api/v1/returns-session")).json()["csrf_token"]


class Window:
    """The measured minute starts when every client has signed in and started its return (setup is timed apart)."""

    def __init__(self, clients: int, seconds: float) -> None:
        self.waiting, self.seconds = clients, seconds
        self.ready = asyncio.Event()
        self.start = self.deadline = 0.0

    async def arrive(self) -> float:
        self.waiting -= 1
        if self.waiting == 0:
            self.start = time.monotonic()
            self.deadline = self.start + self.seconds
            self.ready.set()
        await self.ready.wait()
        return self.deadline


async def submitter(base: str, i: int, window: Window, st: Stats, submit_every: int) -> None:
    code = programme(i)
    content = content_for(code)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=CLIENT_LIMITS) as c:
        csrf = await sign_in(st, c, f"sub{i:02d}")
        h = {"x-csrf-token": csrf}
        r = await call(st, "start (setup)", c.post("/api/v1/returns", json={"programme": code, "round": ROUND},
                                                   headers=h))  # fmt: skip
        deadline = await window.arrive()
        if r is None:
            return
        st.done["created"] += 1
        rid, saves = r.json()["id"], 0
        while time.monotonic() < deadline:
            r = await call(st, "read", c.get(f"/api/v1/returns/{rid}"))
            if r is None:
                await asyncio.sleep(0.5)
                continue
            ret = r.json()
            if ret["state"] == "submitted":
                await asyncio.sleep(0.5)  # waiting for the approver
                continue
            if ret["state"] == "approved":  # a correction: a new return for the same round
                r = await call(st, "start again", c.post("/api/v1/returns", headers=h,
                                                         json={"programme": code, "round": ROUND}))  # fmt: skip
                if r is not None:
                    st.done["created"] += 1
                    rid = r.json()["id"]
                continue
            saves += 1
            sheets = dict(content)
            sheets["progress"] = content["progress"].replace("Works on site and on programme.",
                                                             f"Works on site; update {saves}.")  # fmt: skip
            r = await call(st, "save draft", c.post(f"/api/v1/returns/{rid}/content", headers=h,
                                                    json={"version": ret["version"], "sheets": sheets}))  # fmt: skip
            if r is None or r.status_code != 200:
                continue
            st.done["saved"] += 1
            if saves % submit_every == 0:
                version = r.json()["version"]
                r = await call(st, "submit", c.post(f"/api/v1/returns/{rid}/submit", headers=h,
                                                    json={"version": version}))  # fmt: skip
                if r is not None and r.status_code == 200:
                    st.done["submitted"] += 1


async def approver(base: str, j: int, window: Window, st: Stats) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=CLIENT_LIMITS) as c:
        csrf = await sign_in(st, c, f"app{j}")
        h = {"x-csrf-token": csrf}
        deadline = await window.arrive()
        n = 0
        while time.monotonic() < deadline:
            r = await call(st, "list", c.get("/api/v1/returns"))
            todo = [x for x in (r.json() if r is not None else []) if x["state"] == "submitted"]
            if not todo:
                await asyncio.sleep(0.5)
                continue
            for x in todo:
                if time.monotonic() >= deadline:
                    break
                n += 1
                if n % 3 == 0:
                    r = await call(st, "return", c.post(f"/api/v1/returns/{x['id']}/send-back", headers=h,
                                                        json={"version": x["version"], "comment": "Please check"}))
                    if r is not None and r.status_code == 200:
                        st.done["returned"] += 1
                else:
                    r = await call(st, "approve", c.post(f"/api/v1/returns/{x['id']}/approve", headers=h,
                                                         json={"version": x["version"]}))  # fmt: skip
                    if r is not None and r.status_code == 200:
                        st.done["approved"] += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pg", default=os.environ.get("PROSPERITY_TEST_PG",
                                                   "postgresql+psycopg://prosperity:prosperity@127.0.0.1:5432/postgres"))
    ap.add_argument("--warehouse", type=Path, help="a built warehouse [default: build one from ../shared/data]")
    ap.add_argument("--submitters", type=int, default=50)
    ap.add_argument("--approvers", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--submit-every", type=int, default=5)
    a = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="returns-load-"))
    wh = a.warehouse
    if wh is None:
        from prosperity.warehouse.build import build

        wh = tmp / "prosperity.duckdb"
        print("building a warehouse from ../shared/data (the site needs one) …", flush=True)
        build(wh, mirror=ROOT.parent / "shared" / "data")
    name = f"prosperity_returns_bench_{os.getpid()}"
    admin = create_engine(a.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(a.pg).set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        store = ProgrammeStore.open(url)
        with store.session() as s, s.begin():
            for i in range(1, a.submitters + 1):
                add_user(s, f"sub{i:02d}", PASSWORD, "submitter", [programme(i)])
            for j in range(a.approvers):
                mine = [programme(i) for i in range(1, a.submitters + 1) if i % a.approvers == j]
                add_user(s, f"app{j}", PASSWORD, "approver", mine)
        port = free_port()
        env = {**os.environ, "PROSPERITY_PROGRAMMES_DB": url}
        server = subprocess.Popen([sys.executable, "-m", "prosperity.cli", "serve", "--db", str(wh), "--port", str(port),
                                   "--workers", str(a.workers)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(tmp / "server.log", "w"))  # noqa: SIM115 - closed with the process
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(base + "/returns/sign-in", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("the server did not start: " + (tmp / "server.log").read_text()[-2000:])

        st = Stats()

        async def run() -> float:
            window = Window(a.submitters + a.approvers, a.seconds)
            await asyncio.gather(*[submitter(base, i, window, st, a.submit_every) for i in range(1, a.submitters + 1)],
                                 *[approver(base, j, window, st) for j in range(a.approvers)])
            return time.monotonic() - window.start

        elapsed = asyncio.run(run())
        with store.session() as s:
            logged = Counter(dict(s.execute(select(AuditEntry.action, func.count())
                                            .where(AuditEntry.object_kind == "return").group_by(AuditEntry.action)).all()))
        store.close()
        expected = Counter({"created": st.done["created"], "saved": st.done["saved"], "submitted": st.done["submitted"],
                            "approved": st.done["approved"], "returned": st.done["returned"]})  # fmt: skip
        logged_changes = Counter({k: logged.get(k, 0) for k in expected})
        requests = sum(len(v) for k, v in st.latency.items() if "setup" not in k)
        out = {"submitters": a.submitters, "approvers": a.approvers, "seconds": round(elapsed, 1),
               "server_workers": a.workers, "cpus": os.cpu_count(), "load_average": os.getloadavg(),
               "python": platform.python_version(), "requests": requests,
               "requests_per_second": round(requests / elapsed, 1), "errors": len(st.errors),
               "first_errors": st.errors[:5], "conflicts_409": st.conflicts, "done": dict(st.done),
               "audit_entries": dict(logged), "audit_complete": logged_changes == expected,
               "latency_ms": {k: {"n": len(v), "p50": round(st.pct(k, 0.5)), "p95": round(st.pct(k, 0.95)),
                                  "p99": round(st.pct(k, 0.99)), "max": round(max(v) * 1000)}
                              for k, v in sorted(st.latency.items())},
               "p99_ms_window": round(percentile([x for k, v in st.latency.items() if "setup" not in k for x in v],
                                                 0.99) or 0)}  # fmt: skip
        if st.errors:  # what the server said about them (its log is removed with the temporary folder)
            log_lines = (tmp / "server.log").read_text(errors="replace").splitlines()
            out["server_log"] = [x for x in log_lines if any(w in x for w in ("ERROR", "WARNING", "Error", "Traceback",
                                                                              "Timeout", "408", "503", "500"))][-20:]
        print(json.dumps(out, indent=2))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop_database(admin, name)
        admin.dispose()


if __name__ == "__main__":
    main()
