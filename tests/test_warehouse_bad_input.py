"""Bad input, on copies of real files: rejected whole with file, row and column; nothing good is lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from tests.conftest import CC, CC_JSON, GVA, make_mirror, rewrite


def rebuild_and_reject(m: Path, db: Path) -> str:
    with Warehouse.open(db) as wh:
        before = wh.releases()
        cc_before = wh.series("claimant-count", "E08000012")
    s = build(db, mirror=m)
    result = {r.dataset_id: r for r in s.results}
    assert result["els/claimant-count"].status == "rejected"
    assert result["els/gross-value-added"].status == "unchanged"
    with Warehouse.open(db) as wh:
        assert wh.releases() == before  # nothing added, nothing lost
        assert wh.series("claimant-count", "E08000012") == cc_before
    return result["els/claimant-count"].message


def test_text_where_a_number_belongs(small):
    m, db = small
    rewrite(m / CC, lambda rows: rows[9].__setitem__(5, "about 4"))
    msg = rebuild_and_reject(m, db)
    assert msg.startswith(f"{CC}, row 10, column 'observation': 'about 4' is not a number")


def test_unknown_area_code(small):
    m, db = small
    rewrite(m / CC, lambda rows: rows[20].__setitem__(0, "E08999999"))
    msg = rebuild_and_reject(m, db)
    assert f"{CC}, row 21, column 'area code': unknown area code 'E08999999'" in msg


def test_wrong_columns(small):
    m, db = small
    rewrite(m / CC, lambda rows: rows[0].__setitem__(5, "value"))
    msg = rebuild_and_reject(m, db)
    assert f"{CC}, row 1:" in msg and "missing column(s) 'observation'" in msg and "unexpected column(s) 'value'" in msg


def test_truncated_file(small):
    m, db = small
    data = (m / CC).read_bytes()
    (m / CC).write_bytes(data[: len(data) // 2])
    cut_line = data[: len(data) // 2].count(b"\n") + 1
    msg = rebuild_and_reject(m, db)
    assert f"{CC}, row {cut_line}: malformed row" in msg and "truncated" in msg


def test_duplicate_keys_with_different_values(small):
    m, db = small

    def dup(rows):
        copy = list(rows[5])
        copy[5] = str(float(copy[5]) + 1)
        rows.append(copy)

    rewrite(m / CC, dup)
    msg = rebuild_and_reject(m, db)
    assert "duplicate key with different values" in msg and "row 6 has" in msg


def test_broken_metadata_json(small):
    m, db = small
    text = (m / CC_JSON).read_text(encoding="utf-8")
    (m / CC_JSON).write_text(text[: len(text) // 2], encoding="utf-8")
    msg = rebuild_and_reject(m, db)
    assert msg.startswith(f"{CC_JSON}, row ") and "not valid JSON" in msg


def test_suppression_markers_in_the_value_column_are_kept(small):
    m, db = small
    markers = ["..", "[c]", "x", ""]

    def mark(rows):
        for i, mk in enumerate(markers, start=1):
            rows[i][5], rows[i][10] = mk, ""

    rewrite(m / CC, mark)
    s = build(db, mirror=m)
    assert {r.dataset_id: r.status for r in s.results}["els/claimant-count"] == "loaded"
    with Warehouse.open(db) as wh:
        got = wh.query(
            "SELECT status, value FROM latest_observations WHERE indicator_id = 'claimant-count' "
            "AND area_code = 'K02000001' AND value IS NULL ORDER BY period"
        )
    assert sorted(r["status"] or "" for r in got) == sorted(markers)


def test_revision_adds_a_release_and_keeps_the_old_values(tmp_path: Path):
    m = make_mirror(tmp_path / "mirror", copy=(GVA,))
    db = tmp_path / "w.duckdb"
    build(db, mirror=m)
    with Warehouse.open(db) as wh:
        (old,) = [o for o in wh.series("gross-value-added-per-hour-worked", "E47000004") if o.period.startswith("2023")]
        loaded_at = old.loaded_at

    def revise(rows):
        for r in rows:
            if r[0] == "E47000004" and r[4] == "2023-01-01/P1Y" and r[3] == "Gross value added per hour worked":
                r[5] = "38.05"

    rewrite(m / GVA / "gross-value-added.csv", revise)
    s = build(db, mirror=m)
    assert {r.dataset_id: r.status for r in s.results}[GVA] == "loaded"
    with Warehouse.open(db) as wh:
        (new,) = [o for o in wh.series("gross-value-added-per-hour-worked", "E47000004") if o.period.startswith("2023")]
        hist = [o for o in wh.series("gross-value-added-per-hour-worked", "E47000004", history=True)
                if o.period.startswith("2023")]  # fmt: skip
        then = [o for o in wh.series("gross-value-added-per-hour-worked", "E47000004", as_of=loaded_at)
                if o.period.startswith("2023")]  # fmt: skip
        rel = wh.releases(GVA)
    assert new.value == 38.05 and new.release_id != old.release_id
    assert [o.value for o in hist] == [old.value, 38.05]
    assert then[0].value == old.value
    assert [r["current"] for r in rel] == [False, True] and rel[1]["previous_release_id"] == rel[0]["release_id"]


def test_missing_mirror_is_a_clear_error(tmp_path: Path):
    from prosperity.errors import SourceError

    with pytest.raises(SourceError, match="does not exist"):
        build(tmp_path / "w.duckdb", mirror=tmp_path / "nowhere")


def test_a_killed_build_leaves_the_previous_warehouse_whole(tmp_path: Path, mirror: Path):
    small_mirror = make_mirror(tmp_path / "small", "els/claimant-count")
    db = tmp_path / "w.duckdb"
    build(db, mirror=small_mirror)
    with Warehouse.open(db) as wh:
        releases = wh.releases()
        n_obs = wh.query("SELECT count(*) AS n FROM observations")[0]["n"]
    env = {**os.environ, "PROSPERITY_DB": str(db)}
    proc = subprocess.Popen([sys.executable, "-m", "prosperity.cli", "build", "--mirror", str(mirror)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)  # fmt: skip
    loaded = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.rstrip().endswith(": loaded"):
            loaded += 1
        if loaded == 10:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert loaded == 10 and proc.returncode == -signal.SIGKILL
    with Warehouse.open(db) as wh:
        assert wh.releases() == releases
        assert wh.query("SELECT count(*) AS n FROM observations")[0]["n"] == n_obs
        assert wh.latest("claimant-count", "E08000012") is not None
    # The next build cleans up after the killed one and completes.
    s = build(db, mirror=small_mirror)
    assert not s.rejected and not list(tmp_path.glob("w.duckdb.tmp-*"))


def test_metadata_only_folder_is_reported_missing_and_build_goes_on(tmp_path: Path):
    m = make_mirror(tmp_path / "mirror", "els/claimant-count", "els/child-weight")
    s = build(tmp_path / "w.duckdb", mirror=m)
    res = {r.dataset_id: r for r in s.results}
    assert res["els/child-weight"].status == "missing" and "child-weight.csv" in res["els/child-weight"].message
    assert res["els/claimant-count"].status == "loaded"


def test_a_new_els_folder_is_picked_up_without_code_change(tmp_path: Path, mirror: Path):
    m = make_mirror(tmp_path / "mirror", "els/claimant-count")
    new = m / "els" / "claimant-count-copy"
    new.mkdir()
    rows = (mirror / CC).read_text(encoding="utf-8-sig").replace("Claimant Count", "Claimant Count (copy)")
    (new / "claimant-count-copy.csv").write_text(rows, encoding="utf-8")
    meta = json.loads((mirror / CC_JSON).read_text(encoding="utf-8-sig"))
    (new / "claimant-count-copy.json").write_text(json.dumps(meta), encoding="utf-8")
    s = build(tmp_path / "w.duckdb", mirror=m)
    assert {r.dataset_id: r.status for r in s.results}["els/claimant-count-copy"] == "loaded"
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        assert "claimant-count-copy" in wh.indicator_ids()
