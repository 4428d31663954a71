"""Evaluation pages (``/evaluations…``) and their API (``/api/v1/evaluations…``), included with one line in the app.

An evaluation takes from seconds to a couple of minutes to run (hundreds of placebo fits), so a page never
waits for one: the first request starts it in a background thread and shows that it is running (the page
asks the browser to reload itself); once done, the result is kept for the life of the process, keyed by the
evaluation file's digest and the vintage, like every other derived figure the site caches.
"""

from __future__ import annotations

import logging
import math
import threading
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from prosperity.errors import NotFound, ProsperityError
from prosperity.evaluate.charts import gap_chart, paths_chart, placebo_chart
from prosperity.evaluate.spec import SLUG, LoadedSpec, load_spec, shipped_evaluations
from prosperity.evaluate.tables import ESTIMATE_COLUMNS, estimate_rows
from prosperity.web.formats import Json, csv_response, wanted_format

log = logging.getLogger(__name__)
router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1")
EvaluationId = PathParam(pattern=SLUG[1:-1].join("^$"), max_length=80, description="An evaluation id, e.g. town-deals-2021.")


class Runs:
    """Evaluations of one site: the files, and each result once computed (a background thread per run)."""

    def __init__(self, site: Any):
        self.site = site
        self.lock = threading.Lock()
        self.results: dict[tuple[str, str], dict[str, Any]] = {}
        self.errors: dict[tuple[str, str], str] = {}
        self.running: set[tuple[str, str]] = set()

    def specs(self) -> dict[str, LoadedSpec | str]:
        """Every evaluation file beside the framework, by id; a broken file gives its error text instead."""
        out: dict[str, LoadedSpec | str] = {}
        for p in shipped_evaluations(self.site.framework_path):
            try:
                s = load_spec(p)
                out[s.spec.id] = s
            except ProsperityError as e:
                out[p.stem] = str(e)
        return out

    def spec(self, ev_id: str) -> LoadedSpec:
        found = self.specs().get(ev_id)
        if found is None:
            raise NotFound(f"no evaluation {ev_id!r}; /evaluations lists them")
        if isinstance(found, str):
            raise ProsperityError(f"the evaluation file is broken: {found}")
        return found

    def compute(self, loaded: LoadedSpec) -> dict[str, Any]:
        """Run now, in this thread (used by the background runner, the CLI-free API and tests)."""
        from prosperity.evaluate.run import evaluate

        key = (loaded.spec.id, loaded.digest)
        if key in self.results:
            return self.results[key]
        wh = self.site.warehouse()
        try:
            result = evaluate(wh, loaded, mirror=_mirror())
        finally:
            wh.con.close()
        with self.lock:
            self.results[key] = result
        return result

    def get(self, loaded: LoadedSpec) -> tuple[str, dict[str, Any] | str | None]:
        """``("done", result)``, ``("failed", message)`` or ``("running", None)`` (starting the run if needed)."""
        key = (loaded.spec.id, loaded.digest)
        with self.lock:
            if key in self.results:
                return "done", self.results[key]
            if key in self.errors:
                return "failed", self.errors[key]
            if key in self.running:
                return "running", None
            self.running.add(key)

        def work() -> None:
            try:
                self.compute(loaded)
            except ProsperityError as e:
                with self.lock:
                    self.errors[key] = str(e)
            except Exception:  # a bug: logged, and the page says so without a traceback
                log.exception("evaluation %s failed", loaded.spec.id)
                with self.lock:
                    self.errors[key] = "the evaluation could not be completed (the error has been logged)"
            finally:
                with self.lock:
                    self.running.discard(key)

        threading.Thread(target=work, name=f"evaluate-{loaded.spec.id}", daemon=True).start()
        return "running", None


def _mirror() -> Path | None:
    import os

    m = os.environ.get("PROSPERITY_MIRROR")
    return Path(m) if m else None


def runs_of(request: Request) -> Runs:
    state = request.app.state
    with _STATE_LOCK:
        if not hasattr(state, "evaluations"):
            state.evaluations = Runs(state.site)
    return state.evaluations


_STATE_LOCK = threading.Lock()


@cache
def env() -> Environment:
    from prosperity.web import pages as site_pages

    base = site_pages.env()
    e = base.overlay(loader=ChoiceLoader([PackageLoader("prosperity.evaluate", "templates"), base.loader]))
    return e


def render(template: str, **ctx: Any) -> str:
    return env().get_template(template).render(**ctx)


def _summary(ev_id: str, s: LoadedSpec | str) -> dict[str, Any]:
    if isinstance(s, str):
        return {"id": ev_id, "title": ev_id, "broken": s}
    sp = s.spec
    return {"id": sp.id, "title": sp.title, "question": sp.question, "intervention": sp.intervention.name,
            "treated": [t.area for t in sp.treated], "outcomes": [o.indicator for o in sp.outcomes],
            "methods": list(sp.methods), "windows": sp.windows.model_dump(mode="json"), "file_sha256": s.digest}  # fmt: skip


def charts_for(result: dict[str, Any]) -> list[dict[str, Markup]]:
    """Per estimate (same order as the result's), the synthetic-vs-actual, gap and placebo charts as inline SVG."""
    out = []
    for i, e in enumerate(result["estimates"]):
        sc = next((r for r in e["results"] if r["method"] == "synthetic-control"), None)
        charts: dict[str, Markup] = {}
        if sc is not None:
            charts["paths"] = paths_chart(e, sc, f"ev{i}-paths")
            if not sc.get("refused"):
                charts["gaps"] = gap_chart(e, sc, f"ev{i}-gaps")
                charts["placebos"] = placebo_chart(e, sc, f"ev{i}-placebos")
        out.append(charts)
    return out


@pages.get("/evaluations")
def evaluations_page(request: Request) -> HTMLResponse:
    specs = runs_of(request).specs()
    rows = [_summary(k, v) for k, v in sorted(specs.items())]
    return HTMLResponse(render("evaluations.html", evaluations=rows, title="Evaluations", nav="evaluations"))


@pages.get("/evaluations/{ev_id}")
def evaluation_page(request: Request, ev_id: str = EvaluationId) -> HTMLResponse:
    runs = runs_of(request)
    loaded = runs.spec(ev_id)
    state, found = runs.get(loaded)
    if state != "done":
        html = render("evaluation_running.html", s=_summary(ev_id, loaded), state=state, message=found,
                      title=loaded.spec.title, nav="evaluations")  # fmt: skip
        return HTMLResponse(html, status_code=200 if state == "running" else 500,
                            headers={"cache-control": "no-store", **({"refresh": "10"} if state == "running" else {})})
    assert isinstance(found, dict)
    html = render("evaluation.html", r=found, charts=charts_for(found), rows=estimate_rows(found),
                  title=found["title"], nav="evaluations", finite=math.isfinite)  # fmt: skip
    return HTMLResponse(html)


@api.get("/evaluations", summary="The evaluation files beside the framework")
def evaluations_api(request: Request) -> Response:
    rows = [_summary(k, v) for k, v in sorted(runs_of(request).specs().items())]
    if wanted_format(request) == "csv":
        flat = [{k: (", ".join(v) if isinstance(v, list) else v) for k, v in r.items() if k != "windows"} for r in rows]
        return csv_response(flat, "evaluations")
    return Json({"ok": True, "total": len(rows), "data": rows})


@api.get("/evaluations/{ev_id}", summary="One evaluation's result: estimates, diagnostics, releases (202 while it runs)")
def evaluation_api(request: Request, ev_id: str = EvaluationId) -> Response:
    runs = runs_of(request)
    loaded = runs.spec(ev_id)
    state, found = runs.get(loaded)
    if state == "running":
        return Json({"ok": True, "status": "running", "data": None}, status_code=202,
                    headers={"retry-after": "10", "cache-control": "no-store"})  # fmt: skip
    if state == "failed":
        return Json({"ok": False, "error": str(found), "status": 500}, status_code=500)
    assert isinstance(found, dict)
    if wanted_format(request) == "csv":
        return csv_response(estimate_rows(found), f"evaluation-{ev_id}", ESTIMATE_COLUMNS)
    return Json({"ok": True, "status": "done", "data": found})


router.include_router(pages)
router.include_router(api)
