"""The last two sources whose mirror file is an analyst's compilation now fetch the publisher's own file live:
ONS's local authority house building workbook and ONS's UK SIC 2007 summary of structure workbook.

No network reaches the publishers here. Each workbook below is built in ``tmp_path`` in the layout public code that
reads the exact publisher file relies on (stated in each builder's docstring); the ONS website's page JSON is
served on 127.0.0.1 through the ``ons_site_base`` setting."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.sources import emissions_housing, geography, ons_house_building
from prosperity.sources.live.base import LiveFileRef, fetch_live, plan_of, provenance_path
from prosperity.sources.live.client import LiveSettings, RateLimiter
from prosperity.sources.live.ons_page_file import OnsPageFileFetcher
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import make_mirror
from tests.sources.helpers import obs
from tests.sources.test_live_discovery import Replay

YEARS = [f"{y}-{y + 1}" for y in range(2009, 2024)]


def housebuilding_xlsx(extra_title_rows: int = 0) -> bytes:
    """ONS "House building, UK: permanent dwellings started and completed by local authority", in the layout
    DanOlner/ukcompare's ``explore_code/uk_housebuildingrates_localauthority.R`` reads from the edition for the
    financial year ending March 2024: sheet ``UK_Completions``, table at B6:S367 (header row 6 from column B:
    region or country, ``Local Authority Code``, ``Local Authority Name``, ``2009-2010`` … ``2023-2024``), markers
    ``[x]`` and ``[low]``. The figures here are made up (rounded to 10, as ONS publishes)."""
    wb = openpyxl.Workbook()
    wb.active.title = "Cover_sheet"
    wb.active["A1"] = "House building, UK: permanent dwellings started and completed by local authority"
    starts = wb.create_sheet("UK_Starts")
    ws = wb.create_sheet("UK_Completions")
    ws["A1"] = "Permanent dwellings completed by local authority, UK, financial years"
    ws["A2"] = "This worksheet contains one table. Figures are rounded to the nearest 10."
    for _ in range(extra_title_rows):
        ws.insert_rows(3)
    h = 6 + extra_title_rows
    for c, v in enumerate(["Region or Country Name", "Local Authority Code", "Local Authority Name", *YEARS], 2):
        ws.cell(h, c, v)
        starts.cell(6, c, v)
    rows = [("North West", "E08000012", "Liverpool", [1000 + 10 * i for i in range(15)]),
            ("North West", "E08000015", "Wirral", [300] * 14 + ["[low]"]),
            ("Northern Ireland", "N09000003", "Belfast", ["[x]"] * 6 + [500] * 9),
            ("Scotland", "S12000049", "Glasgow City", [2000.0] * 15)]  # fmt: skip
    for i, (region, code, name, values) in enumerate(rows, h + 1):
        for c, v in enumerate([region, code, name, *values], 2):
            ws.cell(i, c, v)
            starts.cell(i, c, 7)  # a different table: must not be read as completions
    ws.cell(h + len(rows) + 2, 2, "Source: Office for National Statistics")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sic_structure_xlsx(drop: str | None = None, levels: bool = True) -> bytes:
    """ONS's "UK SIC 2007 summary of structure" workbook, in the layout public code reading this exact file relies
    on (ONSdigital's SIC classification utilities: sheet ``reworked structure``, columns ``Description``,
    ``SECTION``, ``Most disaggregated level`` and ``Level headings``; the other hierarchy columns as
    nestauk's dap_prinz_green_jobs drops them: ``Class``, ``Sub Class``). Column order and the exact form of
    each level's code are not known from those readers (nestauk pads four-digit codes to five, as if some were
    stored as numbers); the reader finds columns by heading, reads codes with or without dots, and restores a
    number's leading zeros from its level heading. Descriptions are the classification's own."""
    wb = openpyxl.Workbook()
    wb.active.title = "Summary of structure"
    ws = wb.create_sheet("reworked structure")
    head = ["SECTION", "Division", "Group", "Class", "Sub Class", "Description", "Level headings",
            "Most disaggregated level"]  # fmt: skip
    if drop:
        head = [h if h != drop else "Notes" for h in head]
    ws.append(head)
    for sec, code, desc, level in [
        ("A", "A", "Agriculture, forestry and fishing", "SECTION"),
        ("A", "01", "Crop and animal production, hunting and related service activities", "Division"),
        ("A", "01.1", "Growing of non-perennial crops", "Group"),
        ("A", "01.11", "Growing of cereals (except rice), leguminous crops and oil seeds", "Class"),
        ("A", 1110, "Growing of cereals (except rice), leguminous crops and oil seeds", "Sub Class"),
        ("A", 2, "Forestry and logging", "Division"),
        ("C", "C", "Manufacturing", "SECTION"),
        ("C", "10", "Manufacture of food products", "Division"),
        ("C", "10.71", "Manufacture of bread; manufacture of fresh pastry goods and cakes", "Class"),
        ("C", "10.71/1", "Manufacture of bread; manufacture of fresh pastry goods and cakes", "Sub Class"),
    ]:  # fmt: skip
        ws.append([f" {sec} ", None, None, None, None, desc, level if levels else None, code])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr("prosperity.sources.live.client.shared_limiter", lambda service, rate: RateLimiter(0))


def _build(m: Path, db: Path, ids: set[str]):
    s = build(db, mirror=m, assess=False, only=lambda d: d.id in {"geography/ons-els", "local-authorities/register",
                                                                  *ids})  # fmt: skip
    return {r.dataset_id: r for r in s.results}


# ---- housing --------------------------------------------------------------------------------------------------
def test_live_housing_is_the_ons_workbook_on_its_dataset_page_never_the_analysts_copy():
    (ds,) = [d for d in emissions_housing.discover(None).datasets if d.id == "housing/dwelling-completions"]
    ref = ds.main_file
    assert isinstance(ref, LiveFileRef) and ref.path == ons_house_building.CACHE
    plan = " ".join(plan_of(ref))
    assert "www.ons.gov.uk/peoplepopulationandcommunity/housing/datasets/housebuildingukpermanentdwellings" in plan
    assert "github" not in plan and "^uklocalauthorityhousebuilding\\.xlsx$" in plan
    assert ds.publisher == "Office for National Statistics"


def test_housing_replay_fetches_the_newest_edition_and_loads_it_as_a_release(tmp_path, fast):
    page = "/peoplepopulationandcommunity/housing/datasets/housebuildingukpermanentdwellingsstartedandcompletedbylocalauthority"  # noqa: E501
    fye24, fye23 = f"{page}/financialyearendingmarch2024", f"{page}/financialyearendingmarch2023"
    replay = Replay({
        f"{page}/data": ({}, json.dumps({"datasets": [{"uri": fye24}, {"uri": fye23}]}).encode()),
        f"{fye24}/data": ({}, json.dumps({"description": {"releaseDate": "2024-12-04T07:00:00.000Z"},
                                          "downloads": [{"file": "uklocalauthorityhousebuilding.xlsx.old"},
                                                        {"file": "uklocalauthorityhousebuilding.xlsx"}]}).encode()),
        "/file": ({"uri": f"{fye24}/uklocalauthorityhousebuilding.xlsx"}, housebuilding_xlsx()),
    })  # fmt: skip
    m = make_mirror(tmp_path / "mirror")
    try:
        (ds,) = [d for d in emissions_housing.discover(None).datasets if d.id == "housing/dwelling-completions"]
        dest = fetch_live(ds.main_file, m, settings=LiveSettings(ons_site_base=replay.base, retries=0))
    finally:
        replay.close()
    prov = json.loads(provenance_path(dest).read_text(encoding="utf-8"))
    assert prov["file"] == "uklocalauthorityhousebuilding.xlsx" and prov["edition"] == fye24
    found = emissions_housing.discover(m)
    assert [d.main_file.path for d in found.datasets if d.id == "housing/dwelling-completions"] == [
        ons_house_building.CACHE]
    res = _build(m, tmp_path / "w.duckdb", {"housing/dwelling-completions"})["housing/dwelling-completions"]
    assert res.status == "loaded", res.message
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        assert obs(wh, "dwelling-completions", "E08000012", "2023-04-01/P1Y")["value"] == 1140
        assert obs(wh, "dwelling-completions", "E08000012", "2009-04-01/P1Y")["value"] == 1000
        low = obs(wh, "dwelling-completions", "E08000015", "2023-04-01/P1Y")
        assert low["value"] is None and low["status"] == "[low]"  # the marker kept, never a zero
        assert obs(wh, "dwelling-completions", "S12000049", "2016-04-01/P1Y")["value"] == 2000
        rel = wh.query("SELECT metadata, publisher_release_date FROM current_releases "
                       "WHERE dataset_id = 'housing/dwelling-completions'")[0]  # fmt: skip
        assert "financialyearendingmarch2024" in rel["metadata"]
        assert not wh.query("SELECT 1 FROM latest_observations WHERE indicator_id = 'dwelling-completions' "
                            "AND value = 7")  # the starts sheet is not read as completions


def test_housing_workbook_with_a_title_row_more_loads_and_a_broken_one_says_where(tmp_path):
    m = make_mirror(tmp_path / "mirror")
    (m / "housing").mkdir()
    (m / ons_house_building.CACHE).write_bytes(housebuilding_xlsx(extra_title_rows=2))
    res = _build(m, tmp_path / "w.duckdb", {"housing/dwelling-completions"})["housing/dwelling-completions"]
    assert res.status == "loaded", res.message
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        assert obs(wh, "dwelling-completions", "E08000012", "2019-04-01/P1Y")["value"] == 1100
    wb = openpyxl.load_workbook(io.BytesIO(housebuilding_xlsx()))
    wb["UK_Completions"]["C8"] = "Wirral"  # a name where the code should be
    wb.save(m / ons_house_building.CACHE)
    res = _build(m, tmp_path / "w2.duckdb", {"housing/dwelling-completions"})["housing/dwelling-completions"]
    assert res.status == "rejected"
    assert "UK_Completions" in res.message and "'Wirral' is not a local authority code" in res.message
    assert "row 8" in res.message


def test_the_mirrors_compilation_is_still_read_when_the_publisher_file_is_absent(mirror):
    found = emissions_housing.discover(mirror)
    (ds,) = [d for d in found.datasets if d.id == "housing/dwelling-completions"]
    assert ds.main_file.path == emissions_housing.HOUSING
    assert "analyst" in ds.publisher


# ---- SIC 2007 -------------------------------------------------------------------------------------------------
SIC_PAGE = "/methodology/classificationsandstandards/ukstandardindustrialclassificationofeconomicactivities/uksic2007"


def test_live_sic_is_the_ons_structure_workbook_never_the_analysts_lookup():
    found = geography.discover(None)
    assert not found.missing
    (ds,) = [d for d in found.datasets if d.id == "regional-accounts/sic2007"]
    assert isinstance(ds.main_file.fetcher, OnsPageFileFetcher)
    plan = " ".join(plan_of(ds.main_file))
    assert f"https://www.ons.gov.uk{SIC_PAGE}/data" in plan and "github" not in plan


def test_sic_replay_fetches_the_structure_workbook_and_loads_every_level(tmp_path, fast):
    replay = Replay({
        f"{SIC_PAGE}/data": ({}, json.dumps({"downloads": [
            {"file": "uksic2007indexeswithaddendumdecember2022.xlsx"},
            {"file": "publisheduksicsummaryofstructureworksheet.xlsx"}]}).encode()),
        "/file": ({"uri": f"{SIC_PAGE}/publisheduksicsummaryofstructureworksheet.xlsx"}, sic_structure_xlsx()),
    })  # fmt: skip
    m = make_mirror(tmp_path / "mirror")
    try:
        (ds,) = [d for d in geography.discover(None).datasets if d.id == "regional-accounts/sic2007"]
        fetch_live(ds.main_file, m, settings=LiveSettings(ons_site_base=replay.base, retries=0))
    finally:
        replay.close()
    found = geography.discover(m)
    assert [d.main_file.path for d in found.datasets if d.id == "regional-accounts/sic2007"] == [geography.SIC_CACHE]
    res = _build(m, tmp_path / "w.duckdb", {"regional-accounts/sic2007"})["regional-accounts/sic2007"]
    assert res.status == "loaded", res.message
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        rows = {r["code"]: r for r in wh.query("SELECT * FROM sic2007")}
    assert rows["A"]["level"] == "section" and rows["A"]["name"] == "Agriculture, forestry and fishing"
    assert rows["01"]["level"] == "division" and rows["01"]["section_name"] == "Agriculture, forestry and fishing"
    assert rows["011"]["level"] == "group" and rows["0111"]["level"] == "class"
    assert rows["01110"]["level"] == "subclass" and rows["02"]["name"] == "Forestry and logging"  # zeros restored
    assert rows["10711"]["level"] == "subclass" and rows["10711"]["section"] == "C"
    assert rows["10711"]["section_name"] == "Manufacturing"


def test_sic_page_listing_two_matching_files_is_an_error_naming_them(tmp_path, fast):
    replay = Replay({f"{SIC_PAGE}/data": ({}, json.dumps({"downloads": [{"file": "a.xlsx"}, {"file": "b.xlsx"}]})
                                         .encode())})  # fmt: skip
    try:
        f = OnsPageFileFetcher(SIC_PAGE, r"[ab]\.xlsx")
        with pytest.raises(Exception, match=r"2 files of the page match .*a\.xlsx, b\.xlsx"):
            fetch_live(LiveFileRef("x.xlsx", "x", fetcher=f), tmp_path,
                       settings=LiveSettings(ons_site_base=replay.base, retries=0))  # fmt: skip
    finally:
        replay.close()
    assert not (tmp_path / "x.xlsx").exists()


def test_sic_workbook_without_its_code_column_is_rejected_saying_what_is_missing(tmp_path):
    m = make_mirror(tmp_path / "mirror")
    (m / "regional-accounts").mkdir()
    (m / geography.SIC_CACHE).write_bytes(sic_structure_xlsx(drop="Most disaggregated level"))
    res = _build(m, tmp_path / "w.duckdb", {"regional-accounts/sic2007"})["regional-accounts/sic2007"]
    assert res.status == "rejected" and "reworked structure" in res.message
    assert "'Most disaggregated level'" in res.message
    (m / geography.SIC_CACHE).write_bytes(sic_structure_xlsx(levels=False))
    res = _build(m, tmp_path / "w2.duckdb", {"regional-accounts/sic2007"})["regional-accounts/sic2007"]
    assert res.status == "rejected" and "code 1110 is a number, so its leading zeros may have been lost" in res.message
    assert "row 6" in res.message


def test_dry_run_names_the_publishers_for_both():
    r = CliRunner().invoke(app, ["fetch", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "publisheduksicsummaryofstructureworksheet" in r.output
    assert "uklocalauthorityhousebuilding" in r.output
    assert "DanOlner" not in r.output


def test_a_dataset_edition_listing_two_matching_files_is_an_error_not_the_first_match(tmp_path, fast):
    """The dataset-page fetcher chooses as the page fetcher does: exactly one file, never the first loose match."""
    from prosperity.sources.live.ons_api import OnsDatasetPageFetcher

    page = "/peoplepopulationandcommunity/housing/datasets/example"
    replay = Replay({
        f"{page}/data": ({}, json.dumps({"datasets": [{"uri": f"{page}/2024"}]}).encode()),
        f"{page}/2024/data": ({}, json.dumps({"downloads": [{"file": "a.xlsx"}, {"file": "b.xlsx"}]}).encode()),
    })  # fmt: skip
    try:
        with pytest.raises(Exception, match=r"2 files of the page match .*a\.xlsx, b\.xlsx"):
            fetch_live(LiveFileRef("x.xlsx", "x", fetcher=OnsDatasetPageFetcher(page, r"[ab]\.xlsx")), tmp_path,
                       settings=LiveSettings(ons_site_base=replay.base, retries=0))  # fmt: skip
    finally:
        replay.close()
    assert not (tmp_path / "x.xlsx").exists()
