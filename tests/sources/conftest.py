"""Fixtures for the publisher-file sources: a warehouse holding only the reference data (areas and names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prosperity.warehouse.build import build
from tests.conftest import make_mirror


@pytest.fixture(scope="session")
def reference_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from the reference folders only (geography and the local authority register)."""
    root = tmp_path_factory.mktemp("reference")
    m = make_mirror(root / "mirror")
    db = root / "w.duckdb"
    s = build(db, mirror=m, assess=False)
    assert not s.rejected, [r.message for r in s.rejected]
    return db
