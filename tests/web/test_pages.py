"""Pages: every type renders from the real warehouse, output is escaped, headers are safe, static files are fenced."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from prosperity.web import create_app
from prosperity.web.limits import Limits
from tests.web.conftest import HOSTILE, LOOSE

PAGES = {
    "home": "/",
    "outcome": "/outcomes/gp-net-zero-emissions",
    "indicator": "/indicators/ghg-emissions-per-head",
    "indicator for a council": "/indicators/employment-rate?area=E08000012",
    "indicator without data": "/indicators/ultrafast-take-up-households",
    "indicators": "/indicators",
    "areas": "/areas",
    "area": "/areas/E47000004",
    "council": "/areas/E08000012",
    "compare": "/compare?areas=E47000004,E47000002&indicators=gva-per-hour-worked,employment-rate",
    "methodology": "/methodology",
    "home for Greater Manchester": "/?area=E47000001",
}


class Outline(HTMLParser):
    """Collects what accessibility checks need: headings, landmarks, tables, SVG titles, ids."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.th_without_scope = 0
        self.tables = self.captions = 0
        self.svgs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1
        self.tables += tag == "table"
        self.captions += tag == "caption"
        if tag == "svg":
            self.svgs.append({k: v or "" for k, v in a.items()})


def outline(html: str) -> Outline:
    o = Outline()
    o.feed(html)
    return o


@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_renders_accessible_html(client, name: str) -> None:
    r = client.get(PAGES[name])
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="en-GB">' in html
    o = outline(html)
    assert o.headings[0] == 1 and o.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(o.headings, o.headings[1:], strict=False)), o.headings  # no skipped level
    assert {"header", "nav", "main", "footer"} <= set(o.tags)
    assert 'href="#main"' in html and 'id="main"' in html  # skip link
    assert len(o.ids) == len(set(o.ids)), "duplicate ids"
    assert o.th_without_scope == 0 and o.tables == o.captions
    for svg in o.svgs:
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert " style=" not in html and "<script" not in html  # nothing the CSP would block


def test_indicator_page_has_chart_table_map_sources_and_downloads(client) -> None:
    html = client.get("/indicators/ghg-emissions-per-head").text
    assert html.count('class="chart"') == 1 and html.count('class="map"') == 1
    assert 'class="band"' not in html or "95% confidence interval" in html
    assert 'class="line benchmark"' in html and 'class="line peer"' in html
    assert 'class="marker target"' in html and 'class="line projection"' in html
    assert "<title id=\"series-chart-title\">" in html and "<desc id=\"series-chart-desc\">" in html
    assert "Department for Energy Security and Net Zero" in html and "released" in html
    assert "format=csv" in html and "/methodology#" in html


def test_indicator_with_intervals_draws_the_band(client) -> None:
    html = client.get("/indicators/employment-rate?area=E08000012").text
    assert 'class="band"' in html


def test_hostile_framework_text_is_escaped(warehouse_path, hostile_framework) -> None:
    with TestClient(create_app(warehouse_path, hostile_framework, limits=Limits(**LOOSE))) as c:
        for url in ("/", "/outcomes/gp-productivity", "/indicators/gva-per-hour-worked", "/indicators",
                    "/compare?areas=E47000004&indicators=gva-per-hour-worked", "/areas/E47000004"):  # fmt: skip
            html = c.get(url).text
            assert HOSTILE not in html, url
            assert "<script" not in html and "<img src=x" not in html, url
            assert "&lt;script&gt;" in html, url
        data = c.get("/api/v1/indicators/gva-per-hour-worked").json()["data"]
        assert data["label"].startswith(HOSTILE)  # data is returned as data, as JSON


def test_security_headers_on_pages_api_and_errors(client) -> None:
    for url in ("/", "/api/v1/strategies", "/api/v1/assessments?limit=0", "/nowhere", "/static/style.css"):
        h = client.get(url).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "strict-origin-when-cross-origin"


def test_static_files_cannot_be_escaped(client) -> None:
    assert client.get("/static/style.css").status_code == 200
    for url in ("/static/..%2Fapp.py", "/static/../app.py", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/app.py",
                "/static/templates%2Fbase.html"):  # fmt: skip
        r = client.get(url)
        assert r.status_code == 404, url
        assert "def create_app" not in r.text and "{% block" not in r.text


def test_page_errors_are_pages_not_traces(client) -> None:
    r = client.get("/indicators/nope")
    assert r.status_code == 404 and "unknown indicator" in r.text and "<main" in r.text
    r = client.get("/areas/E99999999")
    assert r.status_code == 404 and "Traceback" not in r.text
    r = client.get("/compare?areas=E47000004&indicators=nope")
    assert r.status_code == 404 and "indicators" in r.text
    r = client.get("/indicators/ghg-emissions-per-head?as_of=soon")
    assert r.status_code == 400 and "as_of" in r.text


def test_home_counts_match_the_stored_assessments(client, warehouse_path) -> None:
    import duckdb

    strategies = client.get("/api/v1/strategies").json()["data"]
    gp = next(s for s in strategies if s["id"] == "growth-plan-2025")
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        status = dict(con.execute("SELECT indicator, status FROM assessments WHERE area = 'E47000004'").fetchall())
    finally:
        con.close()
    from prosperity.framework import load_framework, shipped_framework_path

    fw = load_framework(shipped_framework_path())
    inds = sorted({r.indicator for o in fw.strategies["growth-plan-2025"].outcomes() for r in o.indicators})
    assert {"gva-per-hour-worked", "filled-jobs", "employment-rate", "ghg-emissions-per-head"} <= set(inds)
    assert gp["counts"]["off track"] == sum(status.get(i) == "off track" for i in inds)
    assert sum(gp["counts"].values()) == gp["indicators"] == len(inds)
    html = client.get("/").text
    assert f'<span class="n">{gp["counts"]["improving"]}</span> improving' in html
