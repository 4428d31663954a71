"""Evaluation pages and API over the shipped evaluations (results injected from the session's run)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from prosperity.evaluate.report import render_section
from prosperity.evaluate.spec import load_spec
from prosperity.evaluate.web import Runs
from prosperity.web import create_app


@pytest.fixture(scope="module")
def client(warehouse_path, results, shipped):
    app = create_app(warehouse_path, cache=False)
    runs = Runs(app.state.site)
    for key, path in shipped.items():
        loaded = load_spec(path)
        runs.results[(loaded.spec.id, loaded.digest)] = results[key]
    app.state.evaluations = runs
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_index_lists_the_evaluations(client) -> None:
    r = client.get("/evaluations")
    assert r.status_code == 200
    assert "Town Deals" in r.text and "/evaluations/lcr-devolution-2017" in r.text
    api = client.get("/api/v1/evaluations").json()
    assert api["ok"] and {e["id"] for e in api["data"]} == {"lcr-devolution-2017", "town-deals-2021"}


def test_page_shows_estimate_charts_diagnostics_and_sources(client) -> None:
    r = client.get("/evaluations/town-deals-2021")
    assert r.status_code == 200
    html = r.text
    assert "What the figures can and cannot say" in html and "Placebo test" in html
    assert html.count('<svg class="chart"') >= 12  # paths for every estimate, gaps and placebos where estimated
    assert "Maryland level" in html and "Balance before the start" in html and "Pre-trend test" in html
    assert "Office for National Statistics" in html
    for word in ("sha256", "els/", "warehouse"):
        assert word not in html.split("<main", 1)[1]


def test_api_json_and_csv(client) -> None:
    j = client.get("/api/v1/evaluations/lcr-devolution-2017").json()
    assert j["ok"] and j["data"]["id"] == "lcr-devolution-2017" and j["data"]["estimates"]
    c = client.get("/api/v1/evaluations/lcr-devolution-2017?format=csv")
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert c.headers["content-type"].startswith("text/csv") and len(rows) == 4
    assert client.get("/api/v1/evaluations/nothing-here").status_code == 404
    assert client.get("/evaluations/..%2Fetc").status_code in (400, 404)


def test_a_run_not_yet_done_says_so(warehouse_path) -> None:
    app = create_app(warehouse_path, cache=False)
    app.state.evaluations = Runs(app.state.site)
    app.state.evaluations.running.add(("town-deals-2021", load_spec(
        app.state.evaluations.site.framework_path / "evaluations" / "town-deals-2021.yaml").digest))
    with TestClient(app) as c:
        r = c.get("/evaluations/town-deals-2021")
        assert r.status_code == 200 and "being run now" in r.text and r.headers["refresh"] == "10"
        assert c.get("/api/v1/evaluations/town-deals-2021").status_code == 202


def test_report_section(results) -> None:
    html = str(render_section(results["town-deals-2021"]))
    assert "<section" in html and "Town Deals" in html and "Maryland" in html
