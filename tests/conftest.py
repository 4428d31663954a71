"""Shared fixtures: the real mirror, a warehouse built from it once per session, and small mirrors to break."""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from prosperity.warehouse.build import build

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("PROSPERITY_MIRROR") or ROOT.parent / "shared" / "data").resolve()
REFERENCE = ("geography", "local-authorities")
CC = "els/claimant-count/claimant-count.csv"
CC_JSON = "els/claimant-count/claimant-count.json"
GVA = "els/gross-value-added"


def pytest_configure(config: pytest.Config) -> None:
    # A warehouse named by the environment (``make`` exports PROSPERITY_DB for `make run`) must not leak into
    # tests: each test names the warehouse it uses, and "no warehouse given" is itself a case under test.
    os.environ.pop("PROSPERITY_DB", None)
    if not MIRROR.is_dir():
        raise pytest.UsageError(f"the mirror of official statistics is not at {MIRROR}; set PROSPERITY_MIRROR")


@pytest.fixture(scope="session")
def mirror() -> Path:
    return MIRROR


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from the whole real mirror, once per test session. Treat it as read-only."""
    db = tmp_path_factory.mktemp("warehouse") / "prosperity.duckdb"
    summary = build(db, mirror=MIRROR)
    assert not summary.rejected, [r.message for r in summary.rejected]
    return db


def make_mirror(dest: Path, *paths: str, copy: tuple[str, ...] = ()) -> Path:
    """A small mirror at ``dest``: the reference folders and ``paths`` linked, ``copy`` copied (to be altered)."""
    for rel in (*REFERENCE, *paths):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(MIRROR / rel, target_is_directory=(MIRROR / rel).is_dir())
    for rel in copy:
        src = MIRROR / rel
        target = dest / rel
        if src.is_dir():
            shutil.copytree(src, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    return dest


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """A mirror with the reference data, GVA linked and claimant count copied (to be altered); and a warehouse
    built from it (data only)."""
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
