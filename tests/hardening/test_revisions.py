"""Revisions complete: indicator metadata versioned with its release, renamed and vanished indicators reported,
every publisher date ELS writes parsed (``date|date`` keeps both), a file gone back to earlier bytes recognised."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import BuildOptions, build
from prosperity.warehouse.integrity import verify
from tests.conftest import make_mirror
from tests.hardening.conftest import CC, CC_JSON, rewrite

BD = "els/business-demography/business-demography.csv"


def result(s, dataset: str = "els/claimant-count"):
    return {r.dataset_id: r for r in s.results}[dataset]


def set_meta(m: Path, **changes) -> None:
    doc = json.loads((m / CC_JSON).read_text(encoding="utf-8-sig"))
    doc["ess-beta-metadata"].update(changes)
    (m / CC_JSON).write_text(json.dumps(doc), encoding="utf-8")


def test_indicator_metadata_is_versioned_with_its_release(small):
    m, db = small
    with Warehouse.open(db) as wh:
        first = wh.indicator("claimant-count")
    set_meta(m, label="Claimant count (relabelled)", decimalPlaces=2)
    s = build(db, mirror=m, assess=False)
    assert result(s).status == "loaded"
    with Warehouse.open(db) as wh:
        versions = wh.indicator_versions("claimant-count")
        assert [(v["label"], v["decimal_places"]) for v in versions] == [(first["label"], 1),
                                                                         ("Claimant count (relabelled)", 2)]
        assert versions[0]["release_id"] == first["release_id"] < versions[1]["release_id"]
        assert wh.indicator("claimant-count")["label"] == "Claimant count (relabelled)"
        assert verify(wh.con).ok
        assert wh.query("SELECT count(*) AS n FROM release_digests WHERE part = 'indicators'")[0]["n"] >= 2


def test_a_renamed_indicator_is_reported(small):
    m, db = small
    with Warehouse.open(db) as wh:
        old = wh.query("SELECT release_id FROM current_releases WHERE dataset_id = 'els/claimant-count'")[0]
    rewrite(m / CC, lambda rows: [r.__setitem__(3, "Claimant Count Rate") for r in rows[1:]])
    res = result(build(db, mirror=m, assess=False))
    assert res.status == "loaded"
    assert res.warnings == [f"indicator 'claimant-count' (Claimant Count) is no longer in the file: its figures stay "
                            f"in release {old['release_id']} and it has no current data; renamed to "
                            "'claimant-count-rate' (Claimant Count Rate)?"]  # fmt: skip
    with Warehouse.open(db) as wh:
        notes = wh.query("SELECT notes FROM current_releases WHERE dataset_id = 'els/claimant-count'")[0]["notes"]
        assert "renamed to 'claimant-count-rate'" in notes
        assert wh.series("claimant-count", "E08000012") == []  # no current data, as the note says
        assert wh.series("claimant-count", "E08000012", history=True)  # the figures stay in their release


def test_a_vanished_indicator_is_reported(tmp_path: Path):
    m = make_mirror(tmp_path / "mirror", copy=("els/business-demography",))
    db = tmp_path / "w.duckdb"
    assert not build(db, mirror=m, assess=False).rejected
    rewrite(m / BD, lambda rows: rows.__setitem__(slice(None), [r for r in rows if r[3] != "High growth businesses"]))
    res = result(build(db, mirror=m, assess=False, options=BuildOptions(shrink_threshold=0)),
                 "els/business-demography")
    assert res.status == "loaded" and len(res.warnings) == 1
    assert res.warnings[0].startswith("indicator 'high-growth-businesses' (High growth businesses) is no longer in "
                                      "the file") and "renamed" not in res.warnings[0]  # fmt: skip


def test_every_date_of_a_date_list_is_kept(warehouse_path: Path):
    """Real ELS files write ``11/11/2025|27/01/2026``: both dates are kept, the latest is the release date."""
    with Warehouse.open(warehouse_path) as wh:
        rows = {r["dataset"]: r for r in wh.releases() if r["current"]}
    scotland = rows["els/mortality-rate-from-coronary-heart-disease-scotland"]
    assert scotland["release_dates"] == [date(2025, 11, 11), date(2026, 1, 27)]
    assert scotland["release_date"] == date(2026, 1, 27)
    assert rows["els/domestic-electricity-consumption"]["release_dates"] == [date(2025, 12, 18)]
    assert rows["els/apprenticeships-ni"]["release_dates"] == [date(2026, 1, 15), date(2026, 3, 27), date(2026, 4, 1)]
    assert all(r["release_date"] is not None for d, r in rows.items() if d.startswith("els/"))


def test_an_unreadable_publisher_date_is_reported_not_dropped(small):
    m, db = small
    set_meta(m, sourceDate="20/01/2026|next spring")
    res = result(build(db, mirror=m, assess=False))
    assert res.status == "loaded"
    assert res.warnings == [f"{CC_JSON}: the publisher's release date 'next spring' (sourceDate) is not a date in a "
                            "form ELS uses (such as 20/01/2026)"]  # fmt: skip
    set_meta(m, sourceDate="soon")
    res = result(build(db, mirror=m, assess=False))
    assert res.warnings[0].endswith("; the release has no date")


def test_a_file_gone_back_to_earlier_bytes_is_recognised(small):
    m, db = small
    original = (m / CC).read_bytes()
    with Warehouse.open(db) as wh:
        first = wh.query("SELECT release_id FROM current_releases WHERE dataset_id = 'els/claimant-count'")[0]
    rewrite(m / CC, lambda rows: rows[1].__setitem__(5, "2.7"))
    second = result(build(db, mirror=m, assess=False))
    assert second.status == "loaded" and second.message == ""
    (m / CC).write_bytes(original)
    third = result(build(db, mirror=m, assess=False))
    assert third.status == "loaded" and third.release_id > second.release_id
    assert third.message.startswith(f"the same files as release {first['release_id']} (loaded ")
    assert third.message.endswith("loaded as the current release, with identical rows")
    con = duckdb.connect(str(db), read_only=True)
    try:
        same = con.execute("SELECT same_content_as FROM releases WHERE release_id = ?", [third.release_id]).fetchone()
        assert same[0] == first["release_id"]
    finally:
        con.close()
