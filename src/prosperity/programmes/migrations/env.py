"""Alembic environment: migrations run on the connection the store hands over (never from an ini file)."""

from __future__ import annotations

from alembic import context

from prosperity.programmes.model import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("run programme store migrations through prosperity.programmes.store.ProgrammeStore.open()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)  # fmt: skip
with context.begin_transaction():
    context.run_migrations()
