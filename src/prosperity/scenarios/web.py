"""Scenario pages (``/scenarios``, ``/scenarios/{id}``) and their open data (``/api/v1/scenarios…``, JSON and CSV).

Scenarios are the framework's own files (``<framework>/scenarios/*.yaml``), read once; a request names a scenario by
its id, which is looked up among them, so no request ever reaches the file system. Results are computed at the
scenario's pinned vintage (and ``as_of``) and cached for the life of the process, like the site's other derived data.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader

from prosperity.errors import NotFound
from prosperity.scenarios.figures import display_tables, input_rows, scenario_charts
from prosperity.scenarios.read import ScenarioDataError
from prosperity.scenarios.run import document_titles, run_scenario
from prosperity.scenarios.spec import METHODS, LoadedScenario, ScenarioError, load_scenario, scenario_files
from prosperity.warehouse import Warehouse
from prosperity.web import pages
from prosperity.web.api import WH, AsOf, site_of
from prosperity.web.formats import MAX_LIMIT, Json, csv_response, paged, wanted_format
from prosperity.web.queries import BadParameter, check_as_of
from prosperity.web.site import Site

router = APIRouter()
Format = Annotated[str | None, Query(pattern="^(json|csv)$", description="json (default) or csv.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page (1 to 1000).")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Rows to skip.")]
METHOD_NAMES = {"gap_closure": "closing a gap", "people_gap": "a gap in people", "rd_claim": "claim check",
                "shift_share": "shift-share decomposition", "emissions": "emissions pathways"}  # fmt: skip
PARTS = ("paths", "inputs", "assumptions", "releases", "sentences")
CANNOT_RUN: dict[int | str, dict[str, Any]] = {409: {"description": "The scenario cannot be run on the statistics held."}}


@cache
def env() -> Environment:
    base = pages.env()
    e = Environment(loader=ChoiceLoader([PackageLoader("prosperity.scenarios", "templates"), base.loader]),
                    autoescape=True, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    e.globals.update(base.globals, method_names=METHOD_NAMES)
    e.filters.update(base.filters)
    return e


def page(template: str, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(env().get_template(template).render(**ctx))


class Catalogue:
    """The framework's scenario files: each loaded, or the problems that stop it loading."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.loaded: dict[str, LoadedScenario] = {}
        self.broken: list[dict[str, str]] = []
        for p in scenario_files(folder):
            try:
                ls = load_scenario(p)
            except ScenarioError as e:
                self.broken.append({"file": p.name, "problems": "; ".join(e.problems)})
                continue
            if ls.spec.id in self.loaded:
                self.broken.append({"file": p.name, "problems": f"the id {ls.spec.id!r} is used by another scenario"})
                continue
            self.loaded[ls.spec.id] = ls


def catalogue(site: Site) -> Catalogue:
    folder = (site.framework_path if site.framework_path.is_dir() else site.framework_path.parent) / "scenarios"
    return site.derived.get_or(("scenarios", str(folder)), lambda: Catalogue(folder))


def outcome(site: Site, wh: Warehouse, scenario_id: str, as_of: str | None = None) -> dict[str, Any]:
    """``{"result": …}`` for a scenario that runs, or ``{"error": …, "missing": bool}`` for one that cannot."""
    cat = catalogue(site)
    loaded = cat.loaded.get(scenario_id)
    if loaded is None:
        raise NotFound(f"no scenario {scenario_id[:80]!r}; /api/v1/scenarios lists them")

    def make() -> dict[str, Any]:
        if as_of is not None:
            site.expensive("a scenario as of a date")  # limited like every as_of request (web.limits)
        titles = site.derived.get_or(("document-titles",), lambda: document_titles(site.fw))
        try:
            return {"result": run_scenario(wh, loaded, as_of, titles=titles)}
        except ScenarioDataError as e:
            return {"error": str(e), "missing": e.missing}

    return site.derived.get_or(("scenario", scenario_id, as_of), make)


def summary(site: Site, wh: Warehouse, ls: LoadedScenario, as_of: str | None = None) -> dict[str, Any]:
    spec = ls.spec
    got = outcome(site, wh, spec.id, as_of)
    res = got.get("result")
    return {"id": spec.id, "title": spec.title, "method": spec.method, "method_name": METHOD_NAMES[spec.method],
            "claim": spec.claim.text.strip() if spec.claim else None, "horizon": spec.horizon,
            "runs": res is not None, "headline": (res["sentences"][:2] if res else []),
            "cannot_run": None if res else reader_reason(spec.method, got)}  # fmt: skip


def reader_reason(method: str, got: dict[str, Any]) -> str:
    """Why a scenario cannot be run, in the reader's words (the detail goes to the API's ``error``)."""
    if got.get("missing"):
        role = got["error"].split(":", 1)[0].removeprefix("inputs.")
        what = METHODS[method]["inputs"].get(role, "a statistic it needs")
        return (f"It needs {what}, a statistic that is served live by its publisher and is not held at "
                "present.")  # fmt: skip
    return "A figure it needs is not held for the period or release it names: " + got["error"]


def _as_of(as_of: str | None) -> str | None:
    return check_as_of(as_of)


# ---- pages -------------------------------------------------------------------------------------------------------
@router.get("/scenarios", include_in_schema=False)
def scenarios_page(request: Request, wh: WH) -> HTMLResponse:
    site = site_of(request)
    cat = catalogue(site)
    rows = [summary(site, wh, ls) for ls in cat.loaded.values()]
    return page("scenarios.html", rows=rows, broken=cat.broken, title="Scenarios: what it would take", nav="scenarios")


@router.get("/scenarios/{scenario_id}", include_in_schema=False)
def scenario_page(request: Request, wh: WH, scenario_id: str, as_of: AsOf = None) -> HTMLResponse:
    site = site_of(request)
    as_of = _as_of(as_of)
    got = outcome(site, wh, scenario_id, as_of)
    ls = catalogue(site).loaded[scenario_id]
    res = got.get("result")
    figs = scenario_charts(res) if res else []
    q = f"?as_of={as_of}" if as_of else ""
    downloads = [{"label": "Everything: inputs, assumptions, results and releases (JSON)",
                  "href": f"/api/v1/scenarios/{scenario_id}{q}"}]  # fmt: skip
    if res:
        sep = "&" if q else "?"
        downloads += [{"label": f"The {part} (CSV)", "href": f"/api/v1/scenarios/{scenario_id}/{part}{q}{sep}format=csv"}
                      for part in ("paths", "inputs", "assumptions", "releases") if res.get(part)]  # fmt: skip
        downloads += [{"label": f"Table: {name.replace('_', ' ')} (CSV)",
                       "href": f"/api/v1/scenarios/{scenario_id}/{name}{q}{sep}format=csv"} for name in res["tables"]]
    return page("scenario.html", s=ls.spec, r=res, figs=figs, downloads=downloads, title=ls.spec.title,
                tables=display_tables(res) if res else [], inputs=input_rows(res) if res else [],
                cannot_run=None if res else reader_reason(ls.spec.method, got), nav="scenarios")  # fmt: skip


# ---- API ---------------------------------------------------------------------------------------------------------
@router.get("/api/v1/scenarios", summary="The framework's scenarios, and whether each runs on the statistics held")
def api_scenarios(request: Request, wh: WH, limit: Limit = 100, offset: Offset = 0, format: Format = None) -> Response:
    site = site_of(request)
    rows = []
    for ls in catalogue(site).loaded.values():
        srow = summary(site, wh, ls)
        srow["headline"] = " ".join(srow["headline"])
        srow["href"] = f"/api/v1/scenarios/{ls.spec.id}"
        rows.append(srow)
    return paged(request, rows, limit, offset, "scenarios")


@router.get("/api/v1/scenarios/{scenario_id}", responses=CANNOT_RUN,
            summary="A scenario's result: inputs with releases, assumptions, results, paths (CSV: the paths)")
def api_scenario(request: Request, wh: WH, scenario_id: str, as_of: AsOf = None, format: Format = None) -> Response:
    got = outcome(site_of(request), wh, scenario_id, _as_of(as_of))
    if "error" in got:
        raise BadParameter("scenario_id", f"the scenario cannot be run on the statistics held: {got['error']}", 409)
    if wanted_format(request) == "csv":
        return csv_response(got["result"]["paths"], f"scenario-{scenario_id}-paths", ["series", "role", "year", "value"])
    return Json({"ok": True, "data": got["result"]})


@router.get("/api/v1/scenarios/{scenario_id}/{part}", responses=CANNOT_RUN,
            summary="One part of a scenario's result as rows: paths, inputs, assumptions, releases, sentences or a table")
def api_scenario_part(request: Request, wh: WH, scenario_id: str, part: str, as_of: AsOf = None, limit: Limit = MAX_LIMIT,
                      offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    got = outcome(site_of(request), wh, scenario_id, _as_of(as_of))
    if "error" in got:
        raise BadParameter("scenario_id", f"the scenario cannot be run on the statistics held: {got['error']}", 409)
    res = got["result"]
    if part in PARTS:
        rows = res[part]
        if part == "sentences":
            rows = [{"sentence": s} for s in rows]
    elif part in res["tables"]:
        rows = res["tables"][part]
    else:
        known = ", ".join([*PARTS, *res["tables"]])
        raise BadParameter("part", f"{part[:40]!r} is not a part of this scenario's result; one of {known}", 404)
    return paged(request, rows, limit, offset, f"scenario-{scenario_id}-{part}")
