"""Any place, its own strategies: the framework decides which areas it is for, not the code (issue 16, point 4)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prosperity.framework import (
    WarehouseBinding,
    framework_paths,
    frameworks_for_area,
    load_framework,
    shipped_framework_path,
    shipped_frameworks_root,
)
from prosperity.report import write_report
from prosperity.warehouse import Warehouse

LCR_AREAS = ("E47000004", "E06000006", "E08000011", "E08000012", "E08000013", "E08000014", "E08000015")
GREATER_MANCHESTER, PRESTON = "E47000001", "E07000123"  # a combined authority, and a district council outside


def _generic() -> Path:
    return shipped_frameworks_root() / "explore-local-statistics"


def test_the_city_region_and_its_councils_get_their_framework_and_others_the_generic_one():
    for code in LCR_AREAS:
        assert frameworks_for_area(code) == [shipped_framework_path()], code
    for code in (GREATER_MANCHESTER, PRESTON, "E92000001"):
        assert frameworks_for_area(code) == [_generic()], code


def test_the_shipped_frameworks_load_cleanly_and_the_generic_one_sets_no_targets(warehouse_path: Path):
    assert [p.name for p in framework_paths()] == ["explore-local-statistics", "liverpool-city-region"]
    fw = load_framework(_generic())
    assert fw.errors == []
    assert fw.manifest and fw.manifest.applies_to and fw.manifest.applies_to.default
    assert not fw.targets(), "the generic framework judges against England and peers, with no targets"
    assert [s.area for s in fw.strategies.values()] == [None]
    with Warehouse.open(warehouse_path, read_only=True) as wh:
        held = {r["indicator_id"] for r in wh.query("SELECT DISTINCT indicator_id FROM indicators")}
    unbound = [i.id for i in fw.indicators.values() if not isinstance(i.data, WarehouseBinding) or i.data.warehouse
               not in held]  # fmt: skip
    assert not unbound, f"every generic indicator is a series the warehouse holds: {unbound}"
    assert len(fw.indicators) >= 50


def test_an_indicator_id_shared_by_two_frameworks_means_the_same_series():
    lcr, generic = load_framework(shipped_framework_path()), load_framework(_generic())
    shared = set(lcr.indicators) & set(generic.indicators)
    assert len(shared) >= 20
    for i in sorted(shared):
        a, b = lcr.indicators[i], generic.indicators[i]
        assert (a.data.warehouse, a.data.breakdown, a.polarity, a.unit) == (
            b.data.warehouse, b.data.breakdown, b.polarity, b.unit), i


def test_a_framework_that_names_an_area_wins_and_a_broken_manifest_applies_to_none(tmp_path: Path):
    root = tmp_path / "frameworks"
    shutil.copytree(_generic(), root / "generic")
    shutil.copytree(_generic(), root / "manchester")
    manifest = root / "manchester" / "framework.yaml"
    text = manifest.read_text(encoding="utf-8").replace("id: explore-local-statistics", "id: manchester")
    manifest.write_text(text.replace("  default: true\n", f"  areas: [{GREATER_MANCHESTER}]\n"), encoding="utf-8")
    assert frameworks_for_area(GREATER_MANCHESTER, root) == [root / "manchester"]
    assert frameworks_for_area(PRESTON, root) == [root / "generic"]
    (root / "generic" / "framework.yaml").write_text("id: generic\napplies_to: {areas: [not-a-code]}\n")
    assert frameworks_for_area(PRESTON, root) == []
    broken = load_framework(root / "generic")
    assert any(i.code == "schema" and "applies_to" in i.message for i in broken.errors)


def _strategy_words(path: Path) -> set[str]:
    """Strategy, theme and outcome titles of a framework that are long enough to be its own words."""
    fw = load_framework(path)
    words = {s.title for s in fw.strategies.values()} | {s.source.title for s in fw.strategies.values()}
    words |= {t.title for t in fw.themes().values()} | {o.title for o in fw.outcomes().values()}
    return {w for w in words if len(w) > 24}


@pytest.mark.parametrize("area", [GREATER_MANCHESTER, PRESTON])
def test_a_report_for_another_place_is_free_of_liverpools_strategies(warehouse_path: Path, tmp_path: Path, area: str):
    with Warehouse.open(warehouse_path, read_only=True) as wh:
        result = write_report(wh, area, tmp_path / area, pdf=False)
        name = wh.area(area)["name"]
    html = result.html.read_text(encoding="utf-8")
    liverpool = _strategy_words(shipped_framework_path()) - _strategy_words(_generic())
    found = sorted(w for w in liverpool if w in html)
    assert not found, f"Liverpool City Region's strategies in a report for {name}: {found[:5]}"
    assert "Child Friendly City" not in html and "Plan for Prosperity" not in html
    assert "Explore Local Statistics" in html and name in html
    assert "England" in html  # judged against England


def test_without_chromium_the_pdf_is_typeset_by_weasyprint_and_still_tagged(warehouse_path: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    """Where no Chromium is installed the report is typeset by WeasyPrint (more slowly), says so, and is the same
    kind of document: tagged PDF/UA-1 with the language, an outline, and alternative text for every chart."""
    from pypdf import PdfReader

    monkeypatch.setenv("PROSPERITY_CHROMIUM", str(tmp_path / "no-chromium-here"))
    with Warehouse.open(warehouse_path) as wh:
        result = write_report(wh, PRESTON, tmp_path / "preston")
    assert result.pdf is not None and result.pages >= 5
    assert any("typeset by WeasyPrint" in m and "no Chromium was found" in m for m in result.messages)
    manifest = json.loads(result.edition.read_text(encoding="utf-8"))
    assert manifest["printed_by"].startswith("WeasyPrint ")
    reader = PdfReader(result.pdf)
    root = reader.trailer["/Root"]
    assert str(root["/Lang"]) == "en-GB" and bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert "pdfuaid" in root["/Metadata"].get_object().get_data().decode("utf-8")
    assert reader.outline and "WeasyPrint" in (reader.metadata.producer or "")
