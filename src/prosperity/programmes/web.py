"""Dashboard pages (``/programmes…``) and open data endpoints (``/api/v1/programmes…``) over the programme store.

The store is the one named by ``PROSPERITY_PROGRAMMES_DB`` (default ``./programmes.sqlite``), opened on first
use. Unlike the statistics warehouse it changes while the site runs (returns are imported), so every response
here is marked ``no-store`` and never kept by the site's response cache.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader

from prosperity.errors import NotFound
from prosperity.programmes import ratings as r
from prosperity.programmes.funds import funds
from prosperity.programmes.outcomes import CONTRIBUTION_NOTE, outcome_links
from prosperity.programmes.portfolio import Portfolio, exceptions, review_round
from prosperity.programmes.review import day, money, pct, share
from prosperity.programmes.store import ProgrammeStore, StoreError, rounds
from prosperity.web.api import WH, Format, site_of
from prosperity.web.formats import Json, csv_response, wanted_format
from prosperity.web.queries import BadParameter

router = APIRouter()
_lock = threading.Lock()
NO_STORE = {"cache-control": "no-store"}
RoundParam = Annotated[str | None, Query(max_length=12, pattern=r"^\d{4}-\d{2}-(H[12]|Q[1-4])$",
                                         description="Reporting round, e.g. 2025-26-H1 [default: the latest].")]  # fmt: skip
RAG_CLASS = {"green": "on-track", "amber": "worsening", "red": "off-track"}


def store_of(request: Request) -> ProgrammeStore | None:
    """The programme store (opened once), or None when no store exists yet."""
    state = request.app.state
    with _lock:
        if getattr(state, "programmes_store", None) is None:
            try:
                state.programmes_store = ProgrammeStore.open(getattr(state, "programmes_db", None), create=False)
            except StoreError:
                return None
        return state.programmes_store


@cache
def env() -> Environment:
    from prosperity.web import pages

    e = Environment(loader=ChoiceLoader([PackageLoader("prosperity.programmes", "templates"),
                                         PackageLoader("prosperity.web", "templates")]),
                    autoescape=True, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    e.globals.update(pages.env().globals)
    e.filters.update(pages.env().filters)
    e.globals.update(money=money, pct=pct, share=share, day=day, rag_class=lambda v: RAG_CLASS.get(v or "", "no-data"))
    return e


def page(template: str, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(env().get_template(template).render(**ctx), headers=NO_STORE)


def _rounds(store: ProgrammeStore) -> list[Any]:
    """Reporting rounds with returns (of published programmes only, in a shared returns service)."""
    shown = published(store)
    with store.session() as s:
        have = rounds(s)
        if shown is not None:
            from sqlalchemy import select

            from prosperity.programmes import model as m

            used = set(s.scalars(select(m.Submission.round_id).join(m.SubmissionProgramme)
                                 .where(m.SubmissionProgramme.programme_id.in_(sorted(shown)))))  # fmt: skip
            have = [x for x in have if x.id in used]
    return have


def _round(store: ProgrammeStore, wanted: str | None) -> tuple[str | None, list[str]]:
    have = [x.id for x in _rounds(store)]
    if wanted and wanted not in have:
        raise BadParameter("round", f"no returns for round {wanted}; rounds with returns: {', '.join(have) or 'none'}")
    return (wanted or (have[-1] if have else None)), have


def published(store: ProgrammeStore) -> set[str] | None:
    """The programmes the public pages may show: all (None) in a store without accounts (one analyst's machine);
    in a shared returns service (a store with accounts), those an administrator has marked public."""
    from sqlalchemy import exists, select

    from prosperity.programmes.service_model import AppUser, PublicProgramme

    with store.session() as s:
        if not s.scalar(select(exists().where(AppUser.id.is_not(None)))):
            return None
        return set(s.scalars(select(PublicProgramme.programme_id)))


def _portfolio(store: ProgrammeStore, rid: str | None) -> Portfolio | None:
    if rid is None:
        return None
    with store.session() as s:
        return review_round(s, rid, only=published(store))


def _programme_rows(store: ProgrammeStore, pf: Portfolio | None) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from prosperity.programmes import model as m
    from prosperity.programmes.store import allocations

    with store.session() as s:
        alloc = allocations(s)
        progs = list(s.scalars(select(m.Programme).order_by(m.Programme.id)))
        shown = published(store)
        progs = [p for p in progs if shown is None or p.id in shown]
        rows = []
        for p in progs:
            views = pf.by_programme().get(p.id, []) if pf else []
            t = pf.totals(views) if pf and views else None
            fund = funds().get(p.fund_id)
            rows.append({"programme": p.id, "title": p.title, "fund": p.fund_id,
                         "fund_name": fund.name if fund else p.fund_id, "lead_organisation": p.lead_organisation,
                         "area_code": p.area_code, "projects": len(p.projects),
                         "allocation_gbp": (sum(sum(v.values()) for k, v in alloc.items()
                                                if k.programme_id == p.id) / 100) or None,
                         "round": pf.round.id if pf and views else None,
                         "spent_to_date_gbp": t["spent"] / 100 if t else None,
                         "profiled_to_date_gbp": t["profile"] / 100 if t else None,
                         "forecast_outturn_year_gbp": t["outturn_year"] / 100 if t else None,
                         "budget_year_gbp": t["budget_year"] / 100 if t else None,
                         "projects_rated_red": sum(1 for v in views if r.RED in v.computed.values()) if views else None,
                         "outcomes": [o.outcome_id for o in p.outcomes]})  # fmt: skip
    return rows


# ---- pages --------------------------------------------------------------------------------------------------------
@router.get("/programmes", include_in_schema=False)
def programmes_page(request: Request, wh: WH, round: RoundParam = None) -> HTMLResponse:  # noqa: A002
    store = store_of(request)
    if store is None:
        return page("programmes.html", title="Programmes", nav="programmes", pf=None, rows=[], rounds=[], links=[],
                    exceptions=[], note=CONTRIBUTION_NOTE)  # fmt: skip
    rid, have = _round(store, round)
    pf = _portfolio(store, rid)
    rows = _programme_rows(store, pf)
    site = site_of(request)
    links = outcome_links(pf, site.fw, lambda ind, area: _assessment(site, wh, ind, area)) if pf else []
    return page("programmes.html", title="Programmes", nav="programmes", pf=pf, rows=rows, rounds=have, links=links,
                exceptions=exceptions(pf) if pf else [], note=CONTRIBUTION_NOTE)  # fmt: skip


def _assessment(site: Any, wh: Any, indicator: str, area: str) -> dict[str, Any] | None:
    a = site.assessment(wh, area, indicator)
    return a if a and a.get("value") is not None else None


@router.get("/programmes/{code}", include_in_schema=False)
def programme_page(request: Request, code: str, round: RoundParam = None) -> HTMLResponse:  # noqa: A002
    store = store_of(request)
    if store is None:
        raise NotFound(f"no programme or project {code[:80]!r}: no programme returns have been received yet")
    data = _detail(store, code, round)
    title = f"{data['code']} {data['title']}"
    fw = site_of(request).fw
    names = {k: o.title for k, o in fw.outcomes().items()} | {k: i.label for k, i in fw.indicators.items()}
    return page("programme.html", title=title, nav="programmes", d=data, names=names)


def _detail(store: ProgrammeStore, code: str, wanted: str | None) -> dict[str, Any]:
    from prosperity.programmes import model as m

    with store.session() as s:
        prog, proj = s.get(m.Programme, code), s.get(m.Project, code)
        if prog is None and proj is None:
            raise NotFound(f"no programme or project {code[:80]!r}")
        thing = prog or proj
        programme = prog or proj.programme  # type: ignore[union-attr]
        shown = published(store)
        if shown is not None and programme.id not in shown:
            raise NotFound(f"no programme or project {code[:80]!r}")
        projects = [(p.id, p.title) for p in programme.projects]
    rid, have = _round(store, wanted)
    pf = _portfolio(store, rid)
    views = [v for v in (pf.projects if pf else []) if v.code == code or (prog is not None and v.programme.id == code)]
    return {"code": code, "title": thing.title, "kind": "programme" if prog else "project", "programme": programme,
            "projects": projects, "round": rid, "rounds": have, "views": views, "pf": pf,
            "reported": bool(views)}  # fmt: skip


# ---- API ------------------------------------------------------------------------------------------------------------
def _json(data: Any) -> Response:
    return Json({"ok": True, **data}, headers=NO_STORE)


@router.get("/api/v1/programmes", summary="Programmes with allocation and, for a round, spend and ratings")
def api_programmes(request: Request, round: RoundParam = None, format: Format = None) -> Response:  # noqa: A002
    store = store_of(request)
    if store is None:
        return csv_response([], "programmes") if wanted_format(request) == "csv" else _json({"round": None, "data": []})
    rid, _ = _round(store, round)
    rows = _programme_rows(store, _portfolio(store, rid))
    if wanted_format(request) == "csv":
        resp = csv_response([{**x, "outcomes": ";".join(x["outcomes"])} for x in rows], "programmes")
        resp.headers.update(NO_STORE)
        return resp
    return _json({"round": rid, "total": len(rows), "data": rows})


@router.get("/api/v1/programmes/rounds", summary="Reporting rounds with returns")
def api_rounds(request: Request, format: Format = None) -> Response:  # noqa: A002
    store = store_of(request)
    data: list[dict[str, Any]] = []
    if store is not None:
        data = [{"round": x.id, "financial_year": x.financial_year, "period_start": x.period_start.isoformat(),
                 "period_end": x.period_end.isoformat()} for x in _rounds(store)]  # fmt: skip
    if wanted_format(request) == "csv":
        return csv_response(data, "rounds", ["round", "financial_year", "period_start", "period_end"])
    return _json({"data": data})


@router.get("/api/v1/programmes/exceptions", summary="The round's exceptions: red ratings, slips, breaches, missing returns")
def api_exceptions(request: Request, round: RoundParam = None, format: Format = None) -> Response:  # noqa: A002
    store = store_of(request)
    pf = _portfolio(store, _round(store, round)[0]) if store else None
    rows = exceptions(pf) if pf else []
    if wanted_format(request) == "csv":
        return csv_response(rows, "exceptions", ["project", "kind", "detail"])
    return _json({"round": pf.round.id if pf else None, "data": rows})


@router.get("/api/v1/programmes/{code}",
            summary="A programme's projects, or one project, as the round's return reports them")
def api_programme(request: Request, code: str, round: RoundParam = None, format: Format = None) -> Response:  # noqa: A002
    store = store_of(request)
    if store is None:
        raise NotFound(f"no programme or project {code[:80]!r}")
    d = _detail(store, code, round)
    rows = [v.as_dict() for v in d["views"]]
    if wanted_format(request) == "csv":
        flat = [{"project": x["project"], "title": x["title"], "programme": x["programme"], "round": x["round"],
                 "spent_to_date_gbp": x["spent_to_date_gbp"], "profile_to_date_gbp": x["profile_to_date_gbp"],
                 "budget_year_gbp": x["budget_year_gbp"], "forecast_outturn_year_gbp": x["forecast_outturn_year_gbp"],
                 "headroom_gbp": x["headroom_gbp"], "spend_computed": x["computed"]["spend"],
                 "spend_declared": x["declared"]["spend"], "delivery_computed": x["computed"]["delivery"],
                 "delivery_declared": x["declared"]["delivery"], "risk_computed": x["computed"]["risk"],
                 "risk_declared": x["declared"]["risk"], "disagreements": ";".join(x["disagreements"]),
                 "capital_slip_gbp": (x["capital_slip"] or {}).get("amount_gbp")} for x in rows]  # fmt: skip
        return csv_response(flat, f"programme-{code[:40]}")
    prog = d["programme"]
    return _json({"data": {"code": code, "kind": d["kind"], "title": d["title"], "programme": prog.id,
                           "fund": prog.fund_id, "round": d["round"], "projects": rows}})  # fmt: skip
