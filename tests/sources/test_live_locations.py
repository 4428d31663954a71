"""Live locations are the publishers': `prosperity fetch --dry-run` names only publishers' hosts."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.sources import SOURCES

#: Hosts of publishers (and the publishers' own repositories: ONS's Explore Local Statistics, mySociety's register).
PUBLISHERS = {"www.nomisweb.co.uk", "api.beta.ons.gov.uk", "www.ons.gov.uk", "fingertips.phe.org.uk", "www.gov.uk",
              "explore-education-statistics.service.gov.uk", "api.education.gov.uk", "www.ofcom.org.uk",
              "github:ONSdigital", "github:mysociety"}  # fmt: skip
#: Not yet publisher-true: none (the IoD 2025 summaries, once a council data lab's CSV, are MHCLG's File 10).
KNOWN_GAPS: set[str] = set()


def test_dry_run_lists_only_publisher_hosts():
    r = CliRunner().invoke(app, ["fetch", "--dry-run"])
    assert r.exit_code == 0, r.output
    hosts = set()
    for url in re.findall(r"https?://[^\s)<'\"]+", r.output):
        host = url.split("/")[2]
        hosts.add(f"github:{url.split('/')[3]}" if host == "raw.githubusercontent.com" else host)
    assert hosts - PUBLISHERS == KNOWN_GAPS, hosts - PUBLISHERS


def test_release_publisher_is_named_for_every_live_dataset():
    for discover in SOURCES.values():
        for ds in discover(None).datasets:
            assert ds.publisher and "mySociety" not in ds.publisher or ds.id == "local-authorities/register", ds.id
            assert "via" not in ds.publisher and "re-packaged" not in ds.publisher, ds.id
