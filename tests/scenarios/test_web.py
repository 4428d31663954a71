"""Scenario pages and their open data: pages with charts and tables, JSON and CSV, clear errors, escaped text."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from prosperity.framework import shipped_framework_path
from prosperity.scenarios.report import render_section, report_section
from prosperity.warehouse import Warehouse
from prosperity.web import create_app

HOSTILE = '<script>alert("x")</script>'
RUNS = ("growth-plan-productivity-gap", "plan-for-prosperity-rd-claim", "net-zero-pathways")


@pytest.fixture(scope="module")
def client(warehouse_path: Path):
    with TestClient(create_app(warehouse_path), raise_server_exceptions=False) as c:
        yield c


def test_scenarios_page_lists_every_scenario(client):
    r = client.get("/scenarios")
    assert r.status_code == 200
    html = r.text
    assert 'aria-current="page">Scenarios' in html
    for sid in (*RUNS, "lis-productivity-shift-share", "lis-level-4-qualifications-gap"):
        assert f'href="/scenarios/{sid}"' in html
    assert "served live by its publisher" in html  # the two that need live statistics say so in plain words


@pytest.mark.parametrize("sid", RUNS)
def test_scenario_page_has_findings_charts_assumptions_figures_and_sources(client, sid):
    r = client.get(f"/scenarios/{sid}")
    assert r.status_code == 200
    html = r.text
    assert "What the figures say" in html and "The figures used" in html and "Methods and sources" in html
    assert '<svg class="chart' in html and 'role="img"' in html
    assert "<caption" in html and 'scope="col"' in html
    assert f'/api/v1/scenarios/{sid}/paths?format=csv' in html
    # readers' text: no dataset ids or file names
    for word in ("els/", "regional-accounts/", ".yaml"):
        assert word not in html.split("<footer")[0]


def test_the_rd_page_says_the_north_west_stands_in(client):
    html = client.get("/scenarios/plan-for-prosperity-rd-claim").text
    assert "measured only for the North West, not for Liverpool City Region" in html
    assert "standing in for Liverpool City Region" in html


def test_a_scenario_that_cannot_run_says_why(client):
    r = client.get("/scenarios/lis-level-4-qualifications-gap")
    assert r.status_code == 200 and "Cannot be run at present" in r.text
    assert "served live by its publisher" in r.text and "nomis/" not in r.text
    api = client.get("/api/v1/scenarios/lis-level-4-qualifications-gap")
    assert api.status_code == 409 and api.json()["ok"] is False and "does not cover England" in api.json()["error"]


def test_the_shift_share_page_runs_and_says_where_labour_is_counted(client):
    r = client.get("/scenarios/lis-productivity-shift-share")
    assert r.status_code == 200 and "Cannot be run at present" not in r.text
    assert "What the figures say" in r.text and "labour where workers live" in r.text


def test_api_json_and_csv(client):
    listing = client.get("/api/v1/scenarios").json()
    assert listing["ok"] and listing["total"] == 6
    runs = {row["id"]: row["runs"] for row in listing["data"]}
    assert all(runs[s] for s in RUNS) and runs["lis-productivity-shift-share"] and runs["level-3-qualifications-gap"]
    assert not runs["lis-level-4-qualifications-gap"]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/scenarios?format=csv").text)))
    assert {r["id"] for r in rows} == set(runs)
    full = client.get("/api/v1/scenarios/growth-plan-productivity-gap").json()["data"]
    assert full["results"]["target_year"] == 2035 and full["releases"] and full["inputs"]
    paths = list(csv.DictReader(io.StringIO(client.get("/api/v1/scenarios/growth-plan-productivity-gap?format=csv").text)))
    assert paths and set(paths[0]) == {"series", "role", "year", "value"}
    part = client.get("/api/v1/scenarios/net-zero-pathways/pathways", params={"format": "csv"})
    assert part.status_code == 200 and part.text.startswith("target_year,")
    inputs = client.get("/api/v1/scenarios/plan-for-prosperity-rd-claim/inputs").json()
    assert inputs["total"] == len(inputs["data"]) or inputs["next"]


def test_api_errors(client):
    r = client.get("/api/v1/scenarios/nothing-here")
    assert r.status_code == 404 and r.json()["ok"] is False
    r = client.get("/api/v1/scenarios/net-zero-pathways/nothing")
    assert r.status_code == 404 and "not a part" in r.json()["error"]
    r = client.get("/api/v1/scenarios/net-zero-pathways", params={"as_of": "yesterday"})
    assert r.status_code == 400 and "as_of" in r.json()["error"]
    assert client.get("/scenarios/../../etc/passwd").status_code == 404
    assert client.get("/scenarios/nothing-here").status_code == 404


def test_text_from_a_scenario_file_is_escaped(warehouse_path: Path, tmp_path: Path):
    fw = tmp_path / "fw"
    shutil.copytree(shipped_framework_path(), fw)
    f = fw / "scenarios" / "net-zero-pathways.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("title: Net zero by 2035 or 2040 — what it needs each year", f"title: '{HOSTILE} net zero'"),
                 encoding="utf-8")  # fmt: skip
    (fw / "scenarios" / "broken.yaml").write_text(f"id: [{HOSTILE}\n", encoding="utf-8")
    with TestClient(create_app(warehouse_path, fw), raise_server_exceptions=False) as c:
        for url in ("/scenarios", "/scenarios/net-zero-pathways"):
            html = c.get(url).text
            assert HOSTILE not in html and "&lt;script&gt;" in html
        assert "broken.yaml" in c.get("/scenarios").text


def test_report_section(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as wh:
        section = report_section(wh)
    ids = {s["id"]: s for s in section["scenarios"]}
    assert all(ids[s]["runs"] for s in RUNS) and not ids["lis-level-4-qualifications-gap"]["runs"]
    html = str(render_section(section))
    assert html.count("<h3 ") == len(ids) and '<svg class="chart' in html
    assert "not held for this edition" in html
