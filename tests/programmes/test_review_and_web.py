"""The review pack (HTML and PDF, looked at as pages) and the dashboard pages and API over the programme store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from prosperity.programmes.outcomes import CONTRIBUTION_NOTE
from prosperity.programmes.review import write_review
from prosperity.programmes.towns_fund import awards_bytes, load_awards
from tests.programmes.conftest import ROUND, import_file


@pytest.fixture
def filled(copy, store, fw, mirror):
    load_awards(store, *awards_bytes(mirror))
    ret, stored = import_file(copy(), store, fw)
    assert stored == 1
    return store


def test_the_review_pack(filled, warehouse_path: Path, tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    res = write_review(filled, ROUND, tmp_path / "pack", warehouse=warehouse_path, today=date(2026, 1, 15))
    assert res.messages == []
    html = res.html.read_text(encoding="utf-8")
    for heading in ("Portfolio summary", "Spend against budget and profile", "Exceptions", "Outputs against targets",
                    "The strategy outcomes these programmes claim", "Top risks", "Milestones in the next six months",
                    "Quality of the returns", "Commentary from the programme offices"):  # fmt: skip
        assert f">{heading}</h2>" in html
    assert CONTRIBUTION_NOTE.split(":")[0].replace("’", "'") in html.replace("&#39;", "'")
    # the outputs' linked outcome sits beside its indicators from the warehouse, with the publisher
    assert "Increased business productivity and growth" in html and "Office for National Statistics" in html
    # exceptions the illustrative return was written to raise
    assert "Capital slipping across a financial year" in html and "Declared spend rating disagrees with the figures" in html
    assert "Runcorn Town Deal" in html  # a Towns Fund place without a return for the round
    assert "programmes.sqlite" not in html and ".xlsx" not in html  # no tool vocabulary for readers
    manifest = json.loads(res.manifest.read_text())
    assert [x["submission"] for x in manifest["returns"]] == [1] and len(manifest["returns"][0]["sha256"]) == 64
    assert "TD-RCN" in manifest["missing_returns"]
    pdf = pdfium.PdfDocument(str(res.pdf))
    try:
        assert len(pdf) == res.pages >= 8
        for i in (1, 5):  # the summary with its S-curve, and the outcomes: drawn, not blank
            dark = sum(pdf[i].render(scale=0.5).to_pil().convert("L").histogram()[:128])
            assert dark > 500, f"page {i + 1} looks blank"
    finally:
        pdf.close()


def test_no_returns_for_the_round_is_a_plain_error(filled, tmp_path: Path) -> None:
    from prosperity.errors import ProsperityError

    with pytest.raises(ProsperityError, match="no returns for round 2024-25-H2"):
        write_review(filled, "2024-25-H2", tmp_path / "x", pdf=False, warehouse=tmp_path / "none.duckdb")


@pytest.fixture
def client(filled, warehouse_path: Path):
    from prosperity.web.app import create_app

    app = create_app(warehouse_path)
    app.state.programmes_db = str(filled.url)
    with TestClient(app) as c:
        yield c


def test_pages(client) -> None:
    r = client.get("/programmes")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "Example town centre programme" in r.text and "Runcorn Town Deal" in r.text
    assert "Increased business productivity and growth" in r.text
    r = client.get("/programmes/EX-TC-02")
    assert r.status_code == 200
    assert "Shopfront improvement grants" in r.text and "disagrees with the figures" in r.text
    r = client.get("/programmes/TD-RCN")
    assert r.status_code == 200 and "TD-RCN-03" in r.text and "No return reports on TD-RCN" in r.text
    assert client.get("/programmes/NOPE").status_code == 404


def test_api(client) -> None:
    r = client.get("/api/v1/programmes")
    body = r.json()
    assert body["ok"] and body["round"] == ROUND
    rows = {x["programme"]: x for x in body["data"]}
    assert rows["TD-RCN"]["allocation_gbp"] == pytest.approx(23_599_998)
    assert rows["EX-TC"]["spent_to_date_gbp"] == pytest.approx(908_750)
    csv = client.get("/api/v1/programmes?format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.splitlines()[0].startswith("programme,title,fund")
    one = client.get("/api/v1/programmes/EX-TC-02").json()["data"]
    [p] = one["projects"]
    assert p["computed"]["spend"] == "red" and p["declared"]["spend"] == "green" and p["disagreements"] == ["spend"]
    assert p["capital_slip"]["amount_gbp"] == pytest.approx(36_000)
    assert "capital_slip_gbp" in client.get("/api/v1/programmes/EX-TC?format=csv").text.splitlines()[0]
    assert [x["round"] for x in client.get("/api/v1/programmes/rounds").json()["data"]] == [ROUND]
    ex = client.get("/api/v1/programmes/exceptions").json()["data"]
    assert any(e["kind"] == "no return for this round" for e in ex)
    bad = client.get("/api/v1/programmes?round=2025-26-H3")
    assert bad.status_code == 400 and "round" in bad.json()["error"]
    missing = client.get("/api/v1/programmes/NOPE")
    assert missing.status_code == 404 and missing.json()["ok"] is False
    assert client.get("/api/v1/programmes?round=2019-20-H1").status_code == 400


def test_the_report_section_and_its_partial(filled) -> None:
    from jinja2 import Environment

    from prosperity.programmes.review import money, report_partial, report_section

    section = report_section(filled, ROUND)
    assert [o.outcome_id for o in section["outcomes"]] == ["lis-o03", "lis-o09"]
    html = Environment(autoescape=True).from_string(report_partial()).render(section=section, money=money)
    assert "Thriving high streets and town centres" in html and "£909k" in html
    assert "no return from Birkenhead Future High Streets Fund" in html
