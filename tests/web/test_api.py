"""The open data API on the real warehouse: every endpoint in JSON and CSV, paging, errors, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest

LCR = "E47000004"


def assert_error(r, status: int, param: str) -> None:  # type: ignore[no-untyped-def]
    """The one error envelope (as Datasette's ``assert_canonical_error``), naming the bad parameter."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status
    assert param in body["error"]
    assert "Traceback" not in r.text


def rows_of(r) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.text)))


DATA_ENDPOINTS = [
    "/api/v1/strategies",
    "/api/v1/strategies/growth-plan-2025",
    "/api/v1/outcomes?strategy=growth-plan-2025",
    "/api/v1/outcomes/gp-productivity",
    "/api/v1/indicators",
    "/api/v1/indicators/gva-per-hour-worked",
    "/api/v1/indicators/gva-per-hour-worked/local-authorities",
    f"/api/v1/areas?parent={LCR}",
    f"/api/v1/areas/{LCR}",
    f"/api/v1/series?indicator=gross-value-added-per-hour-worked&area={LCR}",
    f"/api/v1/assessments?area={LCR}",
    "/api/v1/groups?name=Liverpool%20and%20Wirral&members=E08000012,E08000015&indicator=active-businesses",
    "/api/v1/releases",
]


@pytest.mark.parametrize("url", DATA_ENDPOINTS)
def test_every_data_endpoint_answers_json_and_csv(client, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True
    sep = "&" if "?" in url else "?"
    rows = rows_of(client.get(f"{url}{sep}format=csv"))
    assert rows, url
    by_accept = client.get(url, headers={"accept": "text/csv"})
    assert by_accept.headers["content-type"].startswith("text/csv")


def test_an_outcome_cites_its_document_in_words_and_by_location(client) -> None:
    """Pages show the readable citation; the API also gives where in the source text, for analysts checking it."""
    body = client.get("/api/v1/outcomes/gp-productivity").json()["data"]
    assert body["cite"] and all(".txt" not in c for c in body["cite"])
    assert body["citations"] and all(c["document"].endswith(".txt") and (c["lines"] or c["page"])
                                     for c in body["citations"])  # fmt: skip


def test_series_with_release_history_matches_the_warehouse(client, warehouse_path) -> None:
    from prosperity.warehouse import Warehouse

    r = client.get("/api/v1/series", params={"indicator": "gross-value-added-per-hour-worked", "area": LCR,
                                             "history": "true"})  # fmt: skip
    data = r.json()["data"]
    with Warehouse.open(warehouse_path) as wh:
        expected = wh.series("gross-value-added-per-hour-worked", LCR, history=True)
    assert [(d["period"], d["value"], d["release_id"]) for d in data] == [
        (o.period, o.value, o.release_id) for o in expected
    ]
    assert all(d["release_date"] for d in data)


def test_framework_indicator_id_reads_its_warehouse_series(client) -> None:
    a = client.get("/api/v1/series", params={"indicator": "gva-per-hour-worked", "area": LCR}).json()
    b = client.get("/api/v1/series", params={"indicator": "gross-value-added-per-hour-worked", "area": LCR}).json()
    assert a["data"] == b["data"] and a["total"] > 10


def test_paging_reports_total_and_next(client) -> None:
    first = client.get("/api/v1/assessments", params={"limit": 5}).json()
    assert first["total"] > 5 and len(first["data"]) == 5 and first["offset"] == 0
    second = client.get(first["next"]).json()
    assert second["offset"] == 5 and second["data"][0] != first["data"][0]
    csv_page = client.get("/api/v1/assessments", params={"limit": 3, "offset": 2, "format": "csv"})
    assert len(rows_of(csv_page)) == 3 and csv_page.headers["x-total-count"] == str(first["total"])


def test_assessments_follow_the_readme_contract(client) -> None:
    data = client.get("/api/v1/assessments", params={"area": LCR, "indicator": "ghg-emissions-per-head"}).json()["data"]
    (a,) = data
    for key in ("indicator", "label", "area", "area_name", "unit", "polarity", "period", "value", "status", "benchmark",
                "trend", "peers", "target", "targets", "sentences", "releases", "source"):  # fmt: skip
        assert key in a
    assert a["area"] == LCR and a["releases"][0]["release_date"]


def test_assessments_for_an_area_not_stored_are_computed(client) -> None:
    r = client.get("/api/v1/assessments", params={"area": "E08000003", "indicator": "gva-per-hour-worked"})
    (a,) = r.json()["data"]
    assert a["area_name"] == "Manchester" and a["value"] is not None


def test_group_by_post_equals_group_by_query(client) -> None:
    body = {"name": "Liverpool and Wirral", "members": ["E08000012", "E08000015"], "indicator": "active-businesses"}
    posted = client.post("/api/v1/groups", json=body).json()["data"]
    got = client.get("/api/v1/groups", params={"name": body["name"], "members": "E08000012,E08000015",
                                                "indicator": "active-businesses"}).json()["data"]  # fmt: skip
    assert posted == got
    assert posted[0]["derivation"]["members"] == body["members"]


@pytest.mark.parametrize(("url", "status", "param"), [
    ("/api/v1/assessments?limit=0", 400, "limit"),
    ("/api/v1/assessments?limit=abc", 400, "limit"),
    ("/api/v1/assessments?offset=-1", 400, "offset"),
    ("/api/v1/assessments?format=xml", 400, "format"),
    ("/api/v1/assessments?area=not-a-code!", 400, "area"),
    ("/api/v1/assessments?area=E99999999", 404, "area"),
    (f"/api/v1/assessments?area={LCR}&as_of=yesterday", 400, "as_of"),
    ("/api/v1/assessments?indicator=nope", 404, "indicator"),
    ("/api/v1/series?indicator=gva-per-hour-worked", 400, "area"),
    (f"/api/v1/series?indicator=gva-per-hour-worked&area={LCR}&history=perhaps", 400, "history"),
    (f"/api/v1/series?indicator=no-such-thing&area={LCR}", 404, "indicator"),
    ("/api/v1/areas?level=galaxy", 400, "level"),
    ("/api/v1/areas/E0800001%27%3B", 400, "code"),
    ("/api/v1/strategies/nope", 404, "strategy"),
    ("/api/v1/outcomes/nope", 404, "outcome"),
    ("/api/v1/groups?name=x&members=E08000012", 400, "members"),
    ("/api/v1/groups?name=x&members=E08000012,E99999999", 404, "members"),
    ("/api/v1/download/..%2F..%2Fetc%2Fpasswd", 404, "passwd"),
    ("/api/v1/download/secret.csv", 404, "table"),
    ("/api/v1/no-such-endpoint", 404, "no-such-endpoint"),
])  # fmt: skip
def test_bad_parameters_get_a_4xx_naming_them(client, url: str, status: int, param: str) -> None:
    assert_error(client.get(url), status, param)


def test_malformed_bodies_are_4xx(client) -> None:
    assert_error(client.post("/api/v1/groups", content=b"{not json", headers={"content-type": "application/json"}),
                 400, "body")  # fmt: skip
    assert_error(client.post("/api/v1/groups", json={"name": "x", "members": ["E08000012"]}), 400, "members")
    assert_error(client.post("/api/v1/groups", json={"name": "x", "members": ["E08000012", "E08000015"], "extra": 1}),
                 400, "extra")  # fmt: skip
    big = {"name": "x", "members": ["E08000012"] * 20000}
    assert_error(client.post("/api/v1/groups", json=big), 413, "body")


def test_over_long_urls_are_refused(client) -> None:
    assert_error(client.get("/api/v1/areas?search=" + "a" * 5000), 414, "URL")


def test_openapi_document_is_valid_and_lists_every_endpoint(client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = set(doc["paths"])
    for p in ("/api/v1/strategies", "/api/v1/outcomes", "/api/v1/indicators", "/api/v1/areas", "/api/v1/series",
              "/api/v1/assessments", "/api/v1/groups", "/api/v1/releases", "/api/v1/download"):  # fmt: skip
        assert p in paths
    assert not any(p.startswith("/indicators") or p == "/" for p in paths)  # pages are not API
    params = {p["name"] for p in doc["paths"]["/api/v1/assessments"]["get"]["parameters"]}
    assert {"area", "limit", "offset", "format", "as_of"} <= params


def test_bulk_download_has_a_frictionless_descriptor_matching_the_csvs(client) -> None:
    desc = client.get("/api/v1/download").json()
    assert desc["profile"] == "tabular-data-package"
    names = {r["name"] for r in desc["resources"]}
    assert {"observations", "releases", "areas", "indicators", "assessments"} <= names
    releases = next(r for r in desc["resources"] if r["name"] == "releases")
    rows = rows_of(client.get(urlsplit(releases["path"]).path))
    assert list(rows[0]) == [f["name"] for f in releases["schema"]["fields"]]
    assert releases["schema"]["primaryKey"] == ["release_id"]


@pytest.mark.slow
def test_bulk_zip_holds_every_table_and_the_descriptor(client) -> None:
    desc = client.get("/api/v1/download").json()
    r = client.get(urlsplit(desc["zip"]).path)
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(z.namelist())
    assert "datapackage.json" in names
    inner = json.loads(z.read("datapackage.json"))
    assert {r["path"] for r in inner["resources"]} <= names
    with z.open("observations.csv") as f:
        header = f.readline().decode().strip().split(",")
    obs = next(r for r in inner["resources"] if r["name"] == "observations")
    assert header == [f["name"] for f in obs["schema"]["fields"]]
