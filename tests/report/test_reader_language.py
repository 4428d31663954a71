"""The annual report speaks the reader's language: no tool vocabulary, file names or internal ids in its text."""

from __future__ import annotations

from pathlib import Path

from prosperity.report import ReportResult
from tests.reader_language import findings, report, tool_vocabulary


def test_the_report_speaks_the_readers_language(lcr_report: ReportResult, warehouse_path: Path) -> None:
    found = findings("the Liverpool City Region report", lcr_report.html.read_text(encoding="utf-8"),
                     tool_vocabulary(warehouse_path))  # fmt: skip
    assert not found, report(found)
