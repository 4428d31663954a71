"""Readers' text speaks the reader's language: every kind of page, checked for tool vocabulary in visible text.

A page names a document by its title, a release by its publisher and date, a target in words; never a file
name, an internal release number, a dataset or framework id, "mirror", "warehouse" or "fetch".
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from prosperity.framework import load_framework, shipped_framework_path
from prosperity.framework.model import LIVE_PUBLISHERS, LIVE_SOURCES
from tests.reader_language import findings, report, tool_vocabulary

LCR, LIVERPOOL, WIRRAL, HARTLEPOOL, NORTH_WEST = "E47000004", "E08000012", "E08000015", "E06000001", "E12000002"


def _pages() -> list[str]:
    fw = load_framework(shipped_framework_path())
    outcomes = [next((o.id for t in s.walk_themes() for o in t.outcomes), None) for s in fw.strategies.values()]
    scenarios = sorted(p.stem for p in (shipped_framework_path() / "scenarios").glob("*.yaml") if p.stem[0] != "_")
    evaluations = sorted(p.stem for p in (shipped_framework_path() / "evaluations").glob("*.yaml"))
    return [
        "/", f"/?area={LIVERPOOL}", "/areas", "/areas?search=Wirral",
        *(f"/areas/{c}" for c in (LCR, LIVERPOOL, HARTLEPOOL, NORTH_WEST)),
        "/indicators", "/indicators/gva-per-hour-worked", f"/indicators/employment-rate?area={LIVERPOOL}",
        "/indicators/ghg-emissions-per-head", "/indicators/inactive-long-term-sick", "/indicators/business-space-quality",
        "/indicators/exports-value",
        *(f"/outcomes/{o}" for o in outcomes if o), "/outcomes/lis-o21",
        "/methodology", "/scenarios", *(f"/scenarios/{s}" for s in scenarios),
        "/evaluations", *(f"/evaluations/{e}" for e in evaluations), "/programmes",
        f"/compare?areas={LIVERPOOL}&areas={WIRRAL}",
    ]  # fmt: skip


def test_pages_speak_the_readers_language(client: TestClient, warehouse_path: Path) -> None:
    pattern = tool_vocabulary(warehouse_path)
    found, missing = [], []
    for path in _pages():
        r = client.get(path)
        if r.status_code != 200:
            missing.append(f"{path}: {r.status_code}")
            continue
        found += findings(path, r.text, pattern)
    assert not missing, f"pages the check meant to read did not render: {missing}"
    assert not found, report(found)


def test_the_check_sees_tool_words_in_text_but_not_in_attributes(warehouse_path: Path) -> None:
    pattern = tool_vocabulary(warehouse_path)
    page = ('<p data-x="not in the mirror">Cited from <a href="/a.csv">001_9cc.txt lines 4</a>, release 80'
            " (emissions/la-co2), target gp-net-zero-2035.</p><script>fetch('/x')</script>")
    words = [f.split("'")[1] for f in findings("/p", page, pattern)]
    assert words == [".txt", "release 80", "emissions/la-co2", "gp-n"]


def test_every_live_source_has_a_publisher_a_reader_would_name() -> None:
    assert set(LIVE_PUBLISHERS) == set(LIVE_SOURCES)
