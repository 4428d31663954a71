"""A past edition (``as_of`` before a later release) is read once, sharing with the current engine every series
whose releases are the same at both moments, and gives the assessments a fresh engine of that moment gives."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from prosperity.assess import Assessor
from prosperity.assess.run import load_specs
from prosperity.web.site import Site

REVISED = "gross-value-added-per-hour-worked"  # a second edition of its dataset, every figure 1% higher
AREAS = ["E47000004", "E08000012", "E06000052", "E12000002"]


@contextmanager
def _site(db: Path) -> Iterator[Site]:
    site = Site(db)
    try:
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def two_editions(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, set[str]]:
    """A copy of the session's warehouse with a later release of one dataset (its figures revised by 1%); returns
    the copy, the moment before that release and the indicators it revised."""
    db = tmp_path_factory.mktemp("editions") / "two-editions.duckdb"
    shutil.copyfile(warehouse_path, db)
    con = duckdb.connect(str(db))
    try:
        before = con.execute("SELECT max(loaded_at) FROM releases").fetchone()[0]
        dataset, old = con.execute("SELECT i.dataset_id, r.release_id FROM indicators i JOIN current_releases r "
                                   "USING (dataset_id) WHERE indicator_id = ?", [REVISED]).fetchone()  # fmt: skip
        new = con.execute("SELECT nextval('release_seq')").fetchone()[0]
        con.execute("""INSERT INTO releases SELECT * REPLACE ($new AS release_id, loaded_at + INTERVAL 1 HOUR AS loaded_at,
                                                            $old AS previous_release_id)
                       FROM releases WHERE release_id = $old""", {"new": new, "old": old})  # fmt: skip
        con.execute("""INSERT INTO observations SELECT * REPLACE ($new AS release_id, value * 1.01 AS value)
                       FROM observations WHERE release_id = $old""", {"new": new, "old": old})  # fmt: skip
        assert con.execute("SELECT dataset_id FROM current_releases WHERE release_id = ?", [new]).fetchone() == (dataset,)
        revised = {r[0] for r in con.execute("SELECT DISTINCT indicator_id FROM observations WHERE release_id = ?",
                                             [new]).fetchall()}  # fmt: skip
    finally:
        con.close()
    return db, before.isoformat(), revised


def test_a_past_engine_shares_unchanged_series_and_judges_as_a_fresh_one(two_editions):
    db, before, revised = two_editions
    with _site(db) as site, site.warehouse() as wh, site.engine(wh, site.as_of(wh, before)) as past:
        assert past.base is site._engines[None]  # the current engine, shared
        for area in AREAS:
            for spec in site.framework_for(area)[1].values():
                past.assess(spec, area)
        shared = [k for k, v in past._cache.items() if v is past.base._cache.get(k)]
        read = [k for k in past._cache if k not in shared]
        assert shared and not any(k[0] in revised for k in shared)  # unchanged series come from the current engine
        assert any(k[0] == REVISED for k in read)  # the revised one was read as it stood then
        fresh = Assessor(wh, site.as_of(wh, before))  # nothing shared
        now = Assessor(wh)
        differs = False
        for area in AREAS:
            for spec in site.framework_for(area)[1].values():
                got = past.assess(spec, area).as_dict()
                assert got == fresh.assess(spec, area).as_dict(), (area, spec.id)
                if spec.warehouse == REVISED:
                    differs |= got["value"] != now.assess(spec, area).as_dict()["value"]
        assert differs  # the past moment shows the figures before the revision


def test_the_first_past_request_reads_only_what_changed(two_editions):
    db, before, revised = two_editions
    specs, _ = load_specs()
    with _site(db) as site, site.warehouse() as wh:
        with site.engine(wh) as current:
            for spec in specs:
                current.assess(spec, "E47000004")
        with site.engine(wh, site.as_of(wh, before)) as past:
            for spec in specs:
                past.assess(spec, "E47000004")
            own = {k for k, v in past._cache.items() if v is not current._cache.get(k)}
    assert own and {k[0] for k in own} <= revised
