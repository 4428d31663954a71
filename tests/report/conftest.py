"""A State of the City Region report of the real mirror, written once per session (read it, do not change it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from prosperity.report import ReportResult, write_report
from prosperity.warehouse import Warehouse

LCR = "E47000004"
FIXED_NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def lcr_report(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    out = tmp_path_factory.mktemp("report") / "lcr"
    with Warehouse.open(warehouse_path) as wh:
        return write_report(wh, LCR, out, now=FIXED_NOW, commentary=out.parent / "no-commentary.yaml")
