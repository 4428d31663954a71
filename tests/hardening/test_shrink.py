"""A shrunken file is suspicious: held back with the numbers unless accepted; vanished datasets are listed; only
a judgement on the file is remembered against it, never a failure of the machine."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from prosperity.warehouse import Warehouse
from prosperity.warehouse.build import BuildOptions, build
from tests.hardening.conftest import CC, CC_JSON, rewrite


def results(s):
    return {r.dataset_id: r for r in s.results}


def current(db: Path, dataset: str) -> int:
    with Warehouse.open(db) as wh:
        return wh.query("SELECT release_id FROM current_releases WHERE dataset_id = ?", [dataset])[0]["release_id"]


def test_a_file_cut_at_a_row_boundary_is_held_back_until_accepted(small):
    m, db = small
    before = current(db, "els/claimant-count")
    data = (m / CC).read_bytes()
    lines = data.splitlines(keepends=True)
    (m / CC).write_bytes(b"".join(lines[: len(lines) // 2]))  # a clean cut: every row whole
    res = results(build(db, mirror=m, assess=False))["els/claimant-count"]
    assert res.status == "held back"
    assert res.message.startswith("held back: the new file has ") and f"release {before}" in res.message
    assert "fewer than 75% of its rows" in res.message and "--accept-shrink els/claimant-count" in res.message
    assert current(db, "els/claimant-count") == before
    # Unchanged, it stays held back without being loaded again; nothing is written.
    again = build(db, mirror=m, assess=False)
    assert results(again)["els/claimant-count"].status == "held back" and not again.wrote
    # Accepted, it loads as the new current release.
    accepted = build(db, mirror=m, assess=False, options=BuildOptions(accept_shrink=frozenset({"els/claimant-count"})))
    assert results(accepted)["els/claimant-count"].status == "loaded"
    assert current(db, "els/claimant-count") > before


def test_fewer_areas_with_as_many_periods_is_held_back(small):
    m, db = small
    rewrite(m / CC, lambda rows: rows.__setitem__(slice(1, None), [r for r in rows[1:] if r[0][:2] != "E0"]))
    res = results(build(db, mirror=m, assess=False))["els/claimant-count"]
    assert res.status == "held back" and "areas." in res.message and "periods." not in res.message


def test_the_threshold_is_configurable(small):
    m, db = small
    lines = (m / CC).read_bytes().splitlines(keepends=True)
    (m / CC).write_bytes(b"".join(lines[: int(len(lines) * 0.85)]))
    assert results(build(db, mirror=m, assess=False, options=BuildOptions(shrink_threshold=0.9)))[
        "els/claimant-count"].status == "held back"
    assert results(build(db, mirror=m, assess=False))["els/claimant-count"].status == "loaded"  # 85% > 75%


def test_vanished_and_missing_datasets_are_listed_with_their_release(small):
    m, db = small
    gva, cc = current(db, "els/gross-value-added"), current(db, "els/claimant-count")
    (m / "els/gross-value-added").unlink()  # a linked folder: the whole dataset is gone
    (m / CC).unlink()  # the data file is gone, its metadata stays
    res = results(build(db, mirror=m, assess=False))
    assert res["els/gross-value-added"].status == "vanished"
    assert f"release {gva}" in res["els/gross-value-added"].message and "no longer in the mirror" in (
        res["els/gross-value-added"].message)
    assert res["els/claimant-count"].status == "missing"
    assert f"its current release {cc}" in res["els/claimant-count"].message
    assert (m / CC_JSON).exists()


def test_a_failure_of_the_machine_is_never_recorded_against_the_file(small, monkeypatch: pytest.MonkeyPatch):
    m, db = small
    rewrite(m / CC, lambda rows: rows[1].__setitem__(5, "2.7"))
    import prosperity.sources.els as els

    real = els.load

    def out_of_memory(ctx):
        raise MemoryError

    monkeypatch.setattr(els, "load", out_of_memory)
    s = build(db, mirror=m, assess=False, only=lambda d: d.id == "els/claimant-count" or d.kind == "reference")
    res = results(s)["els/claimant-count"]
    assert res.status == "unavailable" and "ran out of memory" in res.message and "next build tries again" in res.message
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM rejections").fetchone()[0] == 0
    con.close()
    monkeypatch.setattr(els, "load", real)
    assert results(build(db, mirror=m, assess=False))["els/claimant-count"].status == "loaded"


def test_a_rejected_file_can_be_retried(small):
    m, db = small
    rewrite(m / CC, lambda rows: rows[9].__setitem__(5, "about 4"))
    first = results(build(db, mirror=m, assess=False))["els/claimant-count"]
    assert first.status == "rejected"
    skipped = results(build(db, mirror=m, assess=False))["els/claimant-count"]
    assert skipped.status == "rejected" and "--retry-rejected" in skipped.message
    retried = results(build(db, mirror=m, assess=False, options=BuildOptions(retry_rejected=True)))["els/claimant-count"]
    assert retried.status == "rejected" and retried.message == first.message
