"""Without a mirror, the build fetches each file from its live location (served here without a network)."""

from __future__ import annotations

from pathlib import Path

import httpx

from prosperity.sources import discover_all
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build


def test_build_without_a_mirror_fetches_from_the_live_locations(tmp_path: Path, mirror: Path):
    urls = {ref.url: mirror / ref.path for ds in discover_all(None).datasets for ref in ds.files}
    wanted = {"geography/ons-els", "local-authorities/register", "els/claimant-count", "els/child-weight"}
    asked: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        assert request.headers["user-agent"].startswith("prosperity/")
        path = urls.get(str(request.url))
        if path is None or not path.exists():
            return httpx.Response(404)
        return httpx.Response(200, content=path.read_bytes())

    client = httpx.Client(transport=httpx.MockTransport(serve))
    s = build(tmp_path / "w.duckdb", cache=tmp_path / "cache", client=client, only=lambda d: d.id in wanted,
              assess=False)
    status = {r.dataset_id: r.status for r in s.results}
    assert status["els/claimant-count"] == "loaded" and status["geography/ons-els"] == "loaded"
    # A file the publisher does not serve is reported, and the build goes on.
    assert status["els/child-weight"] == "unavailable"
    assert all(u.startswith("https://raw.githubusercontent.com/") for u in asked)
    assert (tmp_path / "cache/els/claimant-count/claimant-count.csv").exists()
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        rel = wh.query("SELECT origin, live_url FROM current_releases WHERE dataset_id = 'els/claimant-count'")[0]
        assert rel["origin"] == "live" and rel["live_url"].endswith("/claimant-count/claimant-count.csv")
        assert wh.latest("claimant-count", "E08000012") is not None
    # A second fetch of unchanged files loads nothing new.
    again = build(tmp_path / "w.duckdb", cache=tmp_path / "cache", client=client, only=lambda d: d.id in wanted,
                  assess=False)
    assert not again.wrote
