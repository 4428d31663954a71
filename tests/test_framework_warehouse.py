"""The shipped framework against a warehouse built from the real mirror: every binding resolves."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from prosperity.framework import load_framework, shipped_framework_path
from prosperity.framework.cli import app
from prosperity.framework.coverage import check_bindings, coverage, strategy_tree
from prosperity.framework.model import WarehouseBinding
from prosperity.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shipped():
    return load_framework(shipped_framework_path())


@pytest.fixture(scope="module")
def wh(warehouse_path):
    w = Warehouse.open(warehouse_path, read_only=True)
    yield w
    w.close()


def test_every_warehouse_binding_resolves(shipped, wh):
    assert [str(i) for i in check_bindings(shipped, wh)] == []
    ids = wh.indicator_ids()
    for ind in shipped.indicators.values():
        if isinstance(ind.data, WarehouseBinding):
            assert ind.data.warehouse in ids, ind.id
            assert ind.data.breakdown in wh.breakdowns(ind.data.warehouse), ind.id


def test_the_named_datasets_are_bound_to_data(shipped):
    bound = {i.id for i in shipped.indicators.values() if isinstance(i.data, WarehouseBinding)}
    for expected in ("gva-per-hour-worked", "employment-rate", "economic-inactivity", "qualifications-level-3-plus",
                     "no-qualifications", "business-birth-rate", "business-survival-3-year",
                     "healthy-life-expectancy-male", "ghg-emissions-per-head", "co2-emissions-transport",
                     "gigabit-coverage", "housing-net-additions", "housing-completions", "deprivation-health",
                     "gdhi-per-head", "median-weekly-pay", "berd"):  # fmt: skip
        assert expected in bound, expected


def test_coverage_against_the_warehouse_adds_up_with_nothing_unresolved(shipped, wh):
    report = coverage(shipped, wh)
    assert report["warehouse_checked"]
    ind = report["indicators"]
    assert ind["unresolved"] == 0
    assert ind["data"] + ind["live"] + ind["none"] == ind["total"] == len(shipped.indicators)
    for s in report["strategies"]:
        for k in ("outcomes", "indicators"):
            c = s[k]
            assert c["data"] + c["live"] + c["none"] + c["unresolved"] == c["total"]


def test_show_reads_latest_values_for_the_strategy_area(shipped, wh):
    tree = strategy_tree(shipped, shipped.strategies["growth-plan-2025"], wh)
    productivity = tree["themes"][0]["outcomes"][0]["indicators"][0]
    assert productivity["indicator"] == "gva-per-hour-worked" and productivity["area"] == "E47000004"
    assert productivity["value"] > 0 and productivity["period"].endswith("/P1Y")
    gva = tree["themes"][0]["outcomes"][1]["indicators"][0]
    assert gva["area"] == "TLD7" and gva["value"] > 10_000  # £ million, the ITL2 area standing in for the CA
    liverpool = strategy_tree(shipped, shipped.strategies["igp-2018"], wh)
    poverty = next(i for a in liverpool["themes"] for p in a["themes"] for o in p["outcomes"]
                   for i in o["indicators"] if i["indicator"] == "child-poverty")  # fmt: skip
    assert poverty["area"] == "E08000012" and poverty["value"] is not None


def test_cli_against_the_warehouse(warehouse_path):
    runner = CliRunner()
    checked = runner.invoke(app, ["check", "--db", str(warehouse_path), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["warehouse_checked"] is True
    cov = runner.invoke(app, ["coverage", "--db", str(warehouse_path)])
    words = " ".join(cov.stdout.replace("│", " ").split())  # the table wraps its headings in a narrow terminal
    assert cov.exit_code == 0 and "elsewhere" in words and "total = data" in words
    assert "has data for the strategy's own area" in words  # counted where it matters, from the stored assessments
    shown = runner.invoke(app, ["show", "lis-2020", "--db", str(warehouse_path)])
    assert shown.exit_code == 0 and "Reduced carbon emissions" in shown.stdout
    assert "lis-net-zero-2040" in shown.stdout and "superseded by gp-net-zero-2035" in shown.stdout
