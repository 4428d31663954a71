"""A past edition (``as_of`` before a later release) is read as the build stored it when a build stored that moment
with today's frameworks and code, else read once, sharing with the current engine every series whose releases are
the same at both moments; either way it gives the assessments a fresh engine of that moment gives."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from prosperity.assess import Assessor
from prosperity.assess.run import load_specs, store_assessments
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


def _spec_of(site: Site, warehouse_id: str) -> str:
    return next(s.id for s in site.specs.values() if s.warehouse == warehouse_id)


def _fresh(wh, moment: str | None, site: Site, area: str) -> dict[str, dict]:
    engine = Assessor(wh, moment)
    return {s.id: engine.assess(s, area).as_dict() for s in site.framework_for(area)[1].values()}


def test_a_stored_past_edition_is_read_as_stored_and_equals_a_fresh_engine(two_editions):
    """The session's build stored the edition before the revision: a past request reads it and computes nothing,
    and what it reads is what a fresh engine at that moment gives; today's moment, which no build stored, is
    computed."""
    db, before, revised = two_editions
    with _site(db) as site, site.warehouse() as wh:
        then = site.as_of(wh, before)
        assert site.edition(wh, then) is not None
        assert site.edition(wh, site.as_of(wh, "9999-12-31")) is None  # the later release: no build stored it
        for area in AREAS:
            got = site.assessments(wh, area, then)
            assert got == _fresh(wh, then, site, area), area
        one = site.assessment(wh, "E08000013", _spec_of(site, REVISED), then)
        assert one == _fresh(wh, then, site, "E08000013")[_spec_of(site, REVISED)]
        assert then not in site._engines  # nothing was computed for the past moment


def test_another_framework_or_code_falls_back_to_computing(two_editions, tmp_path):
    """An edition stored with other frameworks or code is not reused: the past moment is computed, and the same."""
    db, before, _ = two_editions
    other = tmp_path / "other.duckdb"
    shutil.copyfile(db, other)
    con = duckdb.connect(str(other))
    con.execute("UPDATE assessment_editions SET digest = 'another framework'")
    con.close()
    with _site(other) as site, site.warehouse() as wh:
        then = site.as_of(wh, before)
        assert site.edition(wh, then) is None
        got = site.assessments(wh, "E08000012", then)
        assert then in site._engines  # computed
        assert got == _fresh(wh, then, site, "E08000012")


@pytest.fixture(scope="module")
def stored_twice(two_editions, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, set[str]]:
    """The copy with a second edition of the assessments stored after the revision, as the next build does."""
    db, before, revised = two_editions
    twice = tmp_path_factory.mktemp("stored-twice") / "two-editions.duckdb"
    shutil.copyfile(db, twice)
    con = duckdb.connect(str(twice))
    try:
        con.execute("BEGIN")
        store_assessments(con, twice)
        con.execute("COMMIT")
    finally:
        con.close()
    return twice, before, revised


def test_a_second_edition_writes_only_what_changed(stored_twice):
    db, _, revised = stored_twice
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert [r[0] for r in con.execute("SELECT edition FROM assessment_editions ORDER BY 1").fetchall()] == [1, 2]
        written = con.execute("SELECT DISTINCT json_extract_string(assessment, '$.warehouse_indicator') "
                              "FROM assessment_versions WHERE from_edition = 2").fetchall()  # fmt: skip
        closed = con.execute("SELECT count(*) FROM assessment_versions WHERE to_edition = 2").fetchone()[0]
        new = con.execute("SELECT count(*) FROM assessment_versions WHERE from_edition = 2").fetchone()[0]
        kept = con.execute("SELECT count(*) FROM assessment_versions WHERE from_edition = 1 "
                           "AND to_edition IS NULL").fetchone()[0]  # fmt: skip
        current = con.execute("SELECT count(*), count(DISTINCT (indicator, area)) FROM assessments").fetchone()
    finally:
        con.close()
    assert 0 < new == closed < kept  # the revised indicator's assessments (and those judged against it) only
    assert {r[0] for r in written} & revised
    assert current[0] == current[1] == new + kept  # one current row for each indicator and area


def test_both_stored_editions_equal_fresh_engines(stored_twice, warehouse_path):
    """Each moment reads its own stored edition; the current one is what a fresh engine gives now, and the first
    edition's rows, read for the past moment, are still the session's build's."""
    db, before, revised = stored_twice
    with _site(db) as site, site.warehouse() as wh:
        then = site.as_of(wh, before)
        now = site.as_of(wh, "9999-12-31")
        assert (site.edition(wh, then), site.edition(wh, now)) == (1, 2)
        assert set(AREAS) <= site.stored_areas
        for area in AREAS:
            past, current = site.assessments(wh, area, then), site.assessments(wh, area)
            assert past == _fresh(wh, then, site, area), area
            assert current == _fresh(wh, None, site, area) == site.assessments(wh, area, now), area
            revised_spec = _spec_of(site, REVISED)
            assert past[revised_spec]["value"] != current[revised_spec]["value"] or past[revised_spec]["value"] is None
        assert not site._engines  # every answer was read as stored
    with _site(warehouse_path) as site, site.warehouse() as wh:
        built = {area: site.assessments(wh, area) for area in AREAS}
    with _site(db) as site, site.warehouse() as wh:
        then = site.as_of(wh, before)
        assert {area: site.assessments(wh, area, then) for area in AREAS} == built


def as_built_before_editions(con: duckdb.DuckDBPyConnection) -> None:
    """Turn a warehouse back into one built before migration 7 (assessments kept for every edition)."""
    con.execute("DROP VIEW assessments")
    con.execute("DROP TABLE assessment_editions")
    con.execute("DELETE FROM assessment_versions WHERE to_edition IS NOT NULL")
    con.execute("ALTER TABLE assessment_versions DROP COLUMN from_edition")
    con.execute("ALTER TABLE assessment_versions DROP COLUMN to_edition")
    con.execute("ALTER TABLE assessment_versions RENAME TO assessments")
    con.execute("DELETE FROM schema_migrations WHERE version >= 7")


def test_a_warehouse_from_before_editions_upgrades_cleanly(warehouse_path, tmp_path):
    """Its stored assessments stay the current ones (served as before), belong to no edition (never read for a
    past moment), and the next storing replaces them with a first edition."""
    from prosperity.warehouse.schema import migrate

    db = tmp_path / "old.duckdb"
    shutil.copyfile(warehouse_path, db)
    con = duckdb.connect(str(db))
    try:
        as_built_before_editions(con)
        before = con.execute("SELECT indicator, area, CAST(assessment AS TEXT) FROM assessments ORDER BY 1, 2").fetchall()
        assert migrate(con) == [7]
        assert con.execute("SELECT indicator, area, CAST(assessment AS TEXT) FROM assessments "
                           "ORDER BY 1, 2").fetchall() == before  # fmt: skip
        assert con.execute("SELECT count(*) FROM assessment_versions WHERE from_edition IS NOT NULL").fetchone() == (0,)
    finally:
        con.close()
    with _site(db) as site, site.warehouse() as wh:
        assert "E47000004" in site.stored_areas  # the same releases, frameworks and code: served as stored
        assert site.edition(wh, site.as_of(wh, "9999-12-31")) is None  # but no edition is known
        old = site.assessments(wh, "E08000012")
    con = duckdb.connect(str(db))
    try:
        con.execute("BEGIN")
        store_assessments(con, db)
        con.execute("COMMIT")
        assert con.execute("SELECT min(from_edition), max(from_edition), count(*) FILTER (to_edition IS NOT NULL) "
                           "FROM assessment_versions").fetchone() == (1, 1, 0)  # fmt: skip
        assert con.execute("SELECT indicator, area, CAST(assessment AS TEXT) FROM assessments "
                           "ORDER BY 1, 2").fetchall() == before  # fmt: skip
    finally:
        con.close()
    with _site(db) as site, site.warehouse() as wh:
        assert site.edition(wh, site.as_of(wh, "9999-12-31")) == 1
        assert site.assessments(wh, "E08000012", site.as_of(wh, "9999-12-31")) == old
