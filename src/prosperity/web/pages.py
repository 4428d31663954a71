"""Server-rendered pages: thin handlers that render :mod:`prosperity.web.queries` data with Jinja2 templates.

Templates are autoescaped (every one, whatever its name): framework text and publishers' metadata are data,
never markup. A publisher's or framework's URL becomes a link only through the ``http_url`` filter (http and
https addresses only); anything else is shown as text. The only ``Markup`` comes from
:mod:`prosperity.web.charts`, which escapes every text node itself.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from prosperity import __version__
from prosperity.assess.sentences import fmt, target_words
from prosperity.errors import NotFound
from prosperity.framework.model import live_publisher
from prosperity.safe import http_url
from prosperity.web import charts, methodology, postcodes, topo
from prosperity.web import queries as q
from prosperity.web.api import WH, AsOf, site_of
from prosperity.web.site import Site

router = APIRouter(include_in_schema=False)
HOME_AREA = q.HOME_AREA


def _date(iso: str | None) -> str:
    if not iso:
        return "date not given"
    try:
        d = date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{d.day} {d:%B %Y}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:+.1%}"


_MD_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(([^)\s]{1,500})\)")


def linked(text: str | None) -> Markup:
    """A publisher's text with its Markdown links (``[words](https://…)``) as links: the reader sees the words."""
    out, last = [], 0
    for m in _MD_LINK.finditer(text or ""):
        url = http_url(m.group(2))
        out.append(escape((text or "")[last:m.start()]))
        out.append(Markup('<a href="{}" rel="external noopener">{}</a>').format(url, m.group(1)) if url
                   else escape(m.group(0)))  # fmt: skip
        last = m.end()
    out.append(escape((text or "")[last:]))
    return Markup("").join(out)


@cache
def env() -> Environment:
    e = Environment(loader=PackageLoader("prosperity.web", "templates"), autoescape=True, trim_blocks=True,
                    lstrip_blocks=True)  # fmt: skip
    e.globals.update(version=__version__, buckets=q.STATUS_BUCKETS, judged=q.st.JUDGED, status_class=q.status_class,
                     urlencode=urlencode, target_words=target_words,
                     publisher_of=live_publisher)  # fmt: skip
    e.filters.update(date=_date, pct=_pct, fmt=fmt, value_text=q.value_text, number=q.number_text, http_url=http_url,
                     linked=linked)
    return e


def render(template: str, **ctx: Any) -> str:
    return env().get_template(template).render(**ctx)


def page(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(render(template, **ctx), status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page("error.html", status=status, code=status, message=message, title={400: "Bad request", 404: "Not found"}.get(
        status, "Error"))  # fmt: skip


@router.get("/")
def home(request: Request, wh: WH, area: str | None = Query(None, max_length=12)) -> HTMLResponse:
    data = q.strategies(site_of(request), wh, with_themes=True, area=area or None)
    name = wh.area(area)["name"] if area else None
    lead = q.headline(site_of(request), wh, area or None)
    found = q.findings(site_of(request), wh, area or None)
    return page("home.html", strategies=data, area=area, area_name=name, nav="home", lead=lead, found=found,
                title=f"How {name} is doing" if name else "How the city region is doing")  # fmt: skip


@router.get("/outcomes/{outcome_id}")
def outcome(request: Request, wh: WH, outcome_id: str, area: str | None = Query(None, max_length=12),
            as_of: AsOf = None) -> HTMLResponse:  # fmt: skip
    data = q.outcome(site_of(request), wh, outcome_id, area, as_of)
    return page("outcome.html", o=data, title=data["title"])


@router.get("/indicators")
def indicators(request: Request, wh: WH, search: str | None = Query(None, max_length=100)) -> HTMLResponse:
    frameworks = q.framework_indicators(site_of(request), wh, search)
    return page("indicators.html", frameworks=frameworks, search=search or "", title="Indicators", nav="indicators")


def _year_x(text: str | None) -> float | None:
    if not text:
        return None
    parts = str(text).split("-")
    year = int(parts[0])
    if len(parts) == 1:
        return year + 0.5
    return year + (int(parts[1]) - 0.5) / 12


def indicator_chart(d: dict[str, Any]) -> tuple[Any, list[dict[str, str]]]:
    """The chart of an indicator page and its legend entries."""
    a, lines = d["assessment"] or {}, d["lines"]
    unit = d["unit"]
    chart_lines: list[charts.Line] = []
    legend = []
    for p in lines.get("peers", []):
        chart_lines.append(charts.Line(p["name"], p["points"], "peer"))
    if lines.get("peers"):
        legend.append({"cls": "peer", "label": f"Peers: {lines['peer_group']}"})
    if lines.get("benchmark"):
        chart_lines.append(charts.Line(lines["benchmark_name"], lines["benchmark"], "benchmark"))
        legend.append({"cls": "benchmark", "label": lines["benchmark_name"]})
    chart_lines.append(charts.Line(d["area_name"], lines.get("main", []), "main", lines.get("band", [])))
    legend.insert(0, {"cls": "main", "label": d["area_name"]})
    if lines.get("band"):
        legend.insert(1, {"cls": "band", "label": "95% confidence interval"})
    markers = []
    for t in a.get("targets", []):
        x, v = _year_x(t.get("date")), t.get("resolved_value")
        if x is None or v is None or t["kind"] in ("close_gap", "ratio_to_benchmark"):
            continue  # a target on the benchmark's scale (benchmark = 100) is not drawn on the indicator's axis
        label = f"Target: {t.get('resolved') or t['kind']}" + (" (superseded)" if t.get("superseded_by") else "")
        markers.append(charts.Marker(label, x, v, "target superseded" if t.get("superseded_by") else "target"))
        if t.get("superseded_by") or not lines.get("main"):
            continue
        x0, v0 = lines["main"][-1]
        if t.get("projected_value") is not None:
            end = (x, t["projected_value"])
        elif t.get("projected_year"):
            end = (t["projected_year"] + 0.5, v)
        else:
            continue
        chart_lines.append(charts.Line(f"Projected on the recent trend ({t.get('method_name') or t.get('method')})",
                                       [(x0, v0), end], "projection"))  # fmt: skip
        legend.append({"cls": "projection", "label": "Projection on the recent trend"})
    if markers:
        legend.append({"cls": "target", "label": "Target"})
    desc = (f"{d['label']} in {d['area_name']}, {len(lines.get('main', []))} periods"
            + (f", with {lines['benchmark_name']} for comparison" if lines.get("benchmark") else "")
            + ". The same figures are in the table below.")  # fmt: skip
    ra = (d.get("assessment") or {}).get("read_area")
    where = f"{ra['name']}, standing in for {d['area_name']}" if ra else d["area_name"]
    svg = charts.line_chart(chart_lines, markers, title=f"{d['label']}, {where} ({unit})", desc=desc,
                            y_label=unit, chart_id="series-chart")  # fmt: skip
    return svg, legend


LA_LEVELS = ("metropolitan-district", "unitary-authority", "non-metropolitan-district", "london-borough",
             "council-area", "district")


def region_of(wh: Any, code: str) -> tuple[str, str, list[str]] | None:
    """The English region (or nation, outside England) containing ``code``, and its local authorities."""
    rows = wh.query("""SELECT a.code, a.name FROM area_parents p JOIN areas a ON a.code = p.parent
                       WHERE p.child = ? AND a.level IN ('region', 'nation') ORDER BY a.level = 'nation', p.depth
                       LIMIT 1""", [code])  # fmt: skip
    if not rows:
        return None
    region = rows[0]
    las = wh.query(f"""SELECT DISTINCT a.code FROM area_parents p JOIN areas a ON a.code = p.child
                       WHERE p.parent = ? AND a.level IN ({', '.join('?' * len(LA_LEVELS))})""",
                   [region["code"], *LA_LEVELS])  # fmt: skip
    return region["code"], region["name"], sorted(r["code"] for r in las)


def _map(site: Site, wh: Any, data: dict[str, Any] | None, area: str, label: str) -> dict[str, Any] | None:
    """A choropleth of the local authorities of the area's region, with a legend and the figures as rows."""
    topology = site.topology
    if not data or not data["rows"] or topology is None or "ltla" not in topology["objects"]:
        return None
    region = site.derived.get_or(("region", area), lambda: region_of(wh, area) or region_of(wh, HOME_AREA))
    if region is None:
        return None
    region_code, region_name, las = region
    rows = [r for r in data["rows"] if r["area"] in set(las)]
    if not rows:
        return None
    values = {r["area"]: r["value"] for r in rows}

    def shapes() -> tuple[dict[str, str], dict[str, str], float]:
        found = topo.shapes_for(topology, "ltla", set(las))
        paths, height = topo.project({c: rings for c, (_, rings) in found.items()}, 480, 560)
        return paths, {c: name for c, (name, _) in found.items()}, height

    paths, names, height = site.derived.get_or(("map-shapes", region_code), shapes)
    breaks = charts.classes(list(values.values()))
    labels = {r["area"]: r["value_text"] for r in rows}
    highlight = {area} | set(site.derived.get_or(("members", area), lambda: wh.members(area)))
    svg = charts.choropleth(paths, names, values, labels, highlight, height=height, breaks=breaks,
                            title=f"Map of {label} by local authority in {region_name}, {data['period_label']}",
                            desc=f"{len(values)} local authorities of {region_name} shaded in {len(breaks) + 1} classes "
                                 "from lightest (lowest) to darkest (highest); hatched areas have no figure. The "
                                 "figures are in the table that follows the map.", chart_id="la-map")  # fmt: skip
    unit = data["unit"]
    edges = [min(values.values()), *breaks, max(values.values())]
    short = unit if unit.startswith(("£", "%")) else ""
    legend = [{"colour": charts.MAP_COLOURS[i], "label": f"{fmt(edges[i], short)} to {fmt(edges[i + 1], short)}"}
              for i in range(len(edges) - 1)]  # fmt: skip
    return {**data, "svg": svg, "legend": legend, "rows": rows, "region": region_name, "all_rows": len(data["rows"])}


@router.get("/indicators/{indicator_id}")
def indicator(request: Request, wh: WH, indicator_id: str, area: str = Query(HOME_AREA, max_length=12),
              as_of: AsOf = None) -> HTMLResponse:  # fmt: skip
    site = site_of(request)
    d = q.indicator(site, wh, indicator_id, area, as_of)
    svg = legend = None
    if d["assessment"] is not None:
        svg, legend = indicator_chart(d)
    the_map = _map(site, wh, d["map"], area, d["label"]) if d["assessment"] is not None else None
    choices = q.area_choices(site, wh)
    return page("indicator.html", d=d, a=d["assessment"], chart=svg, legend=legend, map=the_map, title=d["label"],
                area_choices=choices, downloads=_downloads(d))  # fmt: skip


def _downloads(d: dict[str, Any]) -> list[dict[str, str]]:
    base = {"area": d["area"]}
    out = [
        {"label": "This series (CSV)", "href": f"/api/v1/indicators/{d['id']}?{urlencode({**base, 'format': 'csv'})}"},
        {"label": "This series and its assessment (JSON)", "href": f"/api/v1/indicators/{d['id']}?{urlencode(base)}"},
    ]
    if d["binding"].get("warehouse"):
        out.append({"label": "Every release's values, revisions included (CSV)",
                    "href": "/api/v1/series?" + urlencode({"indicator": d["id"], "area": d["area"], "history": "true",
                                                           "format": "csv"})})  # fmt: skip
        out.append({"label": "Every local authority, latest period (CSV)",
                    "href": f"/api/v1/indicators/{d['id']}/local-authorities?format=csv"})
    return out


@router.get("/areas")
def areas(request: Request, wh: WH, search: str | None = Query(None, max_length=100)) -> HTMLResponse:
    site = site_of(request)
    notice, groups = None, []
    text = (search or "").strip()
    code = postcodes.normalise(text) if text else None
    if code:
        try:
            found = site.derived.get_or(("postcode", code), lambda: postcodes.lookup(code))
        except postcodes.PostcodeUnavailable:
            found = None
            notice = (f"The postcode {code} could not be looked up just now: the {postcodes.SOURCE} could not be "
                      "reached. Search by the name of the council instead, or try again later.")  # fmt: skip
        else:
            if found is None or not found.council:
                notice = f"The {postcodes.SOURCE} does not know the postcode {code}."
            else:
                try:
                    rows = [wh.area(found.council)]
                except NotFound:
                    rows = []
                rows += wh.query("""SELECT a.code, a.name, a.level FROM area_parents p JOIN areas a ON a.code = p.parent
                                    WHERE p.child = ? AND p.depth = 1 AND a.level = 'combined-authority'""",
                                 [found.council])  # fmt: skip
                ended = f" (a postcode no longer in use since {found.terminated[:4]})" if found.terminated else ""
                groups = [(f"The council of {code}{ended}, from the {postcodes.SOURCE}", rows)]
    elif text:
        groups = [("Areas matching your search", q.search_areas(site, wh, text))]
    else:
        current = q.current_combined_authorities(site, wh)
        every = q.areas(site, wh, level="combined-authority")
        groups = [("Combined authorities", [r for r in every if r["code"] in current]),
                  (f"{wh.area(HOME_AREA)['name']}'s councils", q.areas(site, wh, parent=HOME_AREA)),
                  ("Former combined authorities (abolished or merged)", [
                      {**r, "former": "former combined authority"} for r in every if r["code"] not in current])]
    return page("areas.html", groups=groups, search=text, notice=notice, title="Areas", nav="areas")


@router.get("/areas/{code}")
def area(request: Request, wh: WH, code: str, as_of: AsOf = None) -> HTMLResponse:
    d = q.area(site_of(request), wh, code, as_of)
    return page("area.html", d=d, title=d["name"])


@router.get("/compare")
def compare(request: Request, wh: WH, areas: Annotated[list[str] | None, Query(max_length=q.MAX_COMPARE_AREAS)] = None,
            indicators: Annotated[list[str] | None, Query(max_length=q.MAX_COMPARE_INDICATORS)] = None,
            as_of: AsOf = None) -> HTMLResponse:  # fmt: skip
    site = site_of(request)
    codes = q.split_list("areas", areas or [], q.MAX_COMPARE_AREAS)
    inds = q.split_list("indicators", indicators or [], q.MAX_COMPARE_INDICATORS)
    result = q.compare(site, wh, codes, inds, as_of) if codes and inds else None
    area_options = list(q.area_choices(site, wh))
    known = {o["code"] for o in area_options}
    area_options += [{"code": c, "name": q.area_name(wh, c), "level": "chosen", "group": "Chosen"} for c in codes
                     if c not in known]  # fmt: skip
    ind_options = sorted(({"id": s.id, "label": s.label} for s in site.specs.values()), key=lambda s: s["label"].lower())
    csv_href = ("/api/v1/assessments?" + urlencode({"area": codes[0], "format": "csv"})) if codes else None
    return page("compare.html", result=result, codes=codes, inds=inds, area_options=area_options,
                ind_options=ind_options, title="Compare areas", csv_href=csv_href, nav="compare")  # fmt: skip


@router.get("/methodology")
def methods_page(request: Request, wh: WH) -> HTMLResponse:
    site = site_of(request)
    rel = q.releases(site, wh)
    current = [r for r in rel if r["current"]]
    return page("methodology.html", methods=methodology.methods(), thresholds=methodology.thresholds(),
                status_definitions=q.st.DEFINITIONS, rule_text=q.st.RULE_TEXT,
                releases=current, all_releases=len(rel), title="Methodology and sources", nav="methodology")  # fmt: skip
