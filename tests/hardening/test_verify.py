"""Row digests: every release's stored rows hash to what was recorded at its load, checked by `prosperity verify`
and at the start of every build. A change to any earlier release's rows is found and named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.errors import WarehouseError
from prosperity.warehouse.build import build
from prosperity.warehouse.integrity import verify
from tests.hardening.conftest import CC, rewrite

runner = CliRunner()


def tamper(db: Path, sql: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql)
    finally:
        con.close()


def release_of(db: Path, dataset: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT max(release_id) FROM releases WHERE dataset_id = ?", [dataset]).fetchone()[0]
    finally:
        con.close()


def test_an_intact_warehouse_verifies(small):
    _, db = small
    result = runner.invoke(app, ["verify", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "releases checked: every one intact" in result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        parts = {r[0] for r in con.execute("SELECT DISTINCT part FROM release_digests").fetchall()}
        assert {"observations", "release", "indicators", "table:areas"} <= parts
        # the row digests computed beside the load are all there once the build is done
        assert con.execute("SELECT count(*) FROM release_digests WHERE digest = ''").fetchone()[0] == 0
        assert verify(con).ok and verify(con, quick=True).ok
    finally:
        con.close()


@pytest.mark.parametrize("change, words", [
    ("UPDATE observations SET value = value + 1 WHERE release_id = {rid} AND value IS NOT NULL",
     "same number of rows, different values"),
    ("DELETE FROM observations WHERE release_id = {rid} AND period LIKE '2001%'", "rows when loaded"),
    ("UPDATE releases SET sha256 = 'abc' WHERE release_id = {rid}", "its record changed"),
    ("UPDATE observations SET status = 'x' WHERE release_id = {rid} AND rowid % 97 = 0", "different values"),
])  # fmt: skip
def test_a_changed_release_is_found_by_verify_and_stops_the_build(small, change: str, words: str):
    m, db = small
    rid = release_of(db, "els/claimant-count")
    # A newer release of the same dataset first: the changed one is an earlier, no longer current, release.
    rewrite(m / CC, lambda rows: rows[1].__setitem__(5, "2.7"))
    assert not build(db, mirror=m, assess=False).rejected
    assert release_of(db, "els/claimant-count") > rid
    tamper(db, change.format(rid=rid))
    result = runner.invoke(app, ["verify", "--db", str(db)])
    assert result.exit_code == 1
    assert f"release {rid} (els/claimant-count)" in result.output and words in result.output
    with pytest.raises(WarehouseError, match=f"release {rid} \\(els/claimant-count\\)"):
        build(db, mirror=m, assess=False)
    cli = runner.invoke(app, ["build", "--mirror", str(m), "--db", str(db), "--no-assess"])
    assert cli.exit_code == 2 and "prosperity verify" in cli.output and "Traceback" not in cli.output


def test_rows_moved_into_a_release_are_found(small):
    _, db = small
    rid = release_of(db, "els/claimant-count")
    gva = release_of(db, "els/gross-value-added")
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM observations WHERE release_id = ?", [rid]).fetchone()[0]
    con.close()
    tamper(db, f"INSERT INTO observations SELECT * REPLACE ({rid} AS release_id) FROM observations "
               f"WHERE release_id = {gva} LIMIT 3")  # fmt: skip
    con = duckdb.connect(str(db), read_only=True)
    try:
        problems = verify(con).problems
    finally:
        con.close()
    assert problems == [f"release {rid} (els/claimant-count): its observations changed since it was loaded "
                        f"({n:,} rows when loaded, {n + 3:,} now)"]  # fmt: skip


def as_built_before_hardening(db: Path) -> None:
    """Turn a warehouse back into one built before migrations 3 to 5 (digests, rejection kinds, revisions), and
    so before the later ones too (other names of areas, assessments kept for every edition)."""
    for sql in ("DROP VIEW assessments", "DROP TABLE assessment_editions",
                "ALTER TABLE assessment_versions DROP COLUMN from_edition",
                "ALTER TABLE assessment_versions DROP COLUMN to_edition",
                "ALTER TABLE assessment_versions RENAME TO assessments",
                "DROP TABLE release_digests", "DROP TABLE indicator_versions",
                "ALTER TABLE releases DROP COLUMN publisher_release_dates",
                "ALTER TABLE releases DROP COLUMN same_content_as", "ALTER TABLE releases DROP COLUMN notes",
                "ALTER TABLE rejections DROP COLUMN kind", "DROP TABLE area_names",
                "DELETE FROM schema_migrations WHERE version >= 3"):
        tamper(db, sql)


def test_digests_are_recorded_for_a_warehouse_built_before_them(small):
    """A warehouse from before row digests gets them (marked as recorded by the migration) at its next build."""
    m, db = small
    as_built_before_hardening(db)
    s = build(db, mirror=m, assess=False)
    assert s.wrote and not s.rejected
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert {r[0] for r in con.execute("SELECT DISTINCT recorded FROM release_digests").fetchall()} == {"migration"}
        assert {r[0] for r in con.execute("SELECT DISTINCT part FROM release_digests").fetchall()} >= {
            "observations", "release", "indicators", "table:areas"}
        assert verify(con).ok
        assert con.execute("SELECT count(*) FROM indicator_versions").fetchone()[0] > 0
    finally:
        con.close()
