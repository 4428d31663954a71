"""The shipped evaluations, run once per session on the session's warehouse (they take a minute or two)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.evaluate.run import evaluate
from prosperity.evaluate.spec import load_spec, shipped_evaluations
from prosperity.warehouse import Warehouse


@pytest.fixture(scope="session")
def shipped() -> dict[str, Path]:
    return {p.stem: p for p in shipped_evaluations()}


@pytest.fixture(scope="session")
def results(warehouse_path: Path, shipped: dict[str, Path], mirror: Path) -> dict[str, dict]:
    with Warehouse.open(warehouse_path) as wh:
        return {k: evaluate(wh, load_spec(p), mirror=mirror) for k, p in shipped.items()}
