"""The store's schema: Alembic migrations match the model, and the store opens without loading Alembic at head."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from prosperity.programmes.model import Base
from prosperity.programmes.store import SCHEMA_REVISION, ProgrammeStore, StoreError


def test_migrations_build_exactly_the_model(store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_the_schema_revision_is_alembics_head() -> None:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "prosperity.programmes:migrations")
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_REVISION


def test_a_missing_store_is_a_plain_error_when_it_must_exist(tmp_path) -> None:
    import pytest

    with pytest.raises(StoreError, match="no programme store at"):
        ProgrammeStore.open(tmp_path / "none.sqlite", create=False)
    with pytest.raises(StoreError, match="folder .* does not exist"):
        ProgrammeStore.open(tmp_path / "no" / "such" / "p.sqlite")
    assert not (tmp_path / "none.sqlite").exists()
