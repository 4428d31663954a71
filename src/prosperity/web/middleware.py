"""Pure ASGI middleware: security headers and request limits, and a cache of finished GET responses.

Written as plain ASGI callables (not Starlette's ``BaseHTTPMiddleware``) so they add little per request.
"""

from __future__ import annotations

from typing import Any

from prosperity.web.site import LRU

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


def _error(status: int, message: str) -> tuple[Message, Message]:
    import json

    body = json.dumps({"ok": False, "error": message, "status": status}).encode()
    return ({"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]},
            {"type": "http.response.body", "body": body})  # fmt: skip


class Guard:
    """Adds security headers to every response; refuses over-long URLs (414) and bodies (413)."""

    def __init__(self, app: Any, max_body: int = MAX_BODY):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        head = scope["method"] == "HEAD"
        if head:  # answered as a GET without its body
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in SECURITY_HEADERS if h[0] not in names]
            await send(message)

        if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_TARGET:
            for m in _error(414, f"the request's URL is longer than {MAX_TARGET} characters"):
                await send_with_headers(m)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            for m in _error(413, f"request body larger than {self.max_body} bytes"):
                await send_with_headers(m)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            for m in _error(413, f"request body larger than {self.max_body} bytes"):
                await send_with_headers(m)


class BodyTooLarge(Exception):
    pass


class ResponseCache:
    """Keeps finished 200 responses to GET requests, keyed by path, query and wanted format.

    Valid because the warehouse is opened read-only and does not change while the site runs.
    """

    def __init__(self, app: Any, size: int = 512, max_bytes: int = 2_000_000):
        self.app, self.cache, self.max_bytes = app, LRU(size), max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        accept = dict(scope.get("headers", [])).get(b"accept", b"")
        key = (scope["path"], scope.get("query_string", b""), b"text/csv" in accept)
        hit = self.cache.get(key)
        if hit is not None:
            start, body = hit
            await send(start)
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
            return
        parts: list[bytes] = []
        state: dict[str, Any] = {"start": None, "ok": scope["method"] == "GET", "size": 0}

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["start"] = message
                headers = dict(message.get("headers", []))
                state["ok"] = state["ok"] and message["status"] == 200 and b"no-store" not in headers.get(
                    b"cache-control", b"")  # fmt: skip
            elif message["type"] == "http.response.body" and state["ok"]:
                parts.append(message.get("body", b""))
                state["size"] += len(parts[-1])
                if state["size"] > self.max_bytes:
                    state["ok"] = False
                elif not message.get("more_body"):
                    self.cache.put(key, (state["start"], b"".join(parts)))
            await send(message)

        await self.app(scope, receive, keep)
