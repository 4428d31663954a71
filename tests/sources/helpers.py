"""Reading one published figure, or one stored assessment, from a warehouse in tests."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from prosperity.warehouse import Warehouse


def obs(wh: Warehouse, ind: str, area: str, period: str, breakdown: str = "") -> dict:
    """The current release's one observation (value, status, note, 95% interval) of an indicator."""
    rows = wh.query("SELECT value, status, note, lci_95, uci_95 FROM latest_observations WHERE indicator_id = ? AND "
                    "area_code = ? AND period = ? AND breakdown = ?", [ind, area, period, breakdown])  # fmt: skip
    assert len(rows) == 1, (ind, area, period, breakdown, rows)
    return rows[0]


def assessment(warehouse_path: Path, indicator: str, area: str) -> dict:
    """The assessment the build stored for a framework indicator and an area."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        (a,) = con.execute("SELECT assessment FROM assessments WHERE indicator = ? AND area = ?",
                           [indicator, area]).fetchone()  # fmt: skip
    return json.loads(a)
