"""Fixtures for hardening tests: a small warehouse from copies of real mirror files, and row checksums."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from prosperity.warehouse.build import build
from tests.conftest import make_mirror

CC = "els/claimant-count/claimant-count.csv"
CC_JSON = "els/claimant-count/claimant-count.json"
GVA = "els/gross-value-added"


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """A mirror with the reference data, GVA linked and claimant count copied; and a warehouse built from it."""
    m = make_mirror(tmp_path / "mirror", GVA, copy=("els/claimant-count",))
    db = tmp_path / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    assert s.rejected == []
    return m, db


def rewrite(path: Path, change: Callable[[list[list[str]]], None]) -> None:
    """Rewrite a CSV file through ``change`` (a function altering its rows in place, header first)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def release_checksums(db: Path) -> dict[int, tuple[str, int]]:
    """Each release's stored observations as a SHA-256 of their sorted rows, computed here in Python (independent
    of the warehouse's own digests), with the release's metadata row."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (rid,) in con.execute("SELECT release_id FROM releases ORDER BY 1").fetchall():
            h = hashlib.sha256()
            rows = con.execute("SELECT * FROM observations WHERE release_id = ? ORDER BY ALL", [rid]).fetchall()
            for row in rows:
                h.update(repr(row).encode())
            meta = con.execute("SELECT * FROM releases WHERE release_id = ?", [rid]).fetchone()
            h.update(repr(meta).encode())
            out[rid] = (h.hexdigest(), len(rows))
        return out
    finally:
        con.close()
