"""The open data API under ``/api/v1/``: thin handlers over :mod:`prosperity.web.queries`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from prosperity.warehouse import Warehouse
from prosperity.web import queries as q
from prosperity.web.download import TABLES, ZIP_NAME
from prosperity.web.formats import MAX_LIMIT, Json, paged, single, wanted_format
from prosperity.web.openapi import kind
from prosperity.web.site import Site

router = APIRouter(prefix="/api/v1")

#: The forms parameters take, stated in the OpenAPI document and checked before any handler runs.
ID = r"^[a-z0-9][a-z0-9._-]*$"
CODE_FORM = r"[A-Z]{1,3}[0-9A-Z]{1,8}"
CODE = f"^{CODE_FORM}$"
MEMBERS = rf"^{CODE_FORM}(,{CODE_FORM}){{1,{q.MAX_GROUP_MEMBERS - 1}}}$"
TEXT = r"^[^\x00-\x1f\x7f]*$"
NAME = r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$"  # text with something besides spaces
FILENAME = r"^[a-z0-9_.-]+$"
FORMS = {ID: "an identifier (lower-case letters, digits, '.', '_' and '-')",
         CODE: "an area code (for example E47000004)",
         MEMBERS: f"a comma-separated list of 2 to {q.MAX_GROUP_MEMBERS} area codes",
         TEXT: "text without control characters (such as line breaks)", FILENAME: "a file name",
         NAME: "a name: text without control characters, not blank"}  # fmt: skip

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page (1 to 1000).")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Rows to skip.")]
Format = Annotated[str | None, Query(pattern="^(json|csv)$", description="json (default) or csv; or send Accept: text/csv.")]
AsOf = Annotated[date | datetime | None, Query(description="As the warehouse stood on this date (YYYY-MM-DD), or "
                                                           "at this moment (an ISO 8601 timestamp).")]  # fmt: skip
AreaCode = Annotated[str, Query(pattern=CODE, max_length=12, description="An area code, e.g. E47000004.")]
Ident = Annotated[str, Path(pattern=ID, max_length=120)]
Code = Annotated[str, Path(pattern=CODE, max_length=12)]
IdQuery = Annotated[str | None, Query(pattern=ID, max_length=120)]


def site_of(request: Request) -> Site:
    """The warehouse this request was given (the current one when it arrived; see ``web.site.Sites``)."""
    return getattr(request.state, "site", None) or request.app.state.site


def public_url(request: Request, path: str) -> str:
    """An absolute URL from the configured public address, never from the request's Host header."""
    return request.app.state.public_url + path


def warehouse(request: Request) -> Iterator[Warehouse]:
    wh = site_of(request).warehouse()
    try:
        yield wh
    finally:
        wh.con.close()


WH = Annotated[Warehouse, Depends(warehouse)]
PAGED, ONE, JSON, FILE = kind("paged"), kind("one"), kind("json"), kind("file")  # what each route answers (OpenAPI)
SUMMARY_COLUMNS = list(q.summary_row({"indicator": "", "label": "", "area": "", "area_name": ""}))


@router.get("/", summary="What the API offers", openapi_extra=JSON)
def index(request: Request) -> Response:
    base = public_url(request, "/api/v1")
    return Json({"ok": True, "data": {
        "openapi": f"{base}/openapi.json",
        "endpoints": {name: f"{base}/{name}" for name in
                      ("strategies", "outcomes", "indicators", "areas", "series", "assessments", "groups", "releases",
                       "download")},
        "formats": ["json", "csv"], "paging": "limit (1-1000) and offset; the response gives total and next",
        "errors": {"ok": False, "error": "message naming the parameter", "status": 400},
    }})  # fmt: skip


@router.get("/strategies", summary="Every strategy with counts of its indicators' statuses", openapi_extra=PAGED)
def strategies(request: Request, wh: WH, limit: Limit = 100, offset: Offset = 0, format: Format = None) -> Response:
    rows = q.strategies(site_of(request), wh)
    if wanted_format(request) == "csv":
        rows = [{**{k: v for k, v in r.items() if k not in ("counts", "source")},
                 **{f"count_{k.replace(' ', '_')}": n for k, n in r["counts"].items()}} for r in rows]  # fmt: skip
    return paged(request, rows, limit, offset, "strategies")


@router.get("/strategies/{strategy_id}", summary="One strategy: themes, outcomes and status counts", openapi_extra=ONE)
def strategy(request: Request, wh: WH, strategy_id: Ident, format: Format = None) -> Response:
    site = site_of(request)
    data = q.strategy(site, wh, strategy_id)
    return single(request, data, q.outcomes(site, wh, strategy_id), f"strategy-{strategy_id}")


@router.get("/outcomes", summary="Outcomes, optionally of one strategy, with status counts", openapi_extra=PAGED)
def outcomes(request: Request, wh: WH, strategy: IdQuery = None, limit: Limit = 100,
             offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    return paged(request, q.outcomes(site_of(request), wh, strategy), limit, offset, "outcomes")


@router.get("/outcomes/{outcome_id}", summary="One outcome: its indicators with latest values and judgements",
            openapi_extra=ONE)
def outcome(request: Request, wh: WH, outcome_id: Ident, area: AreaCode | None = None, as_of: AsOf = None,
            format: Format = None) -> Response:  # fmt: skip
    data = q.outcome(site_of(request), wh, outcome_id, area, as_of)
    rows = [q.summary_row(r["assessment"]) if r["assessment"] else
            {"indicator": r["id"], "label": r["label"], "area": data["area"], "area_name": data["area_name"],
             "status": "no data", "unit": r["unit"]} for r in data["indicators"]]  # fmt: skip
    return single(request, data, rows, f"outcome-{outcome_id}", SUMMARY_COLUMNS)


@router.get("/indicators", summary="The framework's indicators with their data bindings", openapi_extra=PAGED)
def indicators(request: Request, wh: WH, search: str | None = Query(None, max_length=100, pattern=TEXT), limit: Limit = 100,
               offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    return paged(request, q.indicators(site_of(request), wh, search), limit, offset, "indicators")


@router.get("/indicators/{indicator_id}", summary="One indicator for an area: assessment, series and map data",
            openapi_extra=ONE)
def indicator(request: Request, wh: WH, indicator_id: Ident, area: AreaCode = "E47000004", as_of: AsOf = None,
              format: Format = None) -> Response:  # fmt: skip
    data = q.indicator(site_of(request), wh, indicator_id, area, as_of)
    data = {k: v for k, v in data.items() if k != "lines"}
    return single(request, data, data["series"], f"{indicator_id}-{area}")


@router.get("/indicators/{indicator_id}/local-authorities", summary="Every local authority's value for one period",
            openapi_extra=PAGED)
def indicator_las(request: Request, wh: WH, indicator_id: Ident, period: str | None = Query(None, max_length=40,
                                                                                               pattern=TEXT),
                  as_of: AsOf = None, limit: Limit = MAX_LIMIT, offset: Offset = 0,
                  format: Format = None) -> Response:  # fmt: skip
    data = q.la_values(site_of(request), wh, indicator_id, period, as_of)
    extra = {k: v for k, v in data.items() if k != "rows"}
    return paged(request, data["rows"], limit, offset, f"{indicator_id}-local-authorities", extra=extra)


@router.get("/areas", summary="Areas by level, parent or name", openapi_extra=PAGED)
def areas(request: Request, wh: WH, level: str | None = Query(None, max_length=40, pattern=ID),
          parent: str | None = Query(None, max_length=12, pattern=CODE),
          search: str | None = Query(None, max_length=100, pattern=TEXT),
          limit: Limit = 100, offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    return paged(request, q.areas(site_of(request), wh, level, parent, search), limit, offset, "areas")


@router.get("/areas/{code}", summary="An area's profile: parents, members, peers and assessments", openapi_extra=ONE)
def area(request: Request, wh: WH, code: Code, as_of: AsOf = None, format: Format = None) -> Response:
    data = q.area(site_of(request), wh, code, as_of)
    return single(request, data, data["assessments"], f"area-{code}", SUMMARY_COLUMNS)


@router.get("/series", summary="One area's published series, with every release's values if history=true",
            openapi_extra=PAGED)
def series(request: Request, wh: WH, indicator: Annotated[str, Query(pattern=ID, max_length=120)], area: AreaCode,
           breakdown: str | None = Query(None, max_length=200, pattern=TEXT), history: bool = False, as_of: AsOf = None,
           limit: Limit = MAX_LIMIT, offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    rows = q.series(site_of(request), wh, indicator, area, breakdown, history, as_of)
    return paged(request, rows, limit, offset, f"series-{indicator}-{area}")


@router.get("/assessments", summary="Assessments: of one area (stored or computed), or every stored one",
            openapi_extra=PAGED)
def assessments(request: Request, wh: WH, area: AreaCode | None = None,
                indicator: IdQuery = None, strategy: IdQuery = None,
                status: str | None = Query(None, max_length=40, pattern=TEXT), as_of: AsOf = None, limit: Limit = 100,
                offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    rows = q.assessments(site_of(request), wh, area, indicator, strategy, status, as_of)
    if wanted_format(request) == "csv":
        return paged(request, [q.summary_row(a) for a in rows], limit, offset, "assessments", SUMMARY_COLUMNS)
    return paged(request, rows, limit, offset, "assessments")


class GroupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120, pattern=NAME, description="The group's name.")
    members: list[Annotated[str, StringConstraints(pattern=CODE)]] = Field(
        min_length=2, max_length=q.MAX_GROUP_MEMBERS, description="Member area codes, each once.",
        json_schema_extra={"uniqueItems": True})  # fmt: skip
    indicator: str | None = Field(None, max_length=120, pattern=ID)
    as_of: date | datetime | None = None

    @field_validator("members")
    @classmethod
    def _distinct(cls, members: list[str]) -> list[str]:
        twice = sorted({m for m in members if members.count(m) > 1})
        if twice:
            raise ValueError(f"each member once; given more than once: {', '.join(twice)}")
        return members


def _group(request: Request, wh: Warehouse, g: GroupRequest, limit: int, offset: int) -> Response:
    rows = q.group(site_of(request), wh, g.name, [m.strip() for m in g.members], g.indicator, g.as_of)
    if wanted_format(request) == "csv":
        return paged(request, [q.summary_row(a) for a in rows], limit, offset, "group", SUMMARY_COLUMNS)
    return paged(request, rows, limit, offset, "group")


@router.get("/groups", summary="Assess a user-defined group of areas (members comma-separated)", openapi_extra=PAGED)
def group_get(request: Request, wh: WH, name: str = Query(max_length=120, pattern=NAME),
              members: str = Query(max_length=1000, pattern=MEMBERS), indicator: IdQuery = None,
              as_of: AsOf = None, limit: Limit = 100, offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    codes = q.split_list("members", members, q.MAX_GROUP_MEMBERS)
    if len(codes) < 2:
        raise q.BadParameter("members", "a group needs at least two member area codes, comma-separated")
    try:
        g = GroupRequest(name=name, members=codes, indicator=indicator, as_of=as_of)
    except ValidationError as e:
        first = e.errors()[0]
        raise q.BadParameter(".".join(str(p) for p in first["loc"][:1]) or "members", first["msg"]) from None
    return _group(request, wh, g, limit, offset)


@router.post("/groups", summary="Assess a user-defined group of areas (JSON body)", openapi_extra=PAGED)
def group_post(request: Request, wh: WH, body: Annotated[GroupRequest, Body()], limit: Limit = 100,
               offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    return _group(request, wh, body, limit, offset)


@router.get("/releases", summary="Every release loaded: checksum, publisher's release date, when loaded",
            openapi_extra=PAGED)
def releases(request: Request, wh: WH, dataset: str | None = Query(None, max_length=120, pattern=TEXT), limit: Limit = 100,
             offset: Offset = 0, format: Format = None) -> Response:  # fmt: skip
    return paged(request, q.releases(site_of(request), wh, dataset), limit, offset, "releases")


@router.get("/download", summary="Frictionless Data Package descriptor of the whole warehouse", openapi_extra=JSON)
@router.get("/download/datapackage.json", include_in_schema=False)
def datapackage(request: Request, wh: WH) -> Response:
    base = public_url(request, "/api/v1/download/")
    data: dict[str, Any] = site_of(request).downloads.descriptor(wh, base)
    data["zip"] = base + ZIP_NAME
    return Json(data)


@router.get("/download/{table}", summary="One warehouse table as CSV, or the whole warehouse as a zip", openapi_extra=FILE)
def download_table(request: Request, wh: WH, table: Annotated[str, Path(pattern=FILENAME, max_length=60)]) -> Response:
    downloads = site_of(request).downloads
    if table == ZIP_NAME:
        return FileResponse(downloads.zip(wh), media_type="application/zip", filename=ZIP_NAME)
    name = table.removesuffix(".csv")
    if name not in TABLES or not table.endswith(".csv"):
        raise q.BadParameter("table", f"unknown file {table[:60]!r}; files: "
                                      f"{', '.join(t + '.csv' for t in TABLES)}, {ZIP_NAME}", 404)  # fmt: skip
    return FileResponse(downloads.csv(wh, name), media_type="text/csv; charset=utf-8", filename=f"{name}.csv")
