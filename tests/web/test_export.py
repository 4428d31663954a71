"""The static export (``prosperity export-site``): every link resolves inside it, and its API files are the live API's."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prosperity.cli import app as cli
from prosperity.web.export import ExportError, Scope, export_site, static_path

AREAS = ["E47000004", "E08000012"]
INDICATORS = ["gva-per-hour-worked", "employment-rate", "co2-emissions-total"]
BASE = "http://testserver"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("href", "src", "action") and v is not None:
                self.links.append(v)
            if k == "id" and v:
                self.ids.add(v)
        self.forms += tag == "form"


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def exported(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "site"
    summary = export_site(warehouse_path, out, areas=AREAS, indicators=INDICATORS, downloads=False, base_url=BASE)
    assert not summary.failed, summary.failed
    return out


def test_static_paths_follow_the_documented_map() -> None:
    assert static_path("/") == "index.html"
    assert static_path("/areas/E08000012") == "areas/E08000012/index.html"
    assert static_path("/indicators/gva?area=E08000012") == "indicators/gva/area/E08000012/index.html"
    assert static_path("/api/v1/assessments?area=E08000012") == "api/v1/assessments/area/E08000012.json"
    assert static_path("/api/v1/areas/E08000012?format=csv") == "api/v1/areas/E08000012.csv"
    assert static_path("/api/v1/") == "api/v1/index.json"
    assert static_path("/api/v1/openapi.json") == "api/v1/openapi.json"
    assert static_path("/api/v1/areas?limit=100&offset=100") == "api/v1/areas/limit/100/offset/100.json"
    assert static_path("/api/v1/series?indicator=x&area=A&history=true&format=csv") == \
        "api/v1/series/area/A/history/true/indicator/x.csv"
    # anything but letters, digits and -_., is escaped, so no value can climb out of the export
    assert static_path("/api/v1/series?breakdown=C (10-33)&area=..") == \
        "api/v1/series/area/~2E~2E/breakdown/C~20~2810-33~29.json"  # fmt: skip


def test_scope_names_what_a_static_host_can_answer() -> None:
    s = Scope({"E08000012"}, {"gva"}, downloads=False)
    assert s.allows("/areas/E08000012") and not s.allows("/areas/E08000013")
    assert s.allows("/indicators/gva?area=E08000012") and not s.allows("/indicators/gdp?area=E08000012")
    assert not s.allows("/indicators/gva?area=E08000012&as_of=2026-01-01")  # a past edition is asked live
    assert not s.allows("/areas?search=liv") and not s.allows("/api/v1/download")


def test_every_link_in_the_export_resolves_inside_it(exported: Path) -> None:
    pages = sorted(exported.rglob("*.html"))
    assert len(pages) > 50
    checked = 0
    for page in pages:
        p = parse(page)
        assert p.forms == 0, f"{page}: a form cannot be answered by a static host"
        for link in p.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto"):
                assert not link.startswith(BASE), f"{page}: absolute link to the site {link}"
                continue
            assert "?" not in link and not link.startswith("/"), f"{page}: {link} is not a relative file link"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_relative_to(exported.resolve()), f"{page}: {link} leaves the export"
            assert target.is_file(), f"{page}: {link} does not resolve ({target})"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in parse(target).ids, f"{page}: no id {parts.fragment!r} in {target}"
            checked += 1
    assert checked > 1000


def test_the_export_holds_what_was_asked_and_says_what_it_left_out(exported: Path) -> None:
    manifest = json.loads((exported / "export.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    for code in AREAS:
        assert files[f"/areas/{code}"] == f"areas/{code}/index.html"
        assert files[f"/api/v1/assessments?area={code}"] == f"api/v1/assessments/area/{code}.json"
        assert f"/indicators/gva-per-hour-worked?area={code}" in files
    assert "/areas/E08000013" in manifest["not_exported"]  # St Helens is linked from the city region's page
    for url, why in manifest["refused"].items():  # what the live site refuses (a 4xx) is named, not written
        assert url not in files and why[0] == "4", (url, why)
    home = (exported / "index.html").read_text(encoding="utf-8")
    assert 'href="areas/E47000004/index.html"' in home
    for rel in files.values():
        assert (exported / rel).is_file()


def test_exported_responses_equal_the_live_api(exported: Path, client: TestClient) -> None:
    # the session's client (base http://testserver, as the export's): entering another TestClient on the same app
    # would run its lifespan again and close the warehouse the other tests share when it ends
    files = json.loads((exported / "export.json").read_text(encoding="utf-8"))["files"]
    api = {url: rel for url, rel in files.items() if url.startswith("/api/")}
    assert len(api) > 100 and str(client.base_url) == BASE
    for url, rel in api.items():
        r = client.get(url)
        assert r.status_code == 200, url
        body = (exported / rel).read_bytes()
        if rel.endswith(".json"):
            assert json.loads(body) == r.json(), url
        else:
            assert body == r.content, url


def test_export_site_command(warehouse_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    r = CliRunner().invoke(cli, ["export-site", str(out), "--db", str(warehouse_path), "--areas", "E08000012",
                                 "--indicators", "employment-rate", "--no-downloads"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "files" in r.output and (out / "areas" / "E08000012" / "index.html").is_file()
    again = CliRunner().invoke(cli, ["export-site", str(out), "--db", str(warehouse_path)])
    assert again.exit_code == 2 and "not an empty folder" in again.output
    bad = CliRunner().invoke(cli, ["export-site", str(tmp_path / "x"), "--db", str(warehouse_path), "--areas", "E99"])
    assert bad.exit_code == 2 and "--areas" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob(".x.partial-*"))
    with pytest.raises(ExportError):
        export_site(warehouse_path, out)
