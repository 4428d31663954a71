"""Evaluation pages, API and report section over the results the build stored (nothing computed on a request)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from prosperity.evaluate.report import render_report_section, render_section, report_section
from prosperity.warehouse import Warehouse
from prosperity.web import create_app


@pytest.fixture(scope="module")
def client(warehouse_path):
    app = create_app(warehouse_path, cache=False)
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


def test_devolution_page_discloses_the_rule_added_after_the_result(client) -> None:
    html = client.get("/evaluations/lcr-devolution-2017").text
    assert "after this result had been seen" in html and "rules fixed beforehand" in html


def test_api_json_and_csv(client) -> None:
    j = client.get("/api/v1/evaluations/lcr-devolution-2017").json()
    assert j["ok"] and j["data"]["id"] == "lcr-devolution-2017" and j["data"]["estimates"]
    c = client.get("/api/v1/evaluations/lcr-devolution-2017?format=csv")
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert c.headers["content-type"].startswith("text/csv") and len(rows) == 4
    assert client.get("/api/v1/evaluations/nothing-here").status_code == 404
    assert client.get("/evaluations/..%2Fetc").status_code in (400, 404)


def test_as_of_reads_the_result_of_the_releases_then(client) -> None:
    # Both shipped files are frozen to releases by checksum, so any date reads the same stored result …
    a = client.get("/api/v1/evaluations/town-deals-2021?as_of=2030-01-01").json()
    assert a["ok"] and a["data"]["id"] == "town-deals-2021"
    # … and a malformed date is the reader's mistake, named.
    bad = client.get("/api/v1/evaluations/town-deals-2021?as_of=yesterday")
    assert bad.status_code in (400, 422) and "as_of" in bad.text


def test_an_evaluation_not_stored_says_so_without_computing(warehouse_path: Path, edited_framework: Path) -> None:
    app = create_app(warehouse_path, edited_framework, cache=False)
    with TestClient(app) as c:
        r = c.get("/evaluations/lcr-devolution-2017")
        assert r.status_code == 200 and "have not been computed for the figures this site holds" in r.text
        assert "Edited, the Liverpool City Region" in r.text and '<svg class="chart"' not in r.text
        j = c.get("/api/v1/evaluations/lcr-devolution-2017")
        assert j.status_code == 404 and "have not been computed" in j.json()["error"]
        assert c.get("/evaluations/town-deals-2021").status_code == 200  # unchanged file: its stored result


def test_report_section_reads_stored_results_only(warehouse_path: Path, edited_framework: Path, results) -> None:
    with Warehouse.open(warehouse_path) as wh:
        section = report_section(wh)
        edited = report_section(wh, edited_framework)
    assert [s["id"] for s in section] == ["lcr-devolution-2017", "town-deals-2021"]
    assert all(s["status"] == "done" and s["rows"] for s in section)
    html = str(render_report_section(section))
    assert html.count("<section") == 2 and "Town Deals" in html and "Maryland" in html
    by = {s["id"]: s for s in edited}
    assert by["lcr-devolution-2017"]["status"] == "absent" and by["town-deals-2021"]["status"] == "done"
    assert "have not been computed" in str(render_report_section(edited))
    assert "<section" in str(render_section(results["town-deals-2021"]))
