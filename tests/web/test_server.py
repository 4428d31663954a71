"""The served app over loopback, as ``prosperity serve`` runs it: slow and oversized clients are cut off and the
server goes on answering everyone else."""

from __future__ import annotations

import contextlib
import selectors
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from prosperity.web import create_app
from prosperity.web.limits import Limits
from prosperity.web.server import ServerSettings, check_port, config, raise_file_limit
from tests.web.conftest import LOOSE, _free_port, serve_in_thread

SLOW = 800  # connections that send their headers a byte at a time


@pytest.fixture(scope="module")
def server(warehouse_path: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    settings = ServerSettings(header_timeout=2.0, body_timeout=2.0, keep_alive=2.0, max_connections=4000, backlog=2048)
    app = create_app(warehouse_path, limits=Limits(**LOOSE))
    running = serve_in_thread(config(app, "127.0.0.1", port, settings=settings))
    next(running)
    yield "127.0.0.1", port
    next(running, None)


def _connect(addr: tuple[str, int]) -> socket.socket:
    s = socket.create_connection(addr, timeout=5)
    s.setblocking(False)
    return s


def _read_all(sock: socket.socket, timeout: float) -> tuple[bytes, bool]:
    """What the server sent, and whether it closed the connection, within ``timeout`` seconds."""
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    data = b""
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            if not sel.select(max(0.0, end - time.monotonic())):
                continue
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                return data, True
            except BlockingIOError:
                continue
            if not chunk:
                return data, True
            data += chunk
        return data, False
    finally:
        sel.close()


def test_slow_clients_do_not_hold_the_server(server: tuple[str, int]) -> None:
    assert raise_file_limit() >= 2 * SLOW + 200, "the open-file limit is too low for this test"
    socks = []
    for _ in range(SLOW):
        s = _connect(server)
        s.send(b"GET /api/v1/areas?limit=1 HTTP/1.1\r\nHo")
        socks.append(s)
    try:
        stop = time.monotonic() + 1.5
        while time.monotonic() < stop:  # keep dripping: a byte every 0.3 s from every connection
            for s in socks:
                with contextlib.suppress(OSError):
                    s.send(b"s")
            # meanwhile an ordinary client is answered at once
            r = httpx.get(f"http://{server[0]}:{server[1]}/api/v1/areas/E08000012", timeout=5)
            assert r.status_code == 200 and r.json()["data"]["name"] == "Liverpool"
            time.sleep(0.3)
        closed = timed_out = 0
        for s in socks:
            data, gone = _read_all(s, timeout=4.0)
            closed += gone
            timed_out += data.startswith(b"HTTP/1.1 408")
        assert closed == SLOW and timed_out == SLOW
    finally:
        for s in socks:
            s.close()
    assert httpx.get(f"http://{server[0]}:{server[1]}/api/v1/", timeout=5).status_code == 200


def test_an_idle_kept_alive_connection_and_a_half_sent_second_request_are_closed(server: tuple[str, int]) -> None:
    s = _connect(server)
    try:
        s.send(b"GET /api/v1/ HTTP/1.1\r\nHost: x\r\n\r\n")
        first, gone = _read_all(s, timeout=1.0)
        assert first.startswith(b"HTTP/1.1 200") and not gone
        s.send(b"GET /api/v1/ HTTP/1.1\r\nHost")
        rest, gone = _read_all(s, timeout=5.0)
        assert gone and rest.startswith(b"HTTP/1.1 408")
    finally:
        s.close()


def test_a_body_that_never_completes_is_cut_off(server: tuple[str, int]) -> None:
    s = _connect(server)
    try:
        s.send(b"POST /api/v1/groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 500\r\n\r\n{\"name\": ")  # fmt: skip
        data, gone = _read_all(s, timeout=6.0)
        assert gone and data.startswith(b"HTTP/1.1 408")
    finally:
        s.close()


def test_oversized_headers_are_refused(server: tuple[str, int]) -> None:
    s = _connect(server)
    try:
        s.setblocking(True)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Filler: " + b"a" * 200_000)
    except OSError:
        pass  # the server may close while we are still sending
    try:
        s.setblocking(False)
        data, gone = _read_all(s, timeout=5.0)
        assert gone and data.startswith(b"HTTP/1.1 431")
    finally:
        s.close()


def test_a_control_character_over_the_wire_is_a_400_not_a_dropped_connection(server: tuple[str, int]) -> None:
    r = httpx.get(f"http://{server[0]}:{server[1]}/api/v1/indicators/gva-per-hour-worked",
                  params={"area": "E47000004\r\nX-Injected: 1", "format": "csv"}, timeout=5)  # fmt: skip
    assert r.status_code == 400 and r.json()["status"] == 400 and "x-injected" not in r.headers


def test_a_port_in_use_is_a_plain_message(server: tuple[str, int]) -> None:
    from prosperity.errors import ProsperityError

    with pytest.raises(ProsperityError, match="already in use"):
        check_port(*server)


@pytest.mark.parametrize(("args", "env", "words"), [
    (["--db", "{tmp}/nowhere.duckdb"], {}, "no warehouse at"),
    (["--db", "{tmp}/junk.duckdb"], {}, "cannot be opened as a warehouse"),
    (["--public-url", "javascript:alert(1)"], {}, "public URL"),
    ([], {"PROSPERITY_EXPENSIVE_BURST": "lots"}, "PROSPERITY_EXPENSIVE_BURST"),
    ([], {"PROSPERITY_HEADER_TIMEOUT": "-1"}, "PROSPERITY_HEADER_TIMEOUT"),
    (["--port", "{busy}"], {}, "already in use"),
])  # fmt: skip
def test_serve_explains_what_stops_it(server, warehouse_path: Path, tmp_path: Path, monkeypatch, args, env,
                                      words: str) -> None:  # fmt: skip
    from typer.testing import CliRunner

    from prosperity.cli import app

    (tmp_path / "junk.duckdb").write_bytes(b"this is not a database" * 64)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    argv = [a.format(tmp=tmp_path, busy=server[1]) for a in args]
    if "--db" not in argv:
        argv += ["--db", str(warehouse_path)]
    result = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", *argv] + ([] if "--port" in argv else
                                                                                ["--port", str(_free_port())]))
    assert result.exit_code != 0 and words in result.output, result.output
    assert "Traceback" not in result.output
