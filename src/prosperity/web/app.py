"""The application factory: pages, API, static files, error handling and middleware.

>>> app = create_app("prosperity.duckdb")          # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=8000)   # doctest: +SKIP
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from prosperity import __version__
from prosperity.errors import NotFound, ProsperityError
from prosperity.web import api, openapi, pages
from prosperity.web.formats import error
from prosperity.web.limits import Busy, Limits, worker_threads
from prosperity.web.middleware import Admission, ApiCors, DataResponses, Guard
from prosperity.web.queries import BadParameter
from prosperity.web.site import Site, Sites

log = logging.getLogger(__name__)
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".ico": "image/x-icon"}


def _static_files() -> dict[str, tuple[bytes, str]]:
    """The static folder read once: a request can only name a file in this dict, so no path reaches the disk."""
    folder = resources.files("prosperity.web").joinpath("static")
    return {f.name: (f.read_bytes(), STATIC_TYPES[Path(f.name).suffix]) for f in folder.iterdir()
            if Path(f.name).suffix in STATIC_TYPES}  # fmt: skip


def _param_of(loc: tuple[Any, ...]) -> str:
    """The parameter a validation error is about: ``limit``, ``area``; ``body.members`` or ``body`` for the body."""
    where, rest = (loc[0], loc[1:]) if loc else ("body", ())
    names = [str(p) for p in rest if not isinstance(p, int)]
    if where == "body":
        return ".".join(["body", *names])
    return ".".join(names) or str(where)


def public_base(url: str | None) -> str:
    """The public address absolute links in responses start with: ``url``, else ``PROSPERITY_PUBLIC_URL``, else
    ``http://127.0.0.1:8000``. Never taken from a request's Host header (a header must not change what others get).
    """
    import os

    text = (url or os.environ.get("PROSPERITY_PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or any(
            ord(c) < 33 for c in text):  # fmt: skip
        raise ProsperityError(f"public URL {text[:100]!r} is not an http(s) address such as https://data.example.org "
                              "(set it with --public-url or PROSPERITY_PUBLIC_URL)")  # fmt: skip
    return text


def create_app(db_path: str | Path, framework_path: str | Path | None = None, *, cache: bool = True,
               public_url: str | None = None, limits: Limits | None = None, check_every: float = 1.0,
               cache_bytes: int = 64 * 1024 * 1024, warm: bool = False) -> Any:  # fmt: skip
    """The web application over the warehouse at ``db_path`` (opened read-only) and a framework (shipped default).

    ``public_url`` is the address absolute links start with (see :func:`public_base`); ``limits`` admit expensive
    requests (default: from the ``PROSPERITY_EXPENSIVE_*`` settings); a rebuilt warehouse file is picked up within
    ``check_every`` seconds; finished responses are cached within ``cache_bytes``; ``warm`` reads every framework
    series in the background when a warehouse is opened, so no visitor waits for it (``prosperity serve``).

    Returns an ASGI application: FastAPI wrapped in the middleware of :mod:`prosperity.web.middleware`; the FastAPI
    app itself is available as ``.fastapi`` (for ``TestClient`` users that want ``app.state``).
    """
    base = public_base(public_url)
    sites = Sites(db_path, framework_path, limits=limits, check_every=check_every, warm=warm)

    threads = worker_threads()

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        sites.ensure_open()
        sites.start_warming()
        yield
        sites.close()

    app = FastAPI(title="prosperity open data API", version=__version__, openapi_url="/api/v1/openapi.json",
                  docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Official statistics, releases and assessments of a city region's growth strategies. "
                              "Every data endpoint answers JSON or CSV (format=csv). Errors: "
                              '{"ok": false, "error": "...", "status": 400}. Requests that make the server '
                              "compute (assessments not stored, as_of, groups) are limited per client: 429 with "
                              "Retry-After.")  # fmt: skip
    app.state.site, app.state.sites, app.state.public_url = sites.site, sites, base
    static = _static_files()

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def failure(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        response = error(status, message) if wants_json(request) else pages.error_page(request, status, message)
        response.headers.update(headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        msgs: dict[str, str] = {}
        for e in exc.errors():
            param = _param_of(tuple(e.get("loc", ())))
            msg = e.get("msg", "invalid value")
            form = api.FORMS.get((e.get("ctx") or {}).get("pattern", ""))
            if e.get("type") == "string_pattern_mismatch" and form:
                msg = f"{str(e.get('input'))[:40]!r} is not {form}"
            if param.split(".")[-2:-1] == ["as_of"] or param.split(".")[-1] == "as_of":  # one message for the union
                param = param.removesuffix(".date").removesuffix(".datetime")
                msg = f"{str(e.get('input'))[:40]!r} is not a date (YYYY-MM-DD) or an ISO 8601 timestamp"
            msgs.setdefault(param, f"{param}: {msg}")
        return failure(request, 400, "; ".join(msgs.values()) or "invalid request")

    @app.exception_handler(BadParameter)
    async def bad_parameter(request: Request, exc: BadParameter) -> Response:
        return failure(request, exc.status, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return failure(request, 404, str(exc))

    @app.exception_handler(ProsperityError)
    async def prosperity_error(request: Request, exc: ProsperityError) -> Response:
        return failure(request, 400, str(exc))

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> Response:
        return failure(request, 429, str(exc), {"retry-after": str(exc.retry_after)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        headers = dict(exc.headers or {})
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing at {request.url.path[:200]}"
        if exc.status_code == 405:
            allowed = allowed_methods(app, request.scope)
            headers["allow"] = ", ".join(allowed)
            detail = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
        return failure(request, exc.status_code, detail, headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return failure(request, 500, "internal error: the request could not be completed (it has been logged)")

    @app.get("/static/{name}", include_in_schema=False)
    def static_file(name: str) -> Response:
        if name not in static:
            return failure_404(name)
        body, media = static[name]
        return Response(body, media_type=media, headers={"cache-control": "public, max-age=3600"})

    def failure_404(name: str) -> Response:
        return HTMLResponse(pages.render("error.html", code=404, message="no such file", title="Not found"), status_code=404)

    app.include_router(api.router)
    app.include_router(pages.router)
    from prosperity.programmes.web import router as programmes  # imported here, as the scenarios' router is
    from prosperity.scenarios.web import router as scenarios  # imported here: the scenarios' pages build on this package

    app.include_router(programmes)
    app.include_router(scenarios)
    from prosperity.evaluate.web import router as evaluations  # imported here, like the scenarios' pages

    app.include_router(evaluations)
    from prosperity.programmes.service_web import MAX_BODY as RETURNS_BODY  # the returns service (sign-in needed)
    from prosperity.programmes.service_web import router as returns_service

    app.include_router(returns_service)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    data = DataResponses(app, max_bytes=cache_bytes, cache=cache)

    def changed(site: Site) -> None:
        app.state.site = site
        data.clear()

    sites.on_change = changed
    larger = {"/returns/": RETURNS_BODY, "/api/v1/returns/": RETURNS_BODY}
    wrapped: Any = Guard(ApiCors(Admission(data, sites)), larger=larger)
    wrapped.fastapi = app
    wrapped.state = app.state
    wrapped.responses = data
    return wrapped


def _routes(routes: Any, path: str) -> Any:
    """Every route of ``routes`` (included routers walked) with the part of ``path`` it would match."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            prefix = getattr(getattr(r, "include_context", None), "prefix", "") or ""
            if path.startswith(prefix):
                yield from _routes(inner.routes, path[len(prefix):])
        elif getattr(r, "path_regex", None) is not None:
            yield r, path


def allowed_methods(app: FastAPI, scope: dict[str, Any]) -> list[str]:
    """Every method some route answers at this path (HEAD wherever GET is), for a 405's ``Allow`` header."""
    methods: set[str] = set()
    for route, path in _routes(app.router.routes, scope.get("path", "")):
        if route.path_regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return sorted(methods, key=lambda m: order.index(m) if m in order else len(order))


def app_from_env() -> Any:
    """The application for ``PROSPERITY_DB`` (and ``PROSPERITY_FRAMEWORK``): uvicorn's factory for worker processes."""
    import os

    from prosperity.warehouse import default_db

    return create_app(default_db(), os.environ.get("PROSPERITY_FRAMEWORK") or None, warm=True)
