"""No input file can run code: hostile headers, cells, metadata, folder names and sheet names, on copies of real
mirror files. Nothing executes, no file is written, and every earlier release keeps exactly its rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import build
from prosperity.warehouse.sql import UnsafeSQL, quote_ident, single_statement
from tests.conftest import make_mirror
from tests.hardening.conftest import CC, CC_JSON, release_checksums, rewrite


def payloads(tmp: Path) -> list[str]:
    """Statements a header could try to smuggle in; each would leave a trace under ``tmp`` if it ran."""
    return [
        f"notes\" FROM raw_data; COPY (SELECT 42) TO '{tmp}/pwned.csv'; --",
        "x\"; COMMIT; UPDATE observations SET value = -1; BEGIN; SELECT \"y",
        f"observation\" FROM raw_data; ATTACH '{tmp}/evil.duckdb' AS evil; CREATE TABLE evil.t AS SELECT 1; --",
        "obs\"ervation",
        "\"",
        "x'); DELETE FROM releases; --",
        f"c0 FROM raw_data) TO '{tmp}/pwned2.csv' (FORMAT csv); --",
    ]


def traces(tmp: Path) -> list[Path]:
    return [p for p in tmp.rglob("*") if p.name.startswith(("pwned", "evil"))]


@pytest.mark.parametrize("column", [0, 5, 11])
def test_hostile_headers_are_rejected_and_run_nothing(small, tmp_path: Path, column: int):
    m, db = small
    before = release_checksums(db)
    for payload in payloads(tmp_path):
        rewrite(m / CC, lambda rows, p=payload: rows[0].__setitem__(column, p))
        s = build(db, mirror=m, assess=False)
        res = {r.dataset_id: r for r in s.results}
        assert res["els/claimant-count"].status == "rejected", payload
        msg = res["els/claimant-count"].message
        assert msg.startswith(f"{CC}, row 1: "), msg
        assert "column" in msg and "Parser Error" not in msg and "Binder Error" not in msg
        assert res["els/gross-value-added"].status == "unchanged"
        assert traces(tmp_path) == [], payload
        assert release_checksums(db) == before, payload


def test_hostile_header_as_an_extra_notes_column_runs_nothing(small, tmp_path: Path):
    """ELS allows repeated notes columns: a hostile one after the real ones is still only a quoted name."""
    m, db = small
    before = release_checksums(db)
    rewrite(m / CC, lambda rows: [r.append("notes" if i == 0 else "") for i, r in enumerate(rows)])
    payload = f"notes\" FROM raw_data; COPY (SELECT 1) TO '{tmp_path}/pwned.csv'; --"
    rewrite(m / CC, lambda rows: rows[0].__setitem__(12, payload))
    s = build(db, mirror=m, assess=False)
    assert {r.dataset_id: r.status for r in s.results}["els/claimant-count"] == "rejected"
    assert traces(tmp_path) == [] and release_checksums(db) == before


def test_hostile_cells_and_metadata_are_kept_as_text(small, tmp_path: Path):
    """Values are bound parameters: SQL in a cell or in the metadata is stored as the text it is."""
    m, db = small
    before = release_checksums(db)
    evil = f"'); COPY (SELECT 1) TO '{tmp_path}/pwned.csv'; DROP TABLE observations; --"
    meta = json.loads((m / CC_JSON).read_text(encoding="utf-8-sig"))
    meta["ess-beta-metadata"]["label"] = "Claimant Count " + evil
    meta["ess-beta-metadata"]["caveats"] = evil
    meta["ess-beta-metadata"]["sourceOrg"] = '"; ATTACH \'' + str(tmp_path / "evil.duckdb") + "' AS e; --"
    (m / CC_JSON).write_text(json.dumps(meta), encoding="utf-8")
    rewrite(m / CC, lambda rows: [r.__setitem__(1, r[1] + evil) for r in rows[1:]])
    s = build(db, mirror=m, assess=False)
    assert {r.dataset_id: r.status for r in s.results}["els/claimant-count"] == "loaded"
    assert traces(tmp_path) == []
    after = release_checksums(db)
    assert {k: v for k, v in after.items() if k in before} == before  # earlier releases untouched
    with Warehouse.open(db) as wh:
        ind = wh.indicator("claimant-count")
        assert ind["label"] == "Claimant Count " + evil and ind["caveats"] == evil
        assert wh.query("SELECT count(*) AS n FROM observations")[0]["n"] > 0


def test_folder_names_are_never_patterns(tmp_path: Path, mirror: Path):
    """A folder named ``claimant-coun[t]`` is not read (and never reads claimant-count's file); other hostile
    names are reported, not loaded."""
    m = make_mirror(tmp_path / "mirror", "els/claimant-count")
    for name in ("claimant-coun[t]", "claimant-coun?", "x'; DROP TABLE observations; --", "claimant*"):
        folder = m / "els" / name
        folder.mkdir()
        shutil.copyfile(mirror / CC, folder / f"{name}.csv")
        shutil.copyfile(mirror / CC_JSON, folder / f"{name}.json")
    s = build(tmp_path / "w.duckdb", mirror=m, assess=False)
    ids = {r.dataset_id: r.status for r in s.results}
    assert ids["els/claimant-count"] == "loaded"
    assert not [i for i in ids if i.startswith("els/") and i != "els/claimant-count" and i.startswith("els/claim")]
    ignored = dict(s.ignored)
    for name in ("claimant-coun[t]", "claimant-coun?", "x'; DROP TABLE observations; --", "claimant*"):
        assert "slug" in ignored[f"els/{name}"]


def test_a_mirror_whose_path_has_pattern_characters_reads_its_own_files(tmp_path: Path, mirror: Path):
    """``mir[r]or`` as a glob would match ``mirror``: a decoy there must never be read."""
    real = make_mirror(tmp_path / "mir[r]or", copy=("els/claimant-count",))
    decoy = make_mirror(tmp_path / "mirror", copy=("els/claimant-count",))
    rewrite(decoy / CC, lambda rows: [r.__setitem__(5, "999") for r in rows[1:]])
    db = tmp_path / "w.duckdb"
    s = build(db, mirror=real, assess=False)
    assert not s.rejected
    with Warehouse.open(db) as wh:
        values = {r["value"] for r in wh.query("SELECT value FROM observations WHERE indicator_id = 'claimant-count'")}
    assert 999 not in values and len(values) > 10


def test_hostile_sheet_names_run_nothing(tmp_path: Path, mirror: Path):
    """A workbook whose sheet is renamed to SQL: the load says which sheet it expected and runs nothing."""
    openpyxl = pytest.importorskip("openpyxl")
    path = "regional-accounts/itlproductivity.xlsx"
    m = make_mirror(tmp_path / "mirror", copy=(path,))
    db = tmp_path / "w.duckdb"
    wb = openpyxl.load_workbook(m / path)
    wb["A4"].title = "A4'; COPY (SELECT 1) TO 'pw';--"
    wb.save(m / path)
    s = build(db, mirror=m, assess=False)
    res = {r.dataset_id: r for r in s.results}["regional-accounts/subregional-productivity"]
    assert res.status == "rejected" and "sheet 'A4' not found" in res.message
    assert traces(tmp_path) == [] and not (Path.cwd() / "pw").exists()


def test_one_statement_per_call_is_enforced():
    import duckdb

    con = duckdb.connect()
    with pytest.raises(UnsafeSQL, match="2 SQL statements"):
        single_statement(con, "SELECT 1; SELECT 2", "f.csv")
    with pytest.raises(UnsafeSQL, match="not valid SQL"):
        single_statement(con, 'SELECT "unterminated', "f.csv")
    name = 'a"; DROP TABLE t; --'
    assert con.execute(f"SELECT 1 AS {quote_ident(name)}").description[0][0] == name
