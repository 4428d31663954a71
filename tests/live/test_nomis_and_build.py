"""Nomis paging, keys, and live builds through the loopback server: nothing partial ever reaches the warehouse."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.sources import discover_all
from prosperity.sources.live.client import LiveFetchError, LiveSettings, PoliteClient, RateLimiter
from prosperity.sources.live.nomis import NomisClient
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build

from .conftest import Reply

NOMIS = "www.nomisweb.co.uk"
REFERENCE = {"geography/ons-els", "local-authorities/register"}
LIVE = {"nomis/aps", "nomis/bres", "nomis/population", "fingertips/life-expectancy", "desnz/la-ghg-emissions",
        "ons-api/wellbeing-local-authority"}  # fmt: skip
LCR = ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"]


def nomis_csv(header: list[str], rows: list[list[str]]):
    """A Nomis data endpoint: RECORD_COUNT on every row, ``recordoffset`` paging at 25,000 rows."""

    def handler(q: dict[str, str]) -> Reply:
        off = int(q.get("recordoffset", "0"))
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow([*header, "RECORD_COUNT"])
        for r in rows[off:off + 25000]:
            w.writerow([*r, str(len(rows))])
        return Reply(200, out.getvalue().encode(), {"Content-Type": "text/csv"})

    return handler


def nomis_client(server) -> NomisClient:
    return NomisClient(PoliteClient("nomis", server.client(), LiveSettings.from_env(), limiter=RateLimiter(0)))


@pytest.mark.parametrize(("n", "pages"), [(24999, 1), (25000, 1), (25001, 2), (50000, 2), (60000, 3)])
def test_nomis_pages_with_recordoffset_and_stops_exactly_at_record_count(server, n, pages):
    server.route(NOMIS, "/api/v01/dataset/NM_1_1.data.csv", nomis_csv(["OBS_VALUE"], [[str(i)] for i in range(n)]))
    out = io.BytesIO()
    info = nomis_client(server).fetch_csv("NM_1_1", {"select": "obs_value"}, out)
    hits = server.hits(NOMIS, "/api/v01/dataset/NM_1_1.data.csv")
    assert len(hits) == pages and info["pages"] == pages and info["rows"] == n
    assert [h.get("recordoffset") for h in hits] == [None] + [str(25000 * i) for i in range(1, pages)]
    assert hits[0]["select"] == "obs_value,record_count"
    lines = out.getvalue().decode().splitlines()
    assert lines[0] == "OBS_VALUE,RECORD_COUNT" and len(lines) == n + 1 and lines[-1] == f"{n - 1},{n}"


def test_nomis_refuses_a_page_that_comes_back_empty_or_a_count_that_changes(server):
    first = Reply(200, b"OBS_VALUE,RECORD_COUNT\n" + b"1,30000\n" * 25000)
    server.route(NOMIS, "/api/v01/dataset/NM_1_1.data.csv", [first, Reply(200, b"OBS_VALUE,RECORD_COUNT\n")])
    with pytest.raises(LiveFetchError, match="a page came back empty after 25,000 of 30,000 rows"):
        nomis_client(server).fetch_csv("NM_1_1", {}, io.BytesIO())
    server.route(NOMIS, "/api/v01/dataset/NM_2_1.data.csv", [first, Reply(200, b"OBS_VALUE,RECORD_COUNT\n1,31000\n")])
    with pytest.raises(LiveFetchError, match="RECORD_COUNT changed from 30,000 to 31,000"):
        nomis_client(server).fetch_csv("NM_2_1", {}, io.BytesIO())


def test_nomis_refuses_a_query_larger_than_the_page_cap(server, monkeypatch):
    monkeypatch.setenv("PROSPERITY_NOMIS_MAX_PAGES", "2")
    server.route(NOMIS, "/api/v01/dataset/NM_1_1.data.csv", Reply(200, b"OBS_VALUE,RECORD_COUNT\n1,75000\n"))
    with pytest.raises(LiveFetchError, match="75,000 rows, more than 2 pages"):
        nomis_client(server).fetch_csv("NM_1_1", {}, io.BytesIO())
    assert len(server.hits(NOMIS, "/api/v01/dataset/NM_1_1.data.csv")) == 1


# ---- a whole live build over loopback -----------------------------------------------------------------------------
def serve_mirror_files(server, mirror: Path) -> None:
    from urllib.parse import urlsplit

    for ds in discover_all(None).datasets:
        if ds.id in REFERENCE:
            for ref in ds.files:
                u = urlsplit(ref.url)
                server.route(u.hostname, u.path, Reply(200, (mirror / ref.path).read_bytes()))


APS_HEADER = ["DATE", "DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "VARIABLE", "VARIABLE_NAME", "MEASURES",
              "MEASURES_NAME", "OBS_VALUE", "OBS_STATUS_NAME"]  # fmt: skip


def aps_rows() -> list[list[str]]:
    rows = []
    for year in (2021, 2022, 2023):
        for code in [*LCR, "E92000001", "E07999999"]:  # the last is not in the register: set aside
            for var, name in (("45", "Employment rate - aged 16-64"), ("290", "% with NVQ4+ - aged 16-64"),
                              ("1902", "% with RQF4+ - aged 16-64"), ("720", "% with RQF2+ - aged 16-64")):
                if (var == "290") != (year == 2021) and var != "45":
                    continue
                for m, mname, v in (("20599", "Variable", "41.5"), ("21001", "Numerator", "52000"),
                                    ("21002", "Denominator", "125300"), ("21003", "Confidence", "3.2")):
                    rows.append([f"{year}-12", f"Jan {year}-Dec {year}", code, code, var, name, m, mname, v,
                                 "Normal Value"])  # fmt: skip
    return rows


def serve_live(server) -> None:
    server.route(NOMIS, "/api/v01/dataset/NM_17_5/variable.def.sdmx.json", Reply(200, json.dumps({"structure": {
        "codelists": {"codelist": [{"code": [{"value": 45, "description": {"value": "Employment rate - aged 16-64"}},
                                             {"value": 720, "description": {"value": "% with RQF2+ - aged 16-64"}}]}]}}}
    ).encode()))  # fmt: skip
    server.route(NOMIS, "/api/v01/dataset/NM_17_5.data.csv", nomis_csv(APS_HEADER, aps_rows()))
    server.route(NOMIS, "/api/v01/dataset/NM_189_1.data.csv", nomis_csv(
        ["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "INDUSTRY", "INDUSTRY_NAME", "OBS_VALUE", "OBS_STATUS_NAME"],
        [["2023", c, c, ind, name, v, "Normal Value"] for c in LCR for ind, name, v in
         (("37748736", "Total", "100000"), ("150994945", "A : Agriculture, forestry and fishing", "50"),
          ("150994947", "C : Manufacturing", "9000"))]))  # fmt: skip
    server.route(NOMIS, "/api/v01/dataset/NM_2002_1.data.csv", nomis_csv(
        ["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "OBS_VALUE", "OBS_STATUS_NAME"],
        [[str(y), c, c, "480000", "Normal Value"] for y in (2022, 2023) for c in [*LCR, "E92000001"]]))  # fmt: skip
    ft_header = ("Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
                 "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,"
                 "Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,"
                 "Compared to percentiles,Time period Sortable,New data,Compared to goal,Time period range")
    ft = [ft_header]
    for ind in ("90366", "90362"):
        for sex in ("Male", "Female"):
            for code in ("E08000012", "E92000001"):
                ft.append(f"{ind},LE,E92000001,England,{code},X,Districts & UAs (from Apr 2023),{sex},All ages,,,"
                          f"2021 - 23,76.1,75.8,76.4,,,,,,,,,20210000,,,3y")
            ft.append(f"{ind},LE,E92000001,England,E08000012,X,Districts,{sex},All ages,LSOA11 deprivation deciles,"
                      f"Most deprived decile,2021 - 23,70.1,69,71,,,,,,,,,20210000,,,3y")
    server.route("fingertips.phe.org.uk", "/api/all_data/csv/by_indicator_id", Reply(200, "\n".join(ft).encode()))
    coll = "/api/content/government/collections/uk-local-authority-and-regional-greenhouse-gas-emissions-" \
        "national-statistics"
    stats = "/government/statistics/la-ghg-2005-to-"
    csv_url = "https://assets.publishing.service.gov.uk/media/2/2005-23-uk-local-authority-ghg-emissions-CSV-dataset.csv"
    docs = [{"base_path": f"{stats}2022", "title": "UK local authority greenhouse gas emissions 2005 to 2022",
             "public_updated_at": "2024-06-27T09:30:00Z"},
            {"base_path": f"{stats}2023", "title": "UK local authority and regional greenhouse gas emissions statistics: "
             "2005 to 2023", "public_updated_at": "2025-07-03T09:30:00Z"}]  # fmt: skip
    server.route("www.gov.uk", coll, Reply(200, json.dumps({"document_type": "document_collection",
                                                             "links": {"documents": docs}}).encode()))  # fmt: skip
    attachments = [
        {"title": "Technical report", "url": "https://assets.publishing.service.gov.uk/media/1/report.pdf",
         "content_type": "application/pdf"},
        {"title": "2005-23 UK local authority greenhouse gas emissions (CSV dataset)", "content_type": "text/csv",
         "url": csv_url},
    ]
    server.route("www.gov.uk", f"/api/content{stats}2023", Reply(200, json.dumps({
        "title": docs[1]["title"], "first_published_at": "2025-07-03T09:30:00.000+01:00",
        "details": {"attachments": attachments}}).encode()))  # fmt: skip
    ghg = ["Country,Country Code,Region,Region Code,Second Tier Authority,Local Authority,Local Authority Code,"
           "Calendar Year,LA GHG Sector,LA GHG Sub-sector,Greenhouse gas,Territorial emissions (kt CO2e),"
           "Emissions within the scope of influence of LAs (kt CO2e),Mid-year Population (thousands),Area (km2)"]
    for code in LCR:
        for sector, sub, gas, v in (("Transport", "Road Transport (A roads)", "CO2", "100.5"),
                                    ("Transport", "Road Transport (A roads)", "CH4", "1.5"),
                                    ("Domestic", "Domestic Electricity", "CO2", "200")):  # fmt: skip
            ghg.append(f"England,E92000001,North West,E12000002,Merseyside,X,{code},2023,{sector},{sub},{gas},{v},{v},"
                       "500,100")
    ghg.append("England,E92000001,North West,E12000002,,Unallocated,,2023,Transport,Other,CO2,5,5,,")
    server.route("assets.publishing.service.gov.uk", "/media/2/2005-23-uk-local-authority-ghg-emissions-CSV-dataset.csv",
                 Reply(200, "\n".join(ghg).encode()))
    server.route("api.beta.ons.gov.uk", "/v1/datasets/wellbeing-local-authority/editions/time-series/versions",
                 Reply(200, json.dumps({"items": [
                     {"version": 3, "state": "published", "release_date": "2024-10-30T00:00:00.000Z",
                      "downloads": {"csv": {"href": "https://download.ons.gov.uk/downloads/datasets/wellbeing-local-authority/editions/time-series/versions/3.csv"}}},
                     {"version": 4, "state": "edition-confirmed"}]}).encode()))  # fmt: skip
    v4 = ["v4_3,Data Marking,Lower limit,Upper limit,yyyy-yy,Time,administrative-geography,Geography,"
          "wellbeing-estimate,WellbeingEstimate,measure-of-wellbeing,MeasureOfWellbeing"]
    for code in [*LCR, "E92000001"]:
        v4.append(f"7.45,,7.3,7.6,2022-23,2022-23,{code},X,average-mean,Average (mean),life-satisfaction,Life satisfaction")
        v4.append(f",x,,,2022-23,2022-23,{code},X,poor,Poor,anxiety,Anxiety")
    server.route("download.ons.gov.uk", "/downloads/datasets/wellbeing-local-authority/editions/time-series/versions/3.csv",
                 Reply(200, "\n".join(v4).encode()))


def live_build(server, tmp_path: Path, ids: set[str] = LIVE | REFERENCE):
    return build(tmp_path / "w.duckdb", cache=tmp_path / "cache", client=server.client(), only=lambda d: d.id in ids,
                 assess=False)


def test_a_live_build_loads_every_live_source_as_releases(server, mirror: Path, tmp_path: Path):
    serve_mirror_files(server, mirror)
    serve_live(server)
    s = live_build(server, tmp_path)
    status = {r.dataset_id: (r.status, r.message) for r in s.results}
    assert all(status[d][0] == "loaded" for d in LIVE), status
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        rqf = wh.series("aps-level-4-plus-qualifications", "E08000012")  # the current (RQF4+) series
        assert [o.period for o in rqf] == ["2022-01-01/P1Y", "2023-01-01/P1Y"]
        nvq = wh.series("aps-level-4-plus-qualifications", "E08000012", "NVQ4+ (to 2021)")  # before the break
        assert [o.period for o in nvq] == ["2021-01-01/P1Y"]
        assert rqf[-1].value == 41.5 and rqf[-1].lci_95 == pytest.approx(38.3) and rqf[-1].uci_95 == pytest.approx(44.7)
        assert wh.latest("aps-level-4-plus-qualifications-denominator", "E08000012").value == 125300
        assert wh.latest("aps-level-2-plus-qualifications", "E08000012").value == 41.5
        assert {o.breakdown for o in wh.series("bres-employment", "E06000006", None)} == {"Total", "A", "C"}
        assert wh.latest("population-mid-year-estimate", "E92000001").period == "2023-06-30"
        le = wh.series("ohid-life-expectancy-at-birth", "E08000012", None)
        assert {o.breakdown for o in le} == {"Male", "Female"} and le[0].period == "2021-01-01/P3Y"
        ghg = {o.breakdown: o.value for o in wh.series("desnz-ghg-emissions", "E08000012", None)}
        assert ghg == {"": 302.0, "Transport": 102.0, "Domestic": 200.0}
        assert wh.latest("desnz-ghg-emissions-per-person", "E08000012").value == pytest.approx(302 / 500)
        assert {o.breakdown for o in wh.series("desnz-co2-emissions", "E08000012", None)} == {"", "Transport", "Domestic"}
        wb = wh.series("ons-personal-wellbeing", "E08000012", None)
        assert {(o.breakdown, o.value, o.status) for o in wb} == {("Average (mean); Life satisfaction", 7.45, None),
                                                                   ("Poor; Anxiety", None, "x")}
        rel = wh.query("SELECT live_url, publisher_release_date AS release_date, metadata FROM current_releases "
                       "WHERE dataset_id = 'desnz/la-ghg-emissions'")[0]
        assert str(rel["release_date"]) == "2025-07-03" and "2005-23-uk-local-authority" in rel["metadata"]
        rel = wh.query("SELECT set_aside FROM current_releases WHERE dataset_id = 'nomis/aps'")[0]
        assert rel["set_aside"] > 0  # the unregistered area's rows
        # The framework's live bindings now resolve: these indicators count as data and are assessed.
        from prosperity.framework import load_framework, shipped_framework_path
        from prosperity.framework.coverage import coverage

        cov = coverage(load_framework(shipped_framework_path()), wh)
        status = {i["id"]: i["status"] for i in cov["items"]["indicators"]}
        for ind in ("qualifications-level-4-plus", "qualifications-level-2-plus", "employee-jobs-bres",
                    "life-expectancy", "life-expectancy-male"):
            assert status[ind] == "data", ind
    # The raw cache holds whole files with their provenance; a second build changes nothing.
    assert (tmp_path / "cache/nomis/NM_17_5-aps.csv.source.json").is_file()
    assert not list((tmp_path / "cache").rglob("*.part-*"))
    assert not live_build(server, tmp_path).wrote


def test_an_interrupted_fetch_leaves_the_warehouse_and_the_cache_as_they_were(server, mirror: Path, tmp_path: Path):
    serve_mirror_files(server, mirror)
    serve_live(server)
    live_build(server, tmp_path)
    cached = (tmp_path / "cache/nomis/NM_2002_1-population.csv").read_bytes()
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        before = wh.query("SELECT dataset_id, release_id FROM current_releases ORDER BY 1")
    # Nomis now has more rows, but its second page always fails: the new fetch gives up cleanly.
    rows = [[str(2000 + i // 8), LCR[i % 6], "x", "1", "Normal Value"] for i in range(30000)]
    good = nomis_csv(["DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "OBS_VALUE", "OBS_STATUS_NAME"], rows)
    server.route(NOMIS, "/api/v01/dataset/NM_2002_1.data.csv",
                 lambda q: good(q) if "recordoffset" not in q else Reply(500))
    s = live_build(server, tmp_path)
    res = {r.dataset_id: r for r in s.results}
    assert res["nomis/population"].status == "unavailable"
    assert "recordoffset=25000" in res["nomis/population"].message and "server error 500" in res["nomis/population"].message
    assert (tmp_path / "cache/nomis/NM_2002_1-population.csv").read_bytes() == cached
    assert not list((tmp_path / "cache").rglob("*.part-*"))
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        assert wh.query("SELECT dataset_id, release_id FROM current_releases ORDER BY 1") == before


def test_a_mirror_build_never_touches_the_network_and_reports_live_only_datasets(server, mirror: Path, tmp_path: Path):
    found = discover_all(mirror)
    missing = dict(found.missing)
    assert all(missing[d].startswith("unavailable (needs live fetch)") for d in LIVE)
    s = build(tmp_path / "w.duckdb", mirror=mirror, client=server.client(), only=lambda d: d.id in REFERENCE,
              assess=False)
    assert {r.dataset_id: r.status for r in s.results}["nomis/aps"] == "missing"
    assert server.requests == []


def test_the_nomis_key_is_sent_but_never_shown(server, mirror: Path, tmp_path: Path, monkeypatch, caplog):
    key = "0x" + "ab12" * 10
    monkeypatch.setenv("NOMIS_API_KEY", key)
    serve_mirror_files(server, mirror)
    serve_live(server)
    server.route(NOMIS, "/api/v01/dataset/NM_189_1.data.csv", Reply(503))
    caplog.set_level(logging.DEBUG)
    s = live_build(server, tmp_path, REFERENCE | {"nomis/aps", "nomis/bres"})
    res = {r.dataset_id: r for r in s.results}
    assert res["nomis/aps"].status == "loaded" and res["nomis/bres"].status == "unavailable"
    assert all(q.get("uid") == key for q in server.hits(NOMIS, "/api/v01/dataset/NM_17_5.data.csv"))
    assert "uid=***" in res["nomis/bres"].message and key not in res["nomis/bres"].message
    assert key not in caplog.text
    assert not any(key in p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        assert key not in json.dumps(wh.query("SELECT live_url, metadata FROM releases"), default=str)
    dry = CliRunner().invoke(app, ["fetch", "--dry-run", "nomis"])
    assert dry.exit_code == 0 and key not in dry.output and "uid=<key>" in dry.output


def test_dry_run_lists_every_request_and_sends_none(server, monkeypatch):
    import httpx

    def refuse(*a, **k):
        raise AssertionError("a dry run sent a request")

    monkeypatch.setattr(httpx.Client, "send", refuse)
    out = CliRunner().invoke(app, ["fetch", "--dry-run"])
    assert out.exit_code == 0, out.output
    text = out.output
    for expected in ("GET https://www.nomisweb.co.uk/api/v01/dataset/NM_17_5.data.csv?geography=TYPE424,",
                     "recordoffset=25000", "NM_189_1.data.csv", "NM_2002_1.data.csv",
                     "GET https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids=90366,90362",
                     "GET https://www.gov.uk/api/content/government/collections/uk-local-authority",
                     "GET https://api.beta.ons.gov.uk/v1/datasets/wellbeing-local-authority/editions/time-series/versions",
                     "# els/claimant-count", "GET https://raw.githubusercontent.com/"):  # fmt: skip
        assert expected in text, expected
