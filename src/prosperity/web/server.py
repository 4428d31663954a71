"""Serving the app with uvicorn, hardened against slow and greedy clients.

uvicorn times out idle keep-alive connections (``timeout_keep_alive``) but has no deadline for a request's
headers or body: its HTTP protocols (h11 and httptools alike) arm no timer when a connection opens, and every
received byte cancels the keep-alive timer, so a client that sends a header a byte at a time holds a connection
for as long as it likes (slow-loris). :class:`DeadlineProtocol` adds both deadlines to uvicorn's httptools
protocol: a request's headers must be complete within ``header_timeout`` seconds of its first byte (or of the
connection opening), and its body within ``body_timeout`` of the headers; otherwise the server answers 408
(when nothing has been sent yet) and closes the connection.

Settings (each also ``PROSPERITY_<NAME>``): ``HEADER_TIMEOUT`` (10 s), ``BODY_TIMEOUT`` (10 s),
``KEEP_ALIVE`` (5 s idle), ``MAX_CONNECTIONS`` (2,000 connections and tasks; beyond it uvicorn answers 503),
``BACKLOG`` (2,048). The process's open-file limit is raised to its hard limit so that the connection limit,
not the file limit, is what refuses clients.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from prosperity.errors import ProsperityError
from prosperity.web.limits import limit_malloc_arenas

log = logging.getLogger(__name__)
SETTINGS = {
    "HEADER_TIMEOUT": (10.0, "seconds for a request's headers to arrive"),
    "BODY_TIMEOUT": (10.0, "seconds for a request's body to arrive after its headers"),
    "KEEP_ALIVE": (5.0, "seconds an idle keep-alive connection stays open"),
    "MAX_CONNECTIONS": (2000.0, "connections and requests in progress at once; beyond it new requests get 503"),
    "BACKLOG": (2048.0, "connections waiting to be accepted"),
}
RESPONSE_408 = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
                b"cache-control: no-store\r\ncontent-length: %d\r\n\r\n%s")  # fmt: skip


def setting(name: str) -> float:
    default, help_text = SETTINGS[name]
    raw = os.environ.get(f"PROSPERITY_{name}")
    if raw in (None, ""):
        return default
    try:
        value = float(raw)  # type: ignore[arg-type]
    except ValueError:
        raise ProsperityError(f"PROSPERITY_{name}={raw!r} is not a number ({help_text})") from None
    if value <= 0:
        raise ProsperityError(f"PROSPERITY_{name}={raw!r} must be more than zero ({help_text})")
    return value


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines for a request's headers and body (see the module docstring)."""

    #: Set by :func:`config` in this process; worker processes (started afresh) read the environment.
    settings: ServerSettings | None = None
    max_header_bytes = 128 * 1024  # received before a request's headers are complete (a body may share the chunk)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        s = type(self).settings or ServerSettings.from_env()
        self.header_timeout, self.body_timeout = s.header_timeout, s.body_timeout
        self._deadline: asyncio.TimerHandle | None = None
        self._in_headers = False
        self._head_bytes = 0

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport is None or self.transport.is_closing():
            return
        waiting = self.cycle is None or self.cycle.response_complete or self._in_headers
        if waiting or not self.cycle.response_started:
            body = b'{"ok": false, "error": "the request did not arrive in time", "status": 408}'
            self.transport.write(RESPONSE_408 % (len(body), body))
        if not waiting:
            self.cycle.disconnected = True  # the app, waiting for the body, sees a disconnect; its reply goes nowhere
            self.cycle.message_event.set()
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting = self.cycle is None or self.cycle.response_complete
        if self._deadline is None and waiting:
            self._arm(self.header_timeout)  # the first byte of a further request on a kept-alive connection
        if waiting or self._in_headers:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_header_bytes:
                body = b'{"ok": false, "error": "the request\'s headers are too large", "status": 431}'
                self.transport.write(RESPONSE_408.replace(b"408 Request Timeout", b"431 Request Header Fields Too "
                                                          b"Large") % (len(body), body))  # fmt: skip
                self.transport.close()
                return
        super().data_received(data)

    def on_message_begin(self) -> None:
        self._in_headers = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._head_bytes = 0
        super().on_headers_complete()
        self._arm(self.body_timeout)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()


@dataclass
class ServerSettings:
    header_timeout: float
    body_timeout: float
    keep_alive: float
    max_connections: int
    backlog: int

    @classmethod
    def from_env(cls) -> ServerSettings:
        return cls(setting("HEADER_TIMEOUT"), setting("BODY_TIMEOUT"), setting("KEEP_ALIVE"),
                   int(setting("MAX_CONNECTIONS")), int(setting("BACKLOG")))  # fmt: skip


def raise_file_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit; returns the limit now in force."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def config(app: Any, host: str, port: int, *, workers: int = 1, factory: bool = False,
           settings: ServerSettings | None = None, log_level: str = "warning") -> Config:  # fmt: skip
    """uvicorn's configuration for ``app`` with the deadlines and limits of :class:`ServerSettings`."""
    s = settings or ServerSettings.from_env()
    DeadlineProtocol.settings = s
    limit = raise_file_limit()
    max_connections = s.max_connections if not limit else min(s.max_connections, max(64, limit - 64))
    return Config(app, host=host, port=port, workers=workers, factory=factory, http=DeadlineProtocol, log_level=log_level,
                  timeout_keep_alive=max(1, round(s.keep_alive)), limit_concurrency=max_connections, backlog=s.backlog,
                  h11_max_incomplete_event_size=16 * 1024, server_header=False)  # fmt: skip


def check_port(host: str, port: int) -> None:
    """A plain message, before uvicorn starts, when the address cannot be listened on."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as e:
        raise ProsperityError(f"cannot listen on {host}:{port}: {host!r} is not an address of this machine ({e})") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except PermissionError:
            raise ProsperityError(f"cannot listen on {host}:{port}: ports below 1024 need administrator rights; "
                                  "choose another with --port") from None  # fmt: skip
        except OSError as e:
            reason = "it is already in use (is another server running?)" if e.errno in (48, 98, 10048) else e.strerror
            raise ProsperityError(f"cannot listen on {host}:{port}: {reason}; choose another with --port") from None


def serve(app: Any, host: str, port: int, *, workers: int = 1, settings: ServerSettings | None = None) -> None:
    """Serve ``app`` (an ASGI app, or with ``workers`` > 1 an import string of an app factory) until interrupted."""
    from uvicorn import Server
    from uvicorn.supervisors import Multiprocess

    check_port(host, port)
    limit_malloc_arenas()
    cfg = config(app, host, port, workers=workers, factory=workers > 1, settings=settings)
    server = Server(cfg)
    if workers > 1:
        Multiprocess(cfg, sockets=[cfg.bind_socket()]).run()
    else:
        cfg.load_app()
        server.run()
