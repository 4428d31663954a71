"""Alembic migrations of the programme store (run by :func:`prosperity.programmes.store.ProgrammeStore.open`)."""
