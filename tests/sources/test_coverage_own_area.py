"""Coverage counted for each strategy's own area; derived indicators as a binding kind with their formula."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.assess.run import assess_area
from prosperity.framework import DerivedBinding, NoSource, load_framework, shipped_framework_path
from prosperity.framework.coverage import StaticCatalogue, coverage, figures_from_assessments
from prosperity.framework.derived import ratio_points
from prosperity.warehouse import Warehouse


def _write(tmp: Path, text: str) -> Path:
    d = tmp / "fw"
    d.mkdir()
    (d / "framework.yaml").write_text("id: t\ntitle: T\n")
    (tmp / "d.txt").write_text("D\n")
    (d / "i.yaml").write_text(text)
    return d


FW = """indicators:
  - {id: a, label: A, polarity: higher_is_better, unit: n, data: {warehouse: x}}
  - {id: b, label: B, polarity: higher_is_better, unit: n, data: {warehouse: y}}
  - {id: c, label: C, polarity: no_judgement, unit: n, data: {none: council records, why: own-records}}
  - id: r
    label: R
    polarity: higher_is_better
    unit: "%"
    data: {derived: ratio, numerator: {warehouse: x}, denominator: {warehouse: y}, scale: 100, formula: x over y}
strategy:
  id: s
  title: S
  publisher: P
  date: 2020
  area: E47000004
  source: {document: d.txt, title: D}
  cite: {document: d.txt, page: 1}
themes:
  - id: t1
    kind: aim
    title: T1
    cite: {document: d.txt, page: 1}
    outcomes:
      - id: o1
        title: O1
        cite: {document: d.txt, page: 1}
        indicators: [a, b, c, r]
"""


def test_an_indicator_counts_only_where_it_has_a_figure_for_the_strategys_area(tmp_path):
    fw = load_framework(_write(tmp_path, FW), documents_dir=tmp_path)
    assert isinstance(fw.indicators["r"].data, DerivedBinding)
    cat = StaticCatalogue({"x": {""}, "y": {""}})
    loose = coverage(fw, cat)
    assert loose["indicators"]["data"] == 3  # every binding resolves
    figures = {("a", "E47000004"): "own", ("b", "E47000004"): "other", ("r", "E47000004"): None}
    strict = coverage(fw, cat, lambda i, area: figures.get((i, area)))
    assert strict["indicators"] == {"data": 1, "elsewhere": 2, "live": 0, "none": 1, "unresolved": 0, "total": 4}
    items = {i["id"]: i for i in strict["items"]["indicators"]}
    assert items["b"]["by_strategy"] == {"s": "elsewhere"}
    assert items["c"]["why"] == "held only in a council's or the combined authority's own records"
    assert items["r"]["binding"]["formula"] == "x over y"
    assert strict["no_source_reasons"]["own-records"] == 1


def test_a_derived_binding_whose_series_is_missing_is_unresolved(tmp_path):
    fw = load_framework(_write(tmp_path, FW), documents_dir=tmp_path)
    cov = coverage(fw, StaticCatalogue({"x": {""}}))
    assert {i["id"]: i["status"] for i in cov["items"]["indicators"]}["r"] == "unresolved"


def test_ratio_points_use_only_periods_both_series_have():
    from prosperity.assess.engine import Point

    d = DerivedBinding(derived="ratio", numerator={"warehouse": "x"}, denominator={"warehouse": "y"}, scale=100,
                       formula="x over y")  # fmt: skip
    num = [Point("2019", 10.0, release_ids=(1,)), Point("2020", 12.0, release_ids=(1,)), Point("2021", 5.0)]
    den = [Point("2020", 48.0, release_ids=(2,)), Point("2021", 0.0), Point("2022", 50.0)]
    out = ratio_points(d, num, den, Point)
    assert [(p.period, p.value, p.release_ids) for p in out] == [("2020", 25.0, (1, 2))]


def test_shipped_no_source_indicators_name_the_kind_of_reason():
    fw = load_framework(shipped_framework_path())
    nones = [i for i in fw.indicators.values() if isinstance(i.data, NoSource)]
    assert nones and all(i.data.why for i in nones)
    for reclassified in ("homes-retrofitted", "families-programme-supported", "business-investment",
                         "skills-shortage-vacancies", "cruise-market-share"):  # fmt: skip
        assert not isinstance(fw.indicators[reclassified].data, NoSource), reclassified


def test_trade_to_gva_is_derived_for_the_city_region_and_liverpool(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as wh:
        for area, itl in (("E47000004", "TLD7"), ("E08000012", "TLD72")):
            (a,) = assess_area(wh, area, indicator="trade-to-gva")
            exports = wh.series("value-of-uk-exports", "E47000004" if area == "E47000004" else "TLD72")
            gva = wh.series("gva-current-prices", itl, "Total")
            e = {o.period: o.value for o in exports}
            g = {o.period: o.value for o in gva}
            assert a.period == max(set(e) & set(g))
            assert a.value == pytest.approx(100 * e[a.period] / g[a.period])
            assert "derived from Office for National Statistics series" in a.sentences[0]
        cov = coverage(load_framework(shipped_framework_path()), wh, figures_from_assessments(wh.con))
        status = {i["id"]: i["status"] for i in cov["items"]["indicators"]}
        assert status["trade-to-gva"] == "data"
        assert status["rd-share-of-gva"] == "none"
