"""A change in the code that reads a source reads that source's files again (not only a change in the files)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from prosperity.sources import discover_all
from prosperity.warehouse import build as B
from tests.conftest import MIRROR, make_mirror

CLAIMANTS = "els/claimant-count"


def _module(path: Path, name: str, text: str):
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_reader_digest_follows_the_readers_code_and_modules_it_uses(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    ds = next(d for d in discover_all(MIRROR).datasets if d.id == "regional-accounts/la-gdp")
    B._modules_digest.cache_clear()  # read once per process; read the files as they are now
    first = B.reader_digest(ds)
    assert first == B.reader_digest(ds)  # stable
    # The shared workbook reader it uses by name is part of it: another text of that module, another digest.
    import prosperity.sources.sheets as sheets

    copy = tmp_path / "sheets.py"
    copy.write_text(Path(sheets.__file__).read_text() + "\n# a fix to the workbook reader\n")
    monkeypatch.setattr(sheets, "__file__", str(copy))
    B._modules_digest.cache_clear()
    try:
        assert B.reader_digest(ds) != first
    finally:
        monkeypatch.undo()
        B._modules_digest.cache_clear()
    assert B.reader_digest(ds) == first
    # A reader defined in its own module: the digest is that module's text.
    module = _module(tmp_path / "reader_a.py", "prosperity_test_reader_a", "def load(ctx):\n    return None\n")
    a = B.reader_digest(replace(ds, load=module.load, prepare=None))
    module = _module(tmp_path / "reader_b.py", "prosperity_test_reader_b", "def load(ctx):\n    return 1\n")
    assert B.reader_digest(replace(ds, load=module.load, prepare=None)) != a


def test_a_change_in_a_sources_reading_code_reads_its_files_again(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    m = make_mirror(tmp_path / "mirror", CLAIMANTS)
    db = tmp_path / "w.duckdb"
    first = B.build(db, mirror=m, assess=False)
    loaded = {r.dataset_id: r for r in first.results if r.status == "loaded"}
    assert CLAIMANTS in loaded
    assert not B.build(db, mirror=m, assess=False).wrote  # same files, same code: nothing to do

    real = B.reader_digest
    monkeypatch.setattr(B, "reader_digest", lambda ds: real(ds) + ("-fixed" if ds.id == CLAIMANTS else ""))
    again = B.build(db, mirror=m, assess=False)
    status = {r.dataset_id: r for r in again.results}
    assert status[CLAIMANTS].status == "loaded"  # the same files, read again by the changed code
    assert "read again because the code that reads them changed" in status[CLAIMANTS].message
    assert "with identical rows" in status[CLAIMANTS].message  # the change did not alter what was read
    assert all(r.status == "unchanged" for k, r in status.items() if k != CLAIMANTS and k in loaded)
    assert not B.build(db, mirror=m, assess=False).wrote  # and once read by it, unchanged again
    with duckdb.connect(str(db), read_only=True) as con:
        new, old, same = con.execute(
            "SELECT release_id, previous_release_id, same_content_as FROM releases WHERE dataset_id = ? "
            "ORDER BY release_id DESC LIMIT 1", [CLAIMANTS]).fetchone()  # fmt: skip
        assert new == status[CLAIMANTS].release_id and old == same == loaded[CLAIMANTS].release_id
