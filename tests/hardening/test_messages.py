"""Every message located and plain, never a traceback: files in the wrong encoding or compressed under a text name,
a full disk (injected, and through a file size limit), and folders that cannot be written, checked before work."""

from __future__ import annotations

import errno
import gzip
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.errors import WarehouseError
from prosperity.warehouse.build import build
from tests.conftest import make_mirror
from tests.hardening.conftest import CC, CC_JSON, release_checksums

runner = CliRunner()


def rejection(m: Path, db: Path) -> str:
    res = {r.dataset_id: r for r in build(db, mirror=m, assess=False).results}["els/claimant-count"]
    assert res.status == "rejected", res
    return res.message


def test_non_utf8_metadata_is_reported_against_the_metadata_file(small):
    m, db = small
    text = (m / CC_JSON).read_text(encoding="utf-8-sig").replace('"Claimant Count"', '"Claimant Count é"', 1)
    (m / CC_JSON).write_bytes(text.encode("latin-1"))
    line = text[: text.index("é")].count("\n") + 1
    msg = rejection(m, db)
    assert msg.startswith(f"{CC_JSON}, row {line}: is not UTF-8 text: byte 0xE9") and "save it as UTF-8" in msg


def test_a_latin1_csv_is_a_plain_message_with_the_row(small):
    m, db = small
    lines = (m / CC).read_text(encoding="utf-8-sig").splitlines()
    lines[11] = lines[11].replace("United Kingdom", "Royaume-Uni é", 1) if "United Kingdom" in lines[11] else (
        lines[11].split(",", 2)[0] + ",Ynys Môn," + lines[11].split(",", 2)[2])
    (m / CC).write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    msg = rejection(m, db)
    assert msg.startswith(f"{CC}, row 12: is not UTF-8 text") and "Latin-1" in msg and "Error" not in msg


def test_a_latin1_header_is_located_too(small):
    m, db = small
    text = (m / CC).read_text(encoding="utf-8-sig").replace("notes", "notés", 1)
    (m / CC).write_bytes(text.encode("latin-1"))
    msg = rejection(m, db)
    assert msg.startswith(f"{CC}, row 1: is not UTF-8 text: byte 0xE9 at column ")


def test_a_gzip_file_named_csv_is_a_plain_message(small):
    m, db = small
    (m / CC).write_bytes(gzip.compress((m / CC).read_bytes()))
    msg = rejection(m, db)
    assert msg.startswith(f"{CC}, row 1: the file is gzip-compressed, not plain text")


def test_a_workbook_named_json_is_a_plain_message(small, mirror: Path):
    m, db = small
    (m / CC_JSON).write_bytes((mirror / "regional-accounts/itlproductivity.xlsx").read_bytes())
    assert rejection(m, db).startswith(f"{CC_JSON}: the file is a ZIP archive (an Excel workbook?)")


def test_too_little_free_space_is_found_before_the_build_starts(small, monkeypatch: pytest.MonkeyPatch):
    m, db = small
    (m / CC).write_text((m / CC).read_text(encoding="utf-8-sig").replace(",2.6,", ",2.7,", 1), encoding="utf-8")
    before = release_checksums(db)
    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    result = runner.invoke(app, ["build", "--mirror", str(m), "--db", str(db), "--no-assess"])
    assert result.exit_code == 2 and "not enough space on the disk holding" in result.output
    assert "nothing was changed" in result.output and "Traceback" not in result.output
    assert release_checksums(db) == before


def test_a_disk_that_fills_during_the_build_is_a_plain_message(small, monkeypatch: pytest.MonkeyPatch):
    m, db = small
    (m / CC).write_text((m / CC).read_text(encoding="utf-8-sig").replace(",2.6,", ",2.7,", 1), encoding="utf-8")
    before = release_checksums(db)
    import shutil

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    with pytest.raises(WarehouseError, match="is full: the build stopped and the warehouse is as it was"):
        build(db, mirror=m, assess=False)
    assert release_checksums(db) == before and not list(db.parent.glob("w.duckdb.tmp-*"))


def test_a_file_size_limit_reached_mid_build_is_a_plain_message(tmp_path: Path):
    """RLIMIT_FSIZE stands in for a full disk: DuckDB's writes fail part way through a real build."""
    m = make_mirror(tmp_path / "mirror", "els/claimant-count")
    db = tmp_path / "w.duckdb"

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2 * 1024 * 1024, 2 * 1024 * 1024))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "prosperity.cli", "build", "--mirror", str(m), "--db", str(db),
                           "--no-assess"], capture_output=True, text=True, preexec_fn=limit, env=env, timeout=600)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "is full" in proc.stderr and "Traceback" not in proc.stderr
    assert not db.exists() and not list(tmp_path.glob("w.duckdb.tmp-*"))


def test_an_unwritable_out_is_found_before_the_report_starts(tmp_path: Path):
    in_the_way = tmp_path / "report"
    in_the_way.write_text("not a folder")
    result = runner.invoke(app, ["report", "--area", "E47000004", "--out", str(in_the_way / "sub"),
                                 "--db", str(tmp_path / "none.duckdb")])  # fmt: skip
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"--out {in_the_way / 'sub'}: a file of that name is in the way" in result.output.replace("\n", "")


def test_a_permission_error_on_out_is_plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import tempfile

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", denied)
    result = runner.invoke(app, ["report", "--area", "E47000004", "--out", str(tmp_path / "out"),
                                 "--db", str(tmp_path / "none.duckdb")])  # fmt: skip
    assert result.exit_code == 2 and "permission denied" in result.output and "nothing was done" in result.output


def test_an_unwritable_db_folder_is_found_before_the_build_starts(tmp_path: Path, mirror: Path):
    (tmp_path / "file").write_text("x")
    result = runner.invoke(app, ["build", "--mirror", str(mirror), "--db", str(tmp_path / "file" / "w.duckdb")])
    assert result.exit_code == 2 and "--db" in result.output and "in the way" in result.output
    assert "Traceback" not in result.output


def test_a_disk_that_fills_while_the_report_is_written_is_plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("prosperity.report.write_report", full)
    monkeypatch.setattr("prosperity.cli.Warehouse.open", lambda db: _Dummy())
    result = runner.invoke(app, ["report", "--area", "E47000004", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "the disk is full; the report was not completed" in result.output


class _Dummy:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def test_metadata_json_nested_too_deeply_is_located(small):
    m, db = small
    (m / CC_JSON).write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    assert rejection(m, db).startswith(f"{CC_JSON}: not readable JSON: values are nested too deeply")
