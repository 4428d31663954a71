"""Shared fixtures: the real mirror, a warehouse built from it once per session, and small mirrors to break."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from prosperity.warehouse.build import build

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("PROSPERITY_MIRROR") or ROOT.parent / "shared" / "data").resolve()
REFERENCE = ("geography", "local-authorities")


def pytest_configure(config: pytest.Config) -> None:
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
