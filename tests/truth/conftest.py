"""The truth suite: the product's statements against figures their publishers published (README "Assessments")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prosperity.assess import Assessor
from prosperity.warehouse import Warehouse

LCR = "E47000004"
LCR_MEMBERS = ["E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015"]


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w


@pytest.fixture(scope="module")
def assessor(wh):
    return Assessor(wh)


@pytest.fixture(scope="module")
def stored(wh) -> list[dict]:
    """Every assessment the build stored (the ones the dashboard, the API and the report read)."""
    return [json.loads(j) for (j,) in wh.con.execute("SELECT assessment FROM assessments").fetchall()]


@pytest.fixture(scope="module")
def lcr(stored) -> dict[str, dict]:
    return {a["indicator"]: a for a in stored if a["area"] == LCR}
