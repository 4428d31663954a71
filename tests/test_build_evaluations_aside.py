"""The build's evaluations run in a second process while the assessments are computed; what is stored is the same
as when the build computes them itself, which it does if the second process fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from prosperity.framework import shipped_framework_path
from prosperity.warehouse import evaluating
from prosperity.warehouse.build import build
from tests.conftest import make_mirror
from tests.evaluate.test_store import EVALUATION


def _stored(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT evaluation_id, file_sha256, releases_key, status, result, message, releases "
                           "FROM evaluation_results ORDER BY ALL").fetchall()  # fmt: skip


def test_evaluations_from_the_second_process_or_in_process_alike(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    fw = tmp_path / "framework"
    shutil.copytree(shipped_framework_path(), fw)
    (fw / "evaluations" / "nowhere.yaml").write_text(EVALUATION)
    m = make_mirror(tmp_path / "mirror", "els/claimant-count")
    started: list[evaluating.Aside | None] = []
    real_start = evaluating.start
    monkeypatch.setattr(evaluating, "start", lambda *a: started.append(real_start(*a)) or started[-1])
    aside = build(tmp_path / "aside.duckdb", mirror=m, framework=fw)
    assert started and started[0] is not None and started[0].process.returncode == 0  # it ran in the other process
    assert not started[0].snapshot.exists()  # and its snapshot is gone
    # A second process that fails (here: cannot run Python): the build computes them itself, nothing is lost.
    monkeypatch.setattr(evaluating.sys, "executable", "/bin/false")
    inline = build(tmp_path / "inline.duckdb", mirror=m, framework=fw)
    assert started[-1] is not None and started[-1].process.returncode != 0
    assert [(e.evaluation_id, e.status, e.message) for e in aside.evaluations] == \
        [(e.evaluation_id, e.status, e.message) for e in inline.evaluations]  # fmt: skip
    assert {e.evaluation_id: e.status for e in aside.evaluations}["nowhere"] == "failed"
    assert _stored(tmp_path / "aside.duckdb") == _stored(tmp_path / "inline.duckdb") != []


def test_a_build_that_stops_stops_the_second_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prosperity.warehouse import build as B

    m = make_mirror(tmp_path / "mirror", "els/claimant-count")
    started: list[evaluating.Aside | None] = []
    real_start = evaluating.start
    monkeypatch.setattr(evaluating, "start", lambda *a: started.append(real_start(*a)) or started[-1])

    def stop(*_args: object) -> None:
        raise RuntimeError("stopped while assessing")

    monkeypatch.setattr(B, "_assess", stop)
    with pytest.raises(RuntimeError, match="stopped while assessing"):
        build(tmp_path / "w.duckdb", mirror=m)
    assert started and started[0] is not None and started[0].process.returncode is not None
    assert not started[0].snapshot.exists() and not (tmp_path / "w.duckdb").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("w.duckdb")] == ["w.duckdb.lock"]
