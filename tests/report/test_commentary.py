"""Analyst commentary: shown in its section, marked as commentary; a missing or broken file never breaks a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prosperity.cli import app
from prosperity.framework import shipped_framework_path
from prosperity.report import write_report
from prosperity.report.commentary import load_commentary
from prosperity.warehouse import Warehouse

LCR = "E47000004"
GOOD = """\
area: E47000004
sections:
  summary:
    - author: Jo Analyst
      role: Economy team
      date: 2026-01-15
      text: |
        Productivity is rising but the gap with the UK has <b>widened</b> since 2013.

        A second paragraph.
  gp-productivity-mission:
    author: Sam Reviewer
    date: 2026-02-01
    text: The mission's indicators are mostly improving.
"""


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start:html.index("</section>", start)]


def test_commentary_is_shown_in_its_section_marked_as_commentary(warehouse_path: Path, tmp_path: Path):
    path = tmp_path / "E47000004.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with Warehouse.open(warehouse_path) as wh:
        result = write_report(wh, LCR, tmp_path / "out", commentary=path, pdf=False)
    assert result.messages == []
    html = result.html.read_text(encoding="utf-8")
    summary = _section(html, "findings")  # commentary for the summary is shown with the findings
    assert '<aside class="commentary" aria-label="Commentary by Jo Analyst">' in summary
    assert "Commentary <span>— written by an analyst, not generated from the statistics</span>" in summary
    assert "Jo Analyst, Economy team, <time datetime=\"2026-01-15\">15 January 2026</time>" in summary
    assert "has &lt;b&gt;widened&lt;/b&gt; since" in summary  # shown as written, never as markup
    assert summary.count("<p>") >= 2
    theme = _section(html, "gp-productivity-mission")
    assert "Commentary by Sam Reviewer" in theme and "mostly improving" in theme
    m = json.loads(result.edition.read_text(encoding="utf-8"))
    assert m["commentary"]["present"] and len(m["commentary"]["sha256"]) == 64
    assert m["commentary"]["sections"] == ["gp-productivity-mission", "summary"]


def test_commentary_is_in_the_pdf_too(warehouse_path: Path, tmp_path: Path):
    from pypdf import PdfReader

    path = tmp_path / "c.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with Warehouse.open(warehouse_path) as wh:
        result = write_report(wh, LCR, tmp_path / "out", commentary=path, strategy="growth-plan-2025")
    assert result.pdf is not None
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(result.pdf).pages)
    assert "COMMENTARY — written by an analyst" in text and "Jo Analyst, Economy team" in text


def test_a_missing_file_means_no_commentary_and_no_message(warehouse_path: Path, tmp_path: Path):
    with Warehouse.open(warehouse_path) as wh:
        result = write_report(wh, LCR, tmp_path / "out", commentary=tmp_path / "nothing.yaml", pdf=False)
    assert result.messages == []
    assert 'class="commentary"' not in result.html.read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "expected"), [
    ("sections:\n  summary: [\n", "line"),
    ("- just a list\n", "expected a mapping with `sections:`"),
    ("area: E08000012\nsections: {summary: {author: A, date: 2026-01-01, text: x}}\n", "not 'E47000004'"),
])  # fmt: skip
def test_a_broken_file_gives_a_clear_message_and_the_report_is_still_written(warehouse_path: Path, tmp_path: Path,
                                                                             text: str, expected: str):  # fmt: skip
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with Warehouse.open(warehouse_path) as wh:
        result = write_report(wh, LCR, tmp_path / "out", commentary=path, pdf=False)
    assert len(result.messages) == 1 and str(path) in result.messages[0] and expected in result.messages[0]
    assert "the report has no commentary" in result.messages[0]
    assert result.html.exists() and 'class="commentary"' not in result.html.read_text(encoding="utf-8")
    assert json.loads(result.edition.read_text(encoding="utf-8"))["commentary"]["problems"] == result.messages


def test_bad_entries_are_left_out_with_messages_and_good_ones_kept(tmp_path: Path):
    path = tmp_path / "mixed.yaml"
    path.write_text("""sections:
  summary:
    - {author: A, date: 2026-01-01, text: kept}
    - {author: B, text: no date}
    - {author: C, date: someday, text: bad date}
    - just text
  no-such-section: {author: D, date: 2026-01-02, text: orphan}
""", encoding="utf-8")  # fmt: skip
    c = load_commentary(path, LCR)
    assert [n.author for n in c.for_section("summary")] == ["A"]
    assert any("entry 2: missing `date`" in p for p in c.problems)
    assert any("entry 3: date 'someday' is not a date" in p for p in c.problems)
    assert any("entry 4: expected `author`, `date` and `text`" in p for p in c.problems)
    assert c.unused({"summary"}) == ["no-such-section"]


def test_the_cli_prints_commentary_problems_and_succeeds(warehouse_path: Path, tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("sections:\n  summary:\n    - {author: A, date: 2026-01-01, text: fine}\n  nowhere: "
                    "{author: B, date: 2026-01-01, text: lost}\n", encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(app, ["report", "--area", LCR, "--out", str(tmp_path / "out"), "--db",
                                      str(warehouse_path), "--commentary", str(path), "--no-pdf"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Note:" in result.output and "'nowhere'" in result.output
    assert 'Commentary by A"' in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_the_shipped_example_is_valid():
    example = shipped_framework_path() / "commentary" / "_example.yaml"
    c = load_commentary(example, LCR)
    assert c.problems == [] and set(c.notes) == {"summary", "targets"}
