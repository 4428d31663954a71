"""A dated target that cannot be judged says why, on its outcome's page and in the coverage benchmark."""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path

from prosperity.framework import load_framework, shipped_framework_path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "coverage.py"


def test_unjudgeable_targets_page_says_it_cannot_be_judged_and_why(client):
    page = html.unescape(client.get("/outcomes/lis-o21").text)
    assert "No data source: Only a coarser geography: DfT's bus fleet by fuel type" in page
    assert "This target cannot be judged without a figure for Liverpool City Region, which this site does not have " \
        "for the reason given above." in page  # fmt: skip
    judged = html.unescape(client.get("/outcomes/gp-net-zero-emissions").text)
    assert "cannot be judged" not in judged  # its indicator has a figure for the city region


def test_coverage_benchmark_gives_each_unjudged_target_its_reason(warehouse_path):
    spec = importlib.util.spec_from_file_location("coverage_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    m = bench.measure(warehouse_path, shipped_framework_path())
    rows = {t["target"]: t for t in m["targets"]["list"]}
    assert rows["igp-diesel-free-fleet-2024"]["why_not"].startswith("no source (held only in a council's")
    assert rows["igp-families-programme-2020"]["why_not"].startswith("the publisher's figures are not held (mhclg")
    assert rows["pfp-rd-5pc-gva-2030"]["why_not"].startswith("no source (published only for a coarser geography)")
    fw = load_framework(shipped_framework_path())
    for t in rows.values():
        assert (t["why_not"] is None) == (t["status"] not in bench.UNJUDGED), t
        assert t["indicator"] in fw.indicators
