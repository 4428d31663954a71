"""Evaluations computed once by the build and stored beside the figures, keyed by the releases they used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from prosperity.evaluate.spec import load_spec
from prosperity.evaluate.store import pending
from prosperity.framework import shipped_framework_path
from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from prosperity.web import create_app
from tests.conftest import make_mirror


def test_the_build_stored_each_shipped_evaluation_with_the_releases_it_used(warehouse_path: Path,
                                                                           shipped: dict[str, Path]) -> None:  # fmt: skip
    with Warehouse.open(warehouse_path) as wh:
        assert not pending(wh.con, warehouse_path, shipped_framework_path())
        rows = wh.query("SELECT evaluation_id, file_sha256, status, releases, seconds FROM evaluation_results")
    by = {r["evaluation_id"]: r for r in rows}
    assert set(by) == set(shipped)
    for k, p in shipped.items():
        loaded = load_spec(p)
        assert by[k]["status"] == "done" and by[k]["file_sha256"] == loaded.digest and by[k]["seconds"] > 0
        assert json.loads(by[k]["releases"]) == dict(loaded.spec.releases)  # the releases the file is frozen to


def test_an_edited_file_is_pending(warehouse_path: Path, edited_framework: Path) -> None:
    with Warehouse.open(warehouse_path) as wh:
        assert pending(wh.con, warehouse_path, edited_framework)


EVALUATION = """id: nowhere
title: A check of stored failures
question: Is a failure stored with its reason?
intervention: {name: a test intervention, description: used by the test suite}
treated: [{area: E99999999, start: 2021}]
outcomes: [{indicator: claimant-count}]
donors: {group: statistical-neighbours, of: E06000006}
windows: {pre: [2015, 2019], post: [2021, 2023]}
methods: [synthetic-control]
"""


def test_failures_and_missing_figures_are_stored_or_reported_and_pages_say_so(tmp_path: Path) -> None:
    fw = tmp_path / "framework"
    shutil.copytree(shipped_framework_path(), fw)
    (fw / "evaluations" / "nowhere.yaml").write_text(EVALUATION)
    m = make_mirror(tmp_path / "mirror", "els/claimant-count")
    db = tmp_path / "w.duckdb"
    first = build(db, mirror=m, framework=fw)
    status = {e.evaluation_id: e for e in first.evaluations}
    # The shipped files need figures this mirror lacks: nothing is computed, and the build says why.
    assert status["lcr-devolution-2017"].status == "unavailable" and "employment-rate" in status[
        "lcr-devolution-2017"].message  # fmt: skip
    # An unknown area fails inside the run: stored, with its reason.
    assert status["nowhere"].status == "failed" and "E99999999" in status["nowhere"].message
    again = build(db, mirror=m, framework=fw)
    assert not again.wrote and again.evaluations == []  # nothing pending: the build has nothing to do
    app = create_app(db, fw, cache=False)
    with TestClient(app) as c:
        page = c.get("/evaluations/nowhere")
        assert page.status_code == 200 and "could not be completed" in page.text and "E99999999" not in page.text
        j = c.get("/api/v1/evaluations/nowhere").json()
        assert "could not be completed" in j["error"] and "Reason:" in j["error"] and "E99999999" in j["error"]
        page = c.get("/evaluations/lcr-devolution-2017")
        assert "cannot be computed from the figures this site holds" in page.text
        assert "els/" not in page.text.split("<main", 1)[1]
