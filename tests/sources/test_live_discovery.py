"""Live release discovery for DfE (Explore Education Statistics public API) and Ofcom (Connected Nations pages),
against recorded responses written by hand in the services' documented shapes, served on 127.0.0.1 through the
base-URL settings. No test reaches a network."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from prosperity.sources import dfe, ofcom
from prosperity.sources.live.base import LiveFileRef, fetch_live, provenance_path
from prosperity.sources.live.client import LiveSettings, RateLimiter
from prosperity.sources.live.ees import EesDataSetFetcher
from prosperity.sources.live.ofcom import OfcomDownloadFetcher
from tests.live.conftest import LiveServer, Reply

CLA_CSV = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
           "new_la_code,la_name,population_count,number,rate_per_10000\n"
           "2025,Reporting year,Local authority,E92000001,England,E12000002,North West,E08000012,Liverpool,"
           "Children looked after at 31 March each year,1530,150\n")  # fmt: skip


class Replay(LiveServer):
    """The live tests' loopback server (``tests/live/conftest.py``) with fixed responses by path; a path may list
    alternatives by query value (the pages of a paged listing). Anything else is a 404."""

    def __init__(self, responses: dict[str, tuple[dict[str, str], bytes] | list[tuple[dict[str, str], bytes]]]):
        super().__init__()
        self.base = f"http://127.0.0.1:{self.port}"
        for path, found in responses.items():
            alternatives = found if isinstance(found, list) else [found]

            def answer(query: dict[str, str], alternatives=alternatives) -> Reply:
                hit = next((b for q, b in alternatives if all(query.get(k) == v for k, v in q.items())), None)
                return Reply(404, b"not found") if hit is None else Reply(200, hit)

            self.route("127.0.0.1", path, answer)

    @property
    def paths(self) -> list[str]:
        return [f"{p}?{'&'.join(f'{k}={v}' for k, v in q.items())}" for _h, p, q, _ in self.requests]


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr("prosperity.sources.live.client.shared_limiter", lambda service, rate: RateLimiter(0))


def _json(doc: object) -> bytes:
    return json.dumps(doc).encode()


def _page(results: list[dict], page: int = 1, total_pages: int = 1) -> bytes:
    return _json({"paging": {"page": page, "pageSize": 40, "totalResults": len(results), "totalPages": total_pages},
                  "results": results})  # fmt: skip


CLA_SLUG = "children-looked-after-in-england-including-adoptions"
PUBS = [{"id": "p-0", "title": "Children's social work workforce", "slug": "childrens-social-work-workforce",
         "summary": "", "lastPublished": "2025-02-27T09:30:00+00:00"},
        {"id": "p-1", "title": "Children looked after in England including adoptions", "slug": CLA_SLUG,
         "summary": "", "lastPublished": "2025-11-20T09:30:00+00:00"}]  # fmt: skip


def _data_set(i: str, title: str, status: str = "Published", version: str = "2.0") -> dict:
    return {"id": i, "title": title, "summary": "", "status": status, "supersedingDataSetId": None,
            "latestVersion": {"version": version, "published": "2025-11-20T09:30:00+00:00", "totalResults": 2,
                              "file": {"id": f"f-{i}"}, "timePeriods": {"start": "2021", "end": "2025"},
                              "geographicLevels": ["National", "Local authority"], "filters": [], "indicators": []}}


def test_ees_finds_the_publication_by_slug_and_the_data_set_by_title_across_pages(tmp_path, fast):
    sets = [_data_set("ds-leavers", "Care leavers aged 17 to 21 - activity, by local authority"),
            _data_set("ds-old", "Children looked after - number and rate per 10,000 children", status="Deprecated"),
            _data_set("ds-cla", "Children looked after at 31 March - number and rate per 10,000 children, by local "
                                "authority")]  # fmt: skip
    replay = Replay({
        "/v1/publications": ({"search": "children looked after in england including adoptions", "page": "1"},
                             _page(PUBS)),
        "/v1/publications/p-1/data-sets": [({"page": "1"}, _page(sets[:1], 1, 2)), ({"page": "2"}, _page(sets[1:], 2, 2))],
        "/v1/data-sets/ds-cla/csv": ({}, CLA_CSV.encode()),
    })  # fmt: skip
    try:
        pub = next(p for p in dfe.PUBLICATIONS if p.id == "dfe/children-looked-after")
        ref = dfe.live_ref(pub)
        assert isinstance(ref.fetcher, EesDataSetFetcher) and ref.fetcher.publication_slug == CLA_SLUG
        dest = fetch_live(ref, tmp_path, settings=LiveSettings(ees_api_base=replay.base, retries=0))
        assert dest.read_text(encoding="utf-8") == CLA_CSV
        prov = json.loads(provenance_path(dest).read_text(encoding="utf-8"))
        assert prov["data_set_id"] == "ds-cla" and prov["version"] == "2.0"
        assert prov["release_date"].startswith("2025-11-20") and prov["publisher"] == "Department for Education"
        assert any("page=2" in r for r in replay.paths)
    finally:
        replay.close()


def test_ees_names_the_titles_when_no_data_set_matches(tmp_path, fast):
    sets = [_data_set("ds-x", "Adoptions by local authority")]
    replay = Replay({"/v1/publications": ({}, _page(PUBS)), "/v1/publications/p-1/data-sets": ({}, _page(sets))})
    try:
        f = EesDataSetFetcher(CLA_SLUG, r".*number and rate per 10,?000 children.*")
        with pytest.raises(Exception, match=r"no published data sets whose title matches .*Adoptions by local "
                                            r"authority"):  # fmt: skip
            fetch_live(LiveFileRef("dfe/x.csv", "x", fetcher=f), tmp_path, settings=LiveSettings(
                ees_api_base=replay.base, retries=0))  # fmt: skip
        assert not (tmp_path / "dfe/x.csv").exists()
        wrong = EesDataSetFetcher("no-such-publication", r".*")
        with pytest.raises(Exception, match="no publication with slug 'no-such-publication'"):
            fetch_live(LiveFileRef("dfe/y.csv", "y", fetcher=wrong), tmp_path,
                       settings=LiveSettings(ees_api_base=replay.base, retries=0))  # fmt: skip
    finally:
        replay.close()


def test_dfe_bundles_that_are_not_api_data_sets_still_name_their_page():
    refs = {p.id: dfe.live_ref(p) for p in dfe.PUBLICATIONS}
    assert isinstance(refs["dfe/children-looked-after"].fetcher, EesDataSetFetcher)
    assert not isinstance(refs["dfe/ks4-performance"].fetcher, EesDataSetFetcher)  # a whole-release zip
    plan = refs["dfe/children-looked-after"].fetcher.plan(LiveSettings())
    assert plan[0].startswith("GET https://api.education.gov.uk/statistics/v1/publications?search=")
    assert plan[-1] == "GET https://api.education.gov.uk/statistics/v1/data-sets/<that id>/csv"


# ---- Ofcom -----------------------------------------------------------------------------------------------------
OFCOM_CSV = ("laua,laua_name,All Premises\nE08000012,LIVERPOOL,250000\n")


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


def _html(*hrefs: str) -> bytes:
    return ("<html><body>" + "".join(f'<p><a href="{h}">link</a></p>' for h in hrefs) + "</body></html>").encode()


def test_ofcom_takes_the_newest_reports_newest_file_and_opens_its_zip(tmp_path, fast):
    hub = ofcom.HUB
    r23 = f"{hub}/connected-nations-2023/data-downloads-2023"
    r24 = f"{hub}/connected-nations-2024/data-downloads-2024"
    files = "/siteassets/resources/documents/research-and-data/connected-nations-2024"
    replay = Replay({
        hub: ({}, _html(r23, r24, "/about-ofcom", "https://example.org/connected-nations-2099/data-downloads")),
        r24: ({}, _html(f"{files}/202401_fixed_laua_coverage_r01.zip", f"{files}/202409_fixed_laua_coverage_r01.zip",
                        f"{files}/202409_fixed_laua_coverage_r02.zip", f"{files}/202409_fixed_pcon_coverage_r01.zip")),
        f"{files}/202409_fixed_laua_coverage_r02.zip": ({}, _zip({"202409_fixed_laua_coverage_r02.csv": OFCOM_CSV,
                                                                   "readme.txt": "x"})),
    })  # fmt: skip
    try:
        dest = fetch_live(LiveFileRef(ofcom.LIVE_PATH, ofcom.PAGE, fetcher=ofcom.FETCHER), tmp_path,
                          settings=LiveSettings(ofcom_base=replay.base, retries=0))  # fmt: skip
        assert dest.read_text(encoding="utf-8") == OFCOM_CSV
        prov = json.loads(provenance_path(dest).read_text(encoding="utf-8"))
        assert prov["file"] == "202409_fixed_laua_coverage_r02.csv" and prov["page"].endswith("data-downloads-2024")
        assert not any("2023" in r for r in replay.paths)  # the newest report had the file
    finally:
        replay.close()


def test_ofcom_says_what_it_found_when_nothing_matches(tmp_path, fast):
    hub = ofcom.HUB
    page = f"{hub}/connected-nations-2024/data-downloads-2024"
    replay = Replay({hub: ({}, _html(page)), page: ({}, _html("/files/202409_fixed_pcon_coverage_r01.zip"))})
    try:
        with pytest.raises(Exception, match=r"files seen: none"):
            fetch_live(LiveFileRef(ofcom.LIVE_PATH, ofcom.PAGE, fetcher=OfcomDownloadFetcher(hub, ofcom.FETCHER
                                                                                            .file_pattern)),
                       tmp_path, settings=LiveSettings(ofcom_base=replay.base, retries=0))  # fmt: skip
        assert not (tmp_path / ofcom.LIVE_PATH).exists()
    finally:
        replay.close()
