"""Pure ASGI middleware, outermost first:

- :class:`Guard`: security headers on every response; ``HEAD`` answered as ``GET`` without the body; refuses
  over-long URLs (414), parameters or paths holding control characters such as CR or LF (400), bodies over the
  limit (413) or arriving too slowly (408);
- :class:`ApiCors`: CORS for the read-only API (``/api/``): any origin, ``GET`` and ``HEAD`` only, no credentials;
- :class:`Admission`: takes the current warehouse (:class:`~prosperity.web.site.Sites`) for the request and
  releases it when the response has been sent; carries the request's admission ticket for expensive work
  (:mod:`prosperity.web.limits`);
- :class:`DataResponses`: ``ETag``, ``Last-Modified`` and ``Cache-Control`` on successful ``GET`` responses, 304 for
  a matching ``If-None-Match`` (or ``If-Modified-Since``), and a cache of finished responses keyed by everything
  the response depends on (warehouse generation, scheme, Host, path, query string, and whether CSV was asked for
  by ``Accept``) within a byte budget.

Written as plain ASGI callables (not Starlette's ``BaseHTTPMiddleware``) so they add little per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.middleware.cors import CORSMiddleware

from prosperity.web.limits import TICKET, Ticket
from prosperity.web.site import LRU, Sites

Scope = dict[str, Any]
Message = dict[str, Any]

#: No inline script or style at all: charts use presentation attributes and CSS classes.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'; connect-src 'self'")  # fmt: skip
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=(), interest-cohort=()"),
]
MAX_BODY = 64 * 1024  # bytes: the only body the site accepts is a small JSON group definition
MAX_TARGET = 4096  # characters of path and query string
BODY_TIMEOUT = 10.0  # seconds for a request's whole body to arrive
#: Cache-Control of successful data responses: short, because a build may replace the warehouse; ETag revalidates.
DATA_CACHE_CONTROL = b"public, max-age=60"


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a request header, as Starlette's ``request.headers.get`` reads it."""
    for k, v in scope.get("headers", []):
        if k == name:
            return v
    return None


def error_messages(status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> tuple[Message, Message]:
    """The one error envelope as ASGI messages."""
    body = json.dumps({"ok": False, "error": message, "status": status}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store"), *(extra or [])]  # fmt: skip
    return {"type": "http.response.start", "status": status, "headers": headers}, {"type": "http.response.body",
                                                                                    "body": body}


def _control(text: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in text)


def control_character(scope: Scope) -> str | None:
    """The name of the parameter (or ``path``) holding a control character (CR, LF, NUL, …), if any."""
    if _control(scope.get("path", "")):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    if _control(unquote(query, encoding="latin-1")):
        for name, value in parse_qsl(query, keep_blank_values=True, encoding="latin-1"):
            if _control(name):
                return "a parameter name"
            if _control(value):
                return f"parameter {name[:40]!r}"
        return "the query string"
    return None


class BodyTooLarge(Exception):
    pass


class BodyTooSlow(Exception):
    pass


class Guard:
    """Adds security headers to every response and refuses requests no endpoint should see."""

    def __init__(self, app: Any, max_body: int = MAX_BODY, body_timeout: float = BODY_TIMEOUT,
                 larger: dict[str, int] | None = None):  # fmt: skip
        self.app, self.max_body, self.body_timeout = app, max_body, body_timeout
        self.larger = larger or {}  # path prefix → a larger body limit (the returns service's uploads)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        head = scope["method"] == "HEAD"
        if head:  # answered as a GET without its body
            scope = {**scope, "method": "GET"}
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        async def refuse(status: int, message: str) -> None:
            for m in error_messages(status, message):
                await send_with_headers(m)

        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_TARGET:
            await refuse(414, f"the request's URL is longer than {MAX_TARGET} characters")
            return
        where = control_character(scope)
        if where is not None:
            await refuse(400, f"{where}: contains a control character (such as a line break); no parameter may")
            return
        path = scope.get("path", "")
        max_body = next((n for prefix, n in self.larger.items() if path.startswith(prefix)), self.max_body)
        length = header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            await refuse(413, f"request body larger than {max_body} bytes")
            return
        seen = 0
        loop = asyncio.get_running_loop()
        has_body = (length not in (None, b"0")) or header(scope, b"transfer-encoding") is not None
        deadline: float | None = loop.time() + self.body_timeout if has_body else None

        async def limited_receive() -> Message:
            nonlocal seen, deadline
            if deadline is None:  # the body is complete; later receives wait for a disconnect
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    raise BodyTooLarge
                if not message.get("more_body"):
                    deadline = None
            else:
                deadline = None
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await refuse(413, f"request body larger than {max_body} bytes")
        except BodyTooSlow:
            if not started:
                await refuse(408, f"the request body did not arrive within {self.body_timeout:g} seconds")


class ApiCors:
    """CORS for ``/api/`` only: the open data API may be read from any web page; nothing else is shared."""

    def __init__(self, app: Any, prefix: str = "/api/"):
        self.app, self.prefix = app, prefix
        self.cors = CORSMiddleware(app, allow_origins=["*"], allow_methods=["GET", "HEAD"], allow_credentials=False,
                                   allow_headers=["Accept", "If-None-Match", "If-Modified-Since"],
                                   expose_headers=["ETag", "Last-Modified", "X-Total-Count", "Retry-After",
                                                   "Content-Disposition"], max_age=600)  # fmt: skip

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(self.prefix):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class Admission:
    """Gives each request the current warehouse and an admission ticket; releases both when it is answered."""

    def __init__(self, app: Any, sites: Sites):
        self.app, self.sites = app, sites

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        site = self.sites.enter()
        scope.setdefault("state", {})
        scope["state"]["site"] = site
        client = scope.get("client")
        ticket = Ticket(client=str(client[0]) if client else "unknown")
        token = TICKET.set(ticket)
        try:
            await self.app(scope, receive, send)
        finally:
            TICKET.reset(token)
            ticket.release()
            site.release()


def _etag_matches(condition: bytes, etag: bytes) -> bool:
    """``If-None-Match`` by weak comparison (RFC 9110 §13.1.2)."""
    if condition.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(c.strip().removeprefix(b"W/") == bare for c in condition.split(b","))


def _not_modified(scope: Scope, etag: bytes | None, last_modified: bytes | None) -> bool:
    inm = header(scope, b"if-none-match")
    if inm is not None:
        return etag is not None and _etag_matches(inm, etag)
    ims = header(scope, b"if-modified-since")
    if ims is not None and last_modified is not None:
        try:
            return parsedate_to_datetime(last_modified.decode()) <= parsedate_to_datetime(ims.decode())
        except (TypeError, ValueError):
            return False
    return False


#: Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5).
_KEEP_ON_304 = {b"etag", b"last-modified", b"cache-control", b"vary", b"content-location", b"expires", b"date"}


async def _send_304(send: Any, headers: list[tuple[bytes, bytes]]) -> None:
    kept = [(k, v) for k, v in headers if k.lower() in _KEEP_ON_304]
    await send({"type": "http.response.start", "status": 304, "headers": kept})
    await send({"type": "http.response.body", "body": b""})


class DataResponses:
    """Validators, conditional requests and a byte-bounded cache of finished ``GET`` responses.

    The key is everything a response depends on: the warehouse generation (a rebuilt warehouse starts afresh),
    scheme, Host, path, query string and whether ``Accept`` asks for CSV. Absolute URLs in responses come from
    configuration, not from Host, but Host is keyed all the same so that no header can change what another
    client is served. Responses larger than ``max_entry`` are streamed and not kept.
    """

    def __init__(self, app: Any, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 4 * 1024 * 1024,
                 size: int = 4096, cache: bool = True):  # fmt: skip
        self.app, self.max_entry, self.keep = app, max_entry, cache
        self.cache = LRU(size, max_bytes, weigh=lambda entry: len(entry[2]) + sum(len(k) + len(v) for k, v in entry[1])
                         + 256)  # fmt: skip

    @staticmethod
    def key(scope: Scope) -> tuple[Any, ...]:
        site = scope.get("state", {}).get("site")
        accept = header(scope, b"accept") or b""
        return (getattr(site, "generation", 0), scope.get("scheme"), header(scope, b"host"), scope["path"],
                scope.get("query_string", b""), b"text/csv" in accept)  # fmt: skip

    def clear(self) -> None:
        self.cache.clear()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] != "GET":
            await self.app(scope, receive, self._no_store(send))
            return
        key = self.key(scope)
        hit = self.cache.get(key) if self.keep else None
        if hit is not None:
            status, headers, body = hit
            if _not_modified(scope, _get(headers, b"etag"), _get(headers, b"last-modified")):
                await _send_304(send, headers)
                return
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        site = scope.get("state", {}).get("site")
        modified = format_datetime(datetime.fromtimestamp(site.modified, UTC), usegmt=True).encode() if site else None
        held: Message | None = None
        parts: list[bytes] = []
        size = 0
        streaming = dropping = False

        async def reply(message: Message) -> None:
            nonlocal held, size, streaming, dropping
            if dropping:
                return
            if message["type"] == "http.response.start":
                held = message
                return
            if message["type"] != "http.response.body" or held is None:
                await send(message)
                return
            if streaming:
                await send(message)
                return
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if message.get("more_body") and size <= self.max_entry:
                return
            headers = list(held.get("headers", []))
            ok = held["status"] == 200
            if message.get("more_body"):  # too large to keep: stream it, with whatever validators it brought
                streaming = True
                if ok and _not_modified(scope, _get(headers, b"etag"), _get(headers, b"last-modified")):
                    dropping = True
                    await _send_304(send, headers)
                    return
                await send({**held, "headers": headers})
                await send({"type": "http.response.body", "body": b"".join(parts), "more_body": True})
                return
            body = b"".join(parts)
            headers = self._validators(headers, body, ok, modified)
            if ok and self.keep and b"no-store" not in (_get(headers, b"cache-control") or b""):
                self.cache.put(key, (held["status"], headers, body))
            if ok and _not_modified(scope, _get(headers, b"etag"), _get(headers, b"last-modified")):
                await _send_304(send, headers)
                return
            await send({**held, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, reply)

    @staticmethod
    def _validators(headers: list[tuple[bytes, bytes]], body: bytes, ok: bool,
                    modified: bytes | None) -> list[tuple[bytes, bytes]]:  # fmt: skip
        names = {k.lower() for k, _ in headers}
        if not ok:
            return headers if b"cache-control" in names else [*headers, (b"cache-control", b"no-store")]
        out = list(headers)
        if b"etag" not in names:
            out.append((b"etag", b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'))
        if b"last-modified" not in names and modified:
            out.append((b"last-modified", modified))
        if b"cache-control" not in names:
            out.append((b"cache-control", DATA_CACHE_CONTROL))
        if b"vary" not in names:
            out.append((b"vary", b"Accept"))
        return out

    @staticmethod
    def _no_store(send: Any) -> Any:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                if b"cache-control" not in names:
                    message = {**message, "headers": [*message.get("headers", []), (b"cache-control", b"no-store")]}
            await send(message)

        return wrapped


def _get(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None
