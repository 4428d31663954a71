"""Every council, combined authority, region and nation is assessed in the build, and assessing them all with
one engine (each indicator read once for every area) changes no judgement: the stored assessments equal what a
fresh engine computes for one area alone."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from prosperity.assess import Assessor
from prosperity.assess.engine import Point, period_kind
from prosperity.assess.run import ASSESSED_LEVELS, load_specs
from prosperity.framework import frameworks_for_area, shipped_framework_path
from prosperity.periods import parse_period, period_label
from prosperity.warehouse import Warehouse

#: the city region, a council far from it, a region, a nation, a Scottish council area and another combined authority
SAMPLE = ["E47000004", "E06000052", "E12000002", "W92000004", "S12000049", "E47000001"]


def specs_for(area: str) -> list[Any]:
    """The specs of the framework ``area`` is reported against (the build assesses each area against that one)."""
    found = frameworks_for_area(area, shipped_framework_path().parent)
    return load_specs(found[0] if found else None)[0]


@pytest.fixture(scope="module")
def wh(warehouse_path: Path):
    with Warehouse.open(warehouse_path) as w:
        yield w


@pytest.fixture(scope="module")
def stored(wh) -> dict[tuple[str, str], str]:
    rows = wh.con.execute("SELECT indicator, area, CAST(assessment AS TEXT) FROM assessments "
                          "WHERE list_contains(?, area)", [SAMPLE]).fetchall()  # fmt: skip
    return {(ind, area): text for ind, area, text in rows}


def test_every_council_combined_authority_region_and_nation_is_assessed(wh):
    expected = {r[0] for r in wh.con.execute(
        """SELECT code FROM areas WHERE list_contains(?, level) AND end_year IS NULL
           AND code IN (SELECT area_code FROM observations)""", [list(ASSESSED_LEVELS)]).fetchall()}  # fmt: skip
    counts = dict(wh.con.execute("SELECT area, count(*) FROM assessments GROUP BY area").fetchall())
    assert expected - set(counts) == set()
    # the UK's 361 current councils (England, Wales, Scotland, Northern Ireland), England's 9 regions, the nations
    # and the combined authorities: areas the register ends (former councils) are not current
    assert len(expected) > 390
    # each area has every indicator of its own framework (the city region's, or the generic one), once
    lcr, other = len(specs_for("E47000004")), len(specs_for("E06000052"))
    assert counts["E47000004"] == lcr and counts["E08000012"] == lcr
    assert {n for a, n in counts.items() if a in expected and a not in ("E47000004", *wh.members("E47000004"))} \
        == {other}  # fmt: skip
    assert wh.con.execute("SELECT count(*) FROM (SELECT DISTINCT indicator, area FROM assessments)").fetchone()[0] \
        == sum(counts.values())  # fmt: skip


@pytest.mark.parametrize("area", SAMPLE)
def test_stored_assessments_equal_the_engine_run_for_one_area_alone(wh, stored, area):
    specs = specs_for(area)
    assert {ind for ind, a in stored if a == area} == {s.id for s in specs}
    alone = Assessor(wh)  # a fresh engine that has read nothing for any other area
    for spec in specs:
        assert json.loads(stored[(spec.id, area)]) == alone.assess(spec, area).as_dict(), (area, spec.id)


def _newest_one_area_at_a_time(a: Assessor, levels: dict[str, str], spec: Any, code: str,
                               latest: Point) -> dict[str, Any] | None:  # fmt: skip
    """The newest-period check as it was written before it was tallied for all areas at once: a scan of every
    other area of the same level, for this one area."""
    level = levels.get(code)
    a.published(spec.warehouse, code, spec.breakdown)
    kind = period_kind(latest.period)[:3]
    newest: dict[str, list[str]] = {}
    for other, pts in a._cache.get((spec.warehouse, spec.breakdown), {}).items():
        if other == code or levels.get(other) != level:
            continue
        same = [p for p in pts if period_kind(p.period)[:3] == kind]
        if same:
            newest.setdefault(same[-1].period, []).append(other)
    if not newest:
        return None
    top = max(newest, key=lambda p: parse_period(p).start)
    if parse_period(top).start <= parse_period(latest.period).start:
        return None
    return {"period": top, "period_label": period_label(top), "areas": len(newest[top]), "level": level}


def test_newest_period_tallied_once_equals_the_per_area_scan(wh):
    specs, _ = load_specs()
    a = Assessor(wh)
    codes = [r[0] for r in wh.con.execute(
        "SELECT code FROM areas WHERE list_contains(?, level) AND end_year IS NULL ORDER BY code",
        [list(ASSESSED_LEVELS)]).fetchall()][::7]  # fmt: skip
    levels = dict(wh.con.execute("SELECT code, level FROM areas").fetchall())
    compared = newer = 0
    for spec in specs:
        for code in codes:
            pts = a.published(spec.warehouse, code, spec.breakdown)
            if not pts:
                continue
            latest = max(pts, key=lambda p: parse_period(p.period).start)
            want = _newest_one_area_at_a_time(a, levels, spec, code, latest)
            assert a._newest(spec, code, latest) == want, (spec.id, code)
            compared += 1
            newer += want is not None
    assert compared > 1000 and newer > 0  # the check ran on many figures, some of them behind their level's newest


def test_series_read_as_columns_equal_the_rows_read_one_by_one(wh):
    """The engine reads a series as columns and makes an area's points when asked: every area's points, one
    indicator at a time and many at once, equal those made from the rows read one by one (the same order)."""
    specs, _ = load_specs()
    keys = sorted({(s.warehouse, s.breakdown) for s in specs if s.derived is None})[::3]
    one, many = Assessor(wh), Assessor(wh)
    many.read_many(keys)
    compared = with_limits = 0
    for ind, brk in keys:
        rows = wh.con.execute(
            """SELECT area_code, period, value, lci_95, uci_95, release_id FROM latest_observations
               WHERE indicator_id = ? AND breakdown = ? AND value IS NOT NULL AND isfinite(value)
               ORDER BY area_code, period_start, period_end""", [ind, brk]).fetchall()  # fmt: skip
        want: dict[str, list[Point]] = {}
        for code, period, value, lci, uci, rel in rows:
            lci, uci = (x if x is not None and math.isfinite(x) else None for x in (lci, uci))
            want.setdefault(code, []).append(Point(period, value, lci, uci, (rel,)))
        for a in (one, many):
            assert a.published(ind, "no such area", brk) == []
            got = a._cache[(ind, brk)]
            assert list(got) == list(want), ind  # the same areas, in the same order
            for code, pts in want.items():
                assert a.published(ind, code, brk) == pts, (ind, code)
                assert a.published(ind, code, brk) is a.published(ind, code, brk)  # made once
        compared += len(rows)
        with_limits += sum(r[3] is not None for r in rows)
    assert len(keys) > 20 and compared > 50_000 and with_limits > 0
