"""The shipped evaluations as ``prosperity build`` stored them in the session's warehouse (computed once, there)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prosperity.evaluate.spec import load_spec, shipped_evaluations
from prosperity.evaluate.store import lookup
from prosperity.framework import shipped_framework_path
from prosperity.warehouse import Warehouse


@pytest.fixture(scope="session")
def shipped() -> dict[str, Path]:
    return {p.stem: p for p in shipped_evaluations()}


@pytest.fixture(scope="session")
def results(warehouse_path: Path, shipped: dict[str, Path]) -> dict[str, dict]:
    out = {}
    with Warehouse.open(warehouse_path) as wh:
        for k, p in shipped.items():
            found = lookup(wh, load_spec(p))
            assert found.status == "done", (k, found)
            out[k] = found.result
    return out


@pytest.fixture
def edited_framework(tmp_path: Path) -> Path:
    """A copy of the shipped framework whose devolution evaluation has a new title (so no result is stored for it)."""
    fw = tmp_path / "framework"
    shutil.copytree(shipped_framework_path(), fw)
    ev = fw / "evaluations" / "lcr-devolution-2017.yaml"
    ev.write_text(ev.read_text().replace("title: The Liverpool City Region", "title: Edited, the Liverpool City Region"))
    return fw
