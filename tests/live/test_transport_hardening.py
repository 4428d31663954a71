"""Live fetches are bounded and isolated: deadlines, size caps, gzip and redirect errors, nothing partial cached;
one dataset's failure is that dataset's "unavailable" and the others load; a shrunken live response is held back."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from pathlib import Path

import pytest

from prosperity.sources.base import FileRef
from prosperity.sources.fetch import fetch_file
from prosperity.sources.live.client import LiveFetchError, LiveSettings, PoliteClient, RateLimiter
from prosperity.warehouse import Warehouse

from .conftest import Reply
from .test_nomis_and_build import LCR, NOMIS, live_build, nomis_csv, serve_live, serve_mirror_files

HOST = "api.beta.ons.gov.uk"
URL = f"https://{HOST}/v1/x"
CORRUPT_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage!"  # a gzip header, then no deflate stream


def polite(client, **deadline) -> PoliteClient:
    return PoliteClient("ons", client, LiveSettings.from_env(), limiter=RateLimiter(0), **deadline)


def test_a_gzip_body_is_decoded(server):
    body = b"a,b\n" + b"1,2\n" * 500
    server.route(HOST, "/v1/x", Reply(200, gzip.compress(body), {"Content-Encoding": "gzip"}))
    assert polite(server.client()).get(URL) == body


def test_a_corrupt_gzip_body_is_retried_then_reported(server):
    server.route(HOST, "/v1/x", Reply(200, CORRUPT_GZIP, {"Content-Encoding": "gzip"}))
    with pytest.raises(LiveFetchError, match="gave up after 4 attempts; the last failure: the compressed body is corrupt"):
        polite(server.client()).get(URL)


def test_a_cut_gzip_body_is_never_accepted_or_cached(server, tmp_path: Path):
    """Cut short but announced at its cut length: only the decoder can tell that it did not end."""
    whole = gzip.compress(b"a,b\n" + b"1,2\n" * 5000)
    server.route("raw.githubusercontent.com", "/a/b.csv", Reply(200, whole[: len(whole) // 2], {"Content-Encoding": "gzip"}))
    ref = FileRef("els/b/b.csv", "https://raw.githubusercontent.com/a/b.csv")
    with pytest.raises(LiveFetchError, match="the compressed body ended early"):
        fetch_file(ref, tmp_path, server.client())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_redirect_loop_is_reported_without_retrying(server):
    server.route(HOST, "/v1/x", Reply(302, b"", {"Location": URL}))
    client = server.client()
    with pytest.raises(LiveFetchError, match="too many redirects"):
        polite(client).get(URL)
    assert len(server.hits(HOST, "/v1/x")) == client.max_redirects + 1  # the first request and the redirects, once


def test_a_response_larger_than_the_cap_is_refused_unread(server, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROSPERITY_MAX_RESPONSE_BYTES", "1000")
    server.route(HOST, "/v1/x", Reply(200, b"x" * 5000))
    with pytest.raises(LiveFetchError, match=r"5,000 bytes, more than the 1,000 allowed \(PROSPERITY_MAX_RESPONSE_BYTES\)"):
        polite(server.client()).get(URL)
    assert len(server.hits(HOST, "/v1/x")) == 1


def test_a_compressed_bomb_is_stopped_as_it_expands(server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("PROSPERITY_MAX_DOWNLOAD_BYTES", "100000")
    bomb = gzip.compress(b"0" * 5_000_000)  # 5 MB from about 5 kB
    server.route("raw.githubusercontent.com", "/a/b.csv", Reply(200, bomb, {"Content-Encoding": "gzip"}))
    with pytest.raises(LiveFetchError, match="larger than the 100,000 bytes allowed"):
        fetch_file(FileRef("els/b/b.csv", "https://raw.githubusercontent.com/a/b.csv"), tmp_path, server.client())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


class Drip:
    """A server that sends its headers and then one byte every ``gap`` seconds, forever."""

    def __init__(self, gap: float = 0.02):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.gap = gap
        self.stop = threading.Event()
        self.connections = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            self.connections += 1
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            while not self.stop.is_set():
                conn.sendall(b"x")
                time.sleep(self.gap)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_a_dripping_server_is_bounded_by_the_request_and_fetch_deadlines(monkeypatch: pytest.MonkeyPatch):
    import httpx

    monkeypatch.setenv("PROSPERITY_REQUEST_DEADLINE", "0.3")
    monkeypatch.setenv("PROSPERITY_FETCH_DEADLINE", "1.0")
    drip = Drip()
    try:
        started = time.monotonic()
        with pytest.raises(LiveFetchError, match="deadline") as e:
            polite(httpx.Client()).get(f"http://127.0.0.1:{drip.port}/slow")
        took = time.monotonic() - started
    finally:
        drip.close()
    assert took < 3.0, took  # bounded by the 1 s fetch deadline (plus one read), not by the 1 MB body
    assert drip.connections >= 2  # the request deadline cut attempts short and they were retried
    assert "PROSPERITY_FETCH_DEADLINE" in str(e.value)


def test_gzip_and_redirect_failures_are_one_datasets_unavailable_and_the_rest_loads(server, mirror: Path,
                                                                                    tmp_path: Path):
    serve_mirror_files(server, mirror)
    serve_live(server)
    server.route("fingertips.phe.org.uk", "/api/all_data/csv/by_indicator_id",
                 Reply(302, b"", {"Location": "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id"}))
    path = "/downloads/datasets/wellbeing-local-authority/editions/time-series/versions/3.csv"
    server.route("download.ons.gov.uk", path, Reply(200, CORRUPT_GZIP, {"Content-Encoding": "gzip"}))
    s = live_build(server, tmp_path)
    status = {r.dataset_id: (r.status, r.message) for r in s.results}
    assert status["fingertips/life-expectancy"][0] == "unavailable" and "too many redirects" in (
        status["fingertips/life-expectancy"][1])
    assert status["ons-api/wellbeing-local-authority"][0] == "unavailable"
    assert "compressed body is corrupt" in status["ons-api/wellbeing-local-authority"][1]
    assert status["nomis/population"][0] == "loaded" and status["desnz/la-ghg-emissions"][0] == "loaded"
    assert not (tmp_path / "cache/fingertips").exists() or not [
        p for p in (tmp_path / "cache/fingertips").rglob("*") if p.is_file()]


def test_a_live_response_with_far_fewer_rows_is_held_back(server, mirror: Path, tmp_path: Path):
    serve_mirror_files(server, mirror)
    serve_live(server)
    assert {r.dataset_id: r.status for r in live_build(server, tmp_path).results}["nomis/population"] == "loaded"
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        before = wh.query("SELECT release_id FROM current_releases WHERE dataset_id = 'nomis/population'")
    # The service now answers with one year instead of two: a complete, well-formed, but much smaller response.
    server.route(NOMIS, "/api/v01/dataset/NM_2002_1.data.csv", nomis_csv(
        ["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "OBS_VALUE", "OBS_STATUS_NAME"],
        [["2023", c, c, "480000", "Normal Value"] for c in [*LCR, "E92000001"]]))  # fmt: skip
    res = {r.dataset_id: r for r in live_build(server, tmp_path).results}["nomis/population"]
    assert res.status == "held back" and "--accept-shrink nomis/population" in res.message
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        assert wh.query("SELECT release_id FROM current_releases WHERE dataset_id = 'nomis/population'") == before
