"""The returns service's fixtures: every test that takes ``store`` runs on SQLite and on PostgreSQL.

PostgreSQL is the server ``scripts/test-deps.sh`` starts; ``make test`` sets ``PROSPERITY_TEST_PG`` to a URL of a
role that may create databases. Each test gets its own database (named after this process, so that concurrent runs
never meet) and drops it afterwards. Without ``PROSPERITY_TEST_PG`` the PostgreSQL variants are skipped with that
reason; with it, a server that cannot be reached fails them.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from prosperity.programmes.auth import Account, account_of, add_user
from prosperity.programmes.store import ProgrammeStore, drop_database
from prosperity.programmes.template import example_tables
from prosperity.programmes.workflow import content_from_tables

ROUND = "2025-26-H1"
NEXT_ROUND = "2025-26-H2"
PASSWORD = "correct horse battery staple"
PG_ENV = "PROSPERITY_TEST_PG"
_counter = itertools.count()


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test; its URL."""
    base = pg_url()
    if base is None:
        pytest.skip(f"{PG_ENV} is not set (`make test` sets it and starts PostgreSQL)")
    name = f"prosperity_returns_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'programmes.sqlite'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def store(store_url: str) -> Iterator[ProgrammeStore]:
    s = ProgrammeStore.open(store_url)
    yield s
    s.close()


def renamed(tables: dict[str, list[dict[str, Any]]], programme: str) -> dict[str, list[dict[str, Any]]]:
    """The illustrative return for another programme code (projects renamed with it)."""
    def code(v: Any) -> Any:
        return re.sub(r"^EX-TC", programme, v) if isinstance(v, str) else v

    return {k: [{c: (code(v) if c in ("programme_code", "project_code") else v) for c, v in row.items()} for row in rows]
            for k, rows in tables.items()}  # fmt: skip


@pytest.fixture
def content() -> dict[str, str]:
    """A complete, valid return for programme EX-TC in round 2025-26-H1, as the service holds it."""
    return content_from_tables(example_tables(ROUND))


@pytest.fixture
def people(store: ProgrammeStore) -> dict[str, Account]:
    """A submitter and two approvers for EX-TC, a submitter for EX-OT, an administrator, a viewer, and a submitter
    for each of EX-TC's two projects only (pat: EX-TC-01, quinn: EX-TC-02)."""
    specs = [("sam", "submitter", ["EX-TC"], []), ("ann", "approver", ["EX-TC"], []),
             ("abe", "approver", ["EX-TC"], []), ("olly", "submitter", ["EX-OT"], []), ("ada", "administrator", [], []),
             ("vic", "viewer", ["EX-TC"], []), ("pat", "submitter", [], ["EX-TC:EX-TC-01"]),
             ("quinn", "submitter", [], ["EX-TC:EX-TC-02"])]  # fmt: skip
    out = {}
    with store.session() as s, s.begin():
        for name, role, progs, projects in specs:
            out[name] = account_of(s, add_user(s, name, PASSWORD, role, progs, projects=projects,
                                               display_name=name.title()))  # fmt: skip
    return out


@pytest.fixture
def app(store: ProgrammeStore, warehouse_path: Path) -> Any:
    """The whole site, its programme store being ``store``."""
    from prosperity.web.app import create_app

    a = create_app(warehouse_path)
    a.state.programmes_db = store.url
    a.state.programmes_store = store
    return a
