"""Evaluation pages (``/evaluations…``) and their API (``/api/v1/evaluations…``), included with one line in the app.

Nothing here computes an evaluation: ``prosperity build`` computes each one once, when the figures change, and
stores it beside them (:mod:`prosperity.evaluate.store`); a page reads what was stored for the releases it
stands at (``as_of`` an earlier date reads the result of the releases loaded by then). Where nothing is stored,
the page says so plainly instead of computing for a minute while the reader waits.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from prosperity.errors import NotFound, ProsperityError
from prosperity.evaluate.charts import gap_chart, paths_chart, placebo_chart
from prosperity.evaluate.spec import SLUG, LoadedSpec, load_spec, shipped_evaluations
from prosperity.evaluate.store import Stored, lookup, not_stored_text
from prosperity.evaluate.tables import ESTIMATE_COLUMNS, estimate_rows
from prosperity.warehouse import Warehouse
from prosperity.web.api import WH, AsOf, site_of
from prosperity.web.formats import Json, csv_response, wanted_format
from prosperity.web.queries import check_as_of

router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1")
EvaluationId = PathParam(pattern=SLUG[1:-1].join("^$"), max_length=80, description="An evaluation id, e.g. town-deals-2021.")


def specs(site: Any) -> dict[str, LoadedSpec | str]:
    """Every evaluation file beside the site's framework, by id; a broken file gives its error text instead."""
    out: dict[str, LoadedSpec | str] = {}
    for p in shipped_evaluations(site.framework_path):
        try:
            s = load_spec(p)
            out[s.spec.id] = s
        except ProsperityError as e:
            out[p.stem] = str(e)
    return out


def spec_of(site: Any, ev_id: str) -> LoadedSpec:
    found = specs(site).get(ev_id)
    if found is None:
        raise NotFound(f"no evaluation {ev_id!r}; /evaluations lists them")
    if isinstance(found, str):
        raise ProsperityError(f"the evaluation file is broken: {found}")
    return found


def stored(site: Any, wh: Warehouse, loaded: LoadedSpec, as_of: str | None) -> Stored:
    """What the build stored for this evaluation at this vintage (read once per opened warehouse, then cached)."""
    moment = site.as_of(wh, as_of)
    return site.derived.get_or(("evaluation", loaded.spec.id, loaded.digest, moment),
                               lambda: lookup(wh, loaded, as_of))  # fmt: skip


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
    rows = [_summary(k, v) for k, v in sorted(specs(site_of(request)).items())]
    return HTMLResponse(render("evaluations.html", evaluations=rows, title="Evaluations", nav="evaluations"))


@pages.get("/evaluations/{ev_id}")
def evaluation_page(request: Request, wh: WH, ev_id: str = EvaluationId, as_of: AsOf = None) -> HTMLResponse:
    site = site_of(request)
    loaded = spec_of(site, ev_id)
    when = check_as_of(as_of)
    found = stored(site, wh, loaded, when)
    if found.result is None:
        html = render("evaluation_absent.html", s=_summary(ev_id, loaded), message=not_stored_text(found, when),
                      title=loaded.spec.title, nav="evaluations")  # fmt: skip
        return HTMLResponse(html, headers={"cache-control": "no-store"})
    r = found.result
    html = render("evaluation.html", r=r, charts=charts_for(r), rows=estimate_rows(r), title=r["title"],
                  nav="evaluations", finite=math.isfinite)  # fmt: skip
    return HTMLResponse(html)


@api.get("/evaluations", summary="The evaluation files beside the framework")
def evaluations_api(request: Request) -> Response:
    rows = [_summary(k, v) for k, v in sorted(specs(site_of(request)).items())]
    if wanted_format(request) == "csv":
        flat = [{k: (", ".join(v) if isinstance(v, list) else v) for k, v in r.items() if k != "windows"} for r in rows]
        return csv_response(flat, "evaluations")
    return Json({"ok": True, "total": len(rows), "data": rows})


@api.get("/evaluations/{ev_id}", summary="One evaluation's stored result: estimates, diagnostics, releases "
         "(404 with the reason when none is stored for these figures)")  # fmt: skip
def evaluation_api(request: Request, wh: WH, ev_id: str = EvaluationId, as_of: AsOf = None) -> Response:
    site = site_of(request)
    loaded = spec_of(site, ev_id)
    when = check_as_of(as_of)
    found = stored(site, wh, loaded, when)
    if found.result is None:  # in the error envelope: the plain reason, then the technical one where there is one
        detail = f" Reason: {found.message}" if found.message else ""
        return Json({"ok": False, "error": not_stored_text(found, when) + detail, "status": 404}, status_code=404,
                    headers={"cache-control": "no-store"})  # fmt: skip
    if wanted_format(request) == "csv":
        return csv_response(estimate_rows(found.result), f"evaluation-{ev_id}", ESTIMATE_COLUMNS)
    return Json({"ok": True, "status": "done", "data": found.result})


router.include_router(pages)
router.include_router(api)
