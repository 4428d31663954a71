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

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from prosperity import __version__
from prosperity.errors import NotFound, ProsperityError
from prosperity.web import api, pages
from prosperity.web.download import Downloads
from prosperity.web.formats import error
from prosperity.web.middleware import Guard, ResponseCache
from prosperity.web.queries import BadParameter
from prosperity.web.site import Site

log = logging.getLogger(__name__)
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


def create_app(db_path: str | Path, framework_path: str | Path | None = None, *, cache: bool = True) -> Any:
    """The web application over the warehouse at ``db_path`` (opened read-only) and a framework (shipped default).

    Returns an ASGI application: FastAPI wrapped in the security and cache middleware; the FastAPI app itself is
    available as ``.fastapi`` (for ``TestClient`` users that want ``app.state``).
    """
    site = Site(db_path, framework_path)
    downloads = Downloads()

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # type: ignore[no-untyped-def]
        yield
        downloads.close()
        site.close()

    app = FastAPI(title="prosperity open data API", version=__version__, openapi_url="/api/v1/openapi.json",
                  docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Official statistics, releases and assessments of a city region's growth strategies. "
                              "Every data endpoint answers JSON or CSV (format=csv). Errors: "
                              '{"ok": false, "error": "...", "status": 400}.')  # fmt: skip
    app.state.site, app.state.downloads = site, downloads
    static = _static_files()

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def failure(request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return error(status, message)
        return pages.error_page(request, status, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        msgs = []
        for e in exc.errors():
            param = _param_of(tuple(e.get("loc", ())))
            msgs.append(f"{param}: {e.get('msg', 'invalid value')}")
        return failure(request, 400, "; ".join(msgs) or "invalid request")

    @app.exception_handler(BadParameter)
    async def bad_parameter(request: Request, exc: BadParameter) -> Response:
        return failure(request, exc.status, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return failure(request, 404, str(exc))

    @app.exception_handler(ProsperityError)
    async def prosperity_error(request: Request, exc: ProsperityError) -> Response:
        return failure(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing at {request.url.path[:200]}"
        return failure(request, exc.status_code, detail)

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
    from prosperity.scenarios.web import router as scenarios  # imported here: the scenarios' pages build on this package

    app.include_router(scenarios)
    wrapped: Any = Guard(ResponseCache(app) if cache else app)
    wrapped.fastapi = app
    wrapped.state = app.state
    return wrapped


def app_from_env() -> Any:
    """The application for ``PROSPERITY_DB`` (and ``PROSPERITY_FRAMEWORK``): uvicorn's factory for worker processes."""
    import os

    from prosperity.warehouse import default_db

    return create_app(default_db(), os.environ.get("PROSPERITY_FRAMEWORK") or None)
