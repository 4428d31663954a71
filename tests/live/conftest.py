"""A test HTTP server on loopback that speaks the live services' documented shapes and injects faults.

Routes are registered per test as ``server.route(host, path, handler)``; a handler receives the parsed query and
returns a :class:`Reply` (or a list of replies served one after another, the last repeated). Every request is
recorded with its host, path and query. A transport rewrites real URLs (``https://www.nomisweb.co.uk/…``) to the
server, keeping the Host header, so the sources' own URLs are exercised unchanged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a timeout when longer than the client's read timeout)
    truncate: int | None = None  # send only this many bytes of the body, announcing all of them


Handler = Callable[[dict[str, str]], "Reply | list[Reply]"]


class LiveServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.scripts: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        server = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                host = (self.headers.get("Host") or "").split(":")[0]
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                server.requests.append((host, parts.path, query, dict(self.headers)))
                reply = server.reply(host, parts.path, query)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    self.wfile.write(reply.body[: reply.truncate] if reply.truncate is not None else reply.body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def route(self, host: str, path: str, handler: Handler | Reply | list[Reply]) -> None:
        if isinstance(handler, Reply | list):
            replies = handler if isinstance(handler, list) else [handler]
            self.routes[(host, path)] = lambda q, r=replies: r
        else:
            self.routes[(host, path)] = handler

    def reply(self, host: str, path: str, query: dict[str, str]) -> Reply:
        key = (host, path)
        if key not in self.routes:
            return Reply(404, b"not found")
        if key in self.scripts and self.scripts[key]:
            return self.scripts[key].pop(0)
        out = self.routes[key](query)
        if isinstance(out, list):
            if len(out) > 1:
                self.scripts[key] = list(out[1:])
                # the last reply repeats once the script is used up
                last = out[-1]
                self.routes[key] = lambda q, last=last: last
            return out[0]
        return out

    def hits(self, host: str, path: str) -> list[dict[str, str]]:
        return [q for h, p, q, _ in self.requests if (h, p) == (host, path)]

    def client(self) -> httpx.Client:
        port = self.port

        class ToLoopback(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
                return super().handle_request(request)

        return httpx.Client(transport=ToLoopback(), follow_redirects=True)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = LiveServer()
    yield s
    s.close()


@pytest.fixture(autouse=True)
def fast_settings(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Short waits and no real sleeping: every wait the clients ask for is recorded instead."""
    slept: list[float] = []
    monkeypatch.setattr("prosperity.sources.live.client._sleep", slept.append)
    for name, value in (("BACKOFF", "0.01"), ("READ_TIMEOUT", "0.25"), ("CONNECT_TIMEOUT", "2"), ("RETRIES", "3"),
                        ("MAX_RETRY_AFTER", "5")):  # fmt: skip
        monkeypatch.setenv(f"PROSPERITY_{name}", value)
    monkeypatch.delenv("NOMIS_API_KEY", raising=False)
    monkeypatch.setattr("prosperity.sources.live.client.UNREACHABLE", {})
    return slept
