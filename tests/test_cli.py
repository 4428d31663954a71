"""The command line as a user meets it: help everywhere, tables, JSON and CSV, clear errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from prosperity.cli import app
from tests.conftest import make_mirror

runner = CliRunner()


def _commands(group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


ALL = list(_commands(typer.main.get_command(app)))


def test_every_expected_command_exists():
    assert {("build",), ("areas",), ("indicators",), ("series",), ("releases",)} <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help_on_every_subcommand(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_series_json_and_csv(warehouse_path: Path):
    args = ["series", "gross-value-added-per-hour-worked", "E47000004", "--db", str(warehouse_path)]
    data = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    row = next(r for r in data if r["period"] == "2023-01-01/P1Y")
    assert round(row["value"], 2) == 37.33 and row["unit"] == "£" and row["release_id"] and row["release_date"]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "--format", "csv"]).stdout)))
    assert {"period", "value", "lci_95", "uci_95", "status", "unit", "release_id"} <= set(rows[0])
    table = runner.invoke(app, args).stdout
    assert "37.3" in table and "Liverpool City Region" in table


def test_areas_and_indicators(warehouse_path: Path):
    out = runner.invoke(app, ["areas", "--parent", "E47000004", "--db", str(warehouse_path), "-f", "json"]).stdout
    assert [a["code"] for a in json.loads(out)] == [
        "E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"]  # fmt: skip
    out = runner.invoke(app, ["indicators", "--db", str(warehouse_path), "-f", "json"]).stdout
    ids = {i["id"] for i in json.loads(out)}
    assert {"gross-value-added-per-hour-worked", "employment-rate", "iod2019-rank", "co2-emissions"} <= ids


def test_unknown_indicator_and_area_say_what(warehouse_path: Path):
    r = runner.invoke(app, ["series", "gross-value-added-per-hour", "E47000004", "--db", str(warehouse_path)])
    assert r.exit_code == 2 and "did you mean gross-value-added-per-hour-worked" in r.stderr
    r = runner.invoke(app, ["series", "employment-rate", "E99999999", "--db", str(warehouse_path)])
    assert r.exit_code == 2 and "unknown area code 'E99999999'" in r.stderr


def test_missing_warehouse(tmp_path: Path):
    r = runner.invoke(app, ["areas", "--db", str(tmp_path / "none.duckdb")])
    assert r.exit_code == 2 and "prosperity build --mirror" in r.stderr


def test_build_summary_and_strict(tmp_path: Path):
    m = make_mirror(tmp_path / "mirror", copy=("els/claimant-count",))
    p = m / "els/claimant-count/claimant-count.csv"
    p.write_text(p.read_text(encoding="utf-8-sig").replace(",3.9,", ",three point nine,", 1), encoding="utf-8")
    db = str(tmp_path / "w.duckdb")
    r = runner.invoke(app, ["build", "--mirror", str(m), "--db", db, "--format", "json"])
    assert r.exit_code == 0
    summary = json.loads(r.stdout)
    res = {d["dataset"]: d for d in summary["datasets"]}
    assert res["els/claimant-count"]["status"] == "rejected"
    assert "'three point nine' is not a number" in res["els/claimant-count"]["message"]
    assert res["geography/ons-els"]["status"] == "loaded"
    r = runner.invoke(app, ["build", "--mirror", str(m), "--db", db, "--strict"])
    assert r.exit_code == 1 and "rejected" in r.stdout


def test_build_with_a_broken_framework_assesses_what_loaded_and_says_so(tmp_path: Path):
    import shutil

    from prosperity.framework import shipped_framework_path

    fw = tmp_path / "fw" / "liverpool-city-region"
    shutil.copytree(shipped_framework_path(), fw)
    (fw / "framework.yaml").write_text(
        (fw / "framework.yaml").read_text(encoding="utf-8").replace(
            "documents_dir: ../../../shared/seeds", f"documents_dir: {shipped_framework_path() / '../../../shared/seeds'}"),
        encoding="utf-8")  # fmt: skip
    (fw / "zz-broken.yaml").write_text("strategy: [unclosed\n", encoding="utf-8")
    m = make_mirror(tmp_path / "mirror", "els/gross-value-added")
    r = runner.invoke(app, ["build", "--mirror", str(m), "--db", str(tmp_path / "w.duckdb"), "--framework", str(fw),
                            "--format", "json"])  # fmt: skip
    summary = json.loads(r.stdout)
    assert r.exit_code == 0 and summary["framework_errors"] >= 1 and summary["assessments"] > 0
    assert {d["dataset"]: d["status"] for d in summary["datasets"]}["els/gross-value-added"] == "loaded"
