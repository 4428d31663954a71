"""Recorded replays stand in for live services through the base-URL settings (no host rewriting)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from prosperity.errors import SourceError
from prosperity.sources.live.base import LiveFileRef, fetch_live, provenance_path
from prosperity.sources.live.client import LiveSettings, RateLimiter
from prosperity.sources.live.desnz import FETCHER as GHG
from prosperity.sources.live.desnz import PATH as GHG_PATH
from prosperity.sources.live.govuk import GovUkAttachmentFetcher
from prosperity.sources.live.ons_api import OnsDatasetPageFetcher
from prosperity.sources.population import EDITIONS, PAGE

REPLAYS = Path(__file__).parent / "replays"


class Replay:
    """Serves a replay file's responses by path (and query, where the replay names one); 404 otherwise."""

    def __init__(self, name: str):
        self.doc = json.loads((REPLAYS / name).read_text(encoding="utf-8"))
        self.requests: list[str] = []
        replay = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                replay.requests.append(self.path)
                r = replay.doc["responses"].get(parts.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if r is None or any(query.get(k) != v for k, v in r.get("query", {}).items()):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = (json.dumps(r["json"]) if "json" in r else r["text"]).replace("{base}", replay.base).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr("prosperity.sources.live.client.shared_limiter", lambda service, rate: RateLimiter(0))


def test_govuk_replay_chooses_the_one_attachment_matching_the_anchored_pattern(tmp_path, fast):
    replay = Replay("govuk-desnz-ghg.json")
    try:
        settings = LiveSettings(govuk_base=replay.base, retries=0)
        path = fetch_live(LiveFileRef(GHG_PATH, "x", fetcher=GHG), tmp_path, settings=settings)
    finally:
        replay.close()
    assert path.read_text().startswith("Country,Country Code")  # the full dataset, not the "-subset" file
    prov = json.loads(provenance_path(path).read_text())
    assert prov["resolved_url"].endswith("/media/c/2005-23-uk-local-authority-ghg-emissions-CSV-dataset.csv")
    assert prov["release"].endswith("2005 to 2023")


def test_govuk_replay_two_matches_is_an_error_naming_them(tmp_path, fast):
    replay = Replay("govuk-desnz-ghg.json")
    loose = GovUkAttachmentFetcher(GHG.collection, GHG.release_pattern, r"2005-23-uk-local-authority-ghg-.*\.csv")
    try:
        both = r"2 csv attachments .*\(exactly one is needed\); matches: .*-subset\.csv; .*dataset\.csv"
        with pytest.raises(SourceError, match=both):
            fetch_live(LiveFileRef("x.csv", "x", fetcher=loose), tmp_path, settings=LiveSettings(govuk_base=replay.base,
                                                                                                retries=0))  # fmt: skip
    finally:
        replay.close()
    assert not (tmp_path / "x.csv").exists()


def test_ons_page_replay_finds_the_newest_edition_with_a_matching_file(tmp_path, fast):
    replay = Replay("ons-population-page.json")
    _pattern, live_pattern, _prefix, _cov = EDITIONS["population/mid-year-estimates-ew"]
    try:
        settings = LiveSettings(ons_site_base=replay.base, retries=0)
        path = fetch_live(LiveFileRef("population/ew.xlsx", PAGE, fetcher=OnsDatasetPageFetcher(PAGE, live_pattern)),
                          tmp_path, settings=settings)  # fmt: skip
    finally:
        replay.close()
    assert path.read_text() == "the workbook's bytes"
    prov = json.loads(provenance_path(path).read_text())
    # mid-2024 lists only a UK file and a near miss ("….xlsx.bak"): the anchored pattern passes over both
    assert prov["file"] == "mye23tablesew.xlsx" and prov["edition"].endswith("/mid2023")
    assert prov["release_date"].startswith("2024-07-14")


def test_an_older_editions_column_heading_is_matched_by_rule_and_reported(tmp_path, fast):
    from prosperity.warehouse import Warehouse
    from prosperity.warehouse.build import build
    from tests.conftest import make_mirror

    replay = Replay("govuk-desnz-ghg.json")
    m = make_mirror(tmp_path / "mirror")
    try:
        fetch_live(LiveFileRef(GHG_PATH, "x", fetcher=GHG), m, settings=LiveSettings(govuk_base=replay.base, retries=0))
    finally:
        replay.close()
    s = build(tmp_path / "w.duckdb", mirror=m, assess=False, only=lambda d: d.id in {
        "geography/ons-els", "local-authorities/register", "desnz/la-ghg-emissions", "emissions/la-co2"})
    res = {r.dataset_id: r for r in s.results}["desnz/la-ghg-emissions"]
    assert res.status == "loaded", res.message
    assert any("'Territorial emissions (kt CO2)' read as 'Territorial emissions (kt CO2e)'" in w for w in res.warnings)
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        assert wh.latest("desnz-ghg-emissions", "E08000012").value == 300.5
        meta = wh.query("SELECT metadata FROM current_releases WHERE dataset_id = 'desnz/la-ghg-emissions'")[0]
        assert "kt CO2)" in meta["metadata"] and "warnings" in meta["metadata"]
