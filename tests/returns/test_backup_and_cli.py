"""`prosperity users …` and `prosperity returns export|import`: a store restored from its export is the same, audit
log included, within a database kind and across them (SQLite ⇄ PostgreSQL)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from prosperity.cli import app as cli
from prosperity.programmes.auth import account_of, add_user
from prosperity.programmes.backup import BackupError, export_store, import_store
from prosperity.programmes.service_model import AppUser, AuditEntry, UserProgramme
from prosperity.programmes.store import ProgrammeStore, drop_database
from prosperity.programmes.workflow import add_comment, approve, create_return, save_content, send_back, submit
from tests.returns.conftest import PASSWORD, ROUND, pg_url

runner = CliRunner()


def _dump(store: ProgrammeStore) -> dict[str, list[tuple]]:
    """Every row of every table (sessions aside), as the database returns them."""
    from prosperity.programmes.model import Base

    out = {}
    with store.engine.connect() as c:
        assert {t.name for t in Base.metadata.sorted_tables} == set(inspect(store.engine).get_table_names()) - {
            "alembic_version"}
        for t in Base.metadata.sorted_tables:
            if t.name == "user_session":
                continue
            rows = c.execute(select(t)).all()
            out[t.name] = sorted((tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in r)
                                  for r in rows), key=repr)  # fmt: skip
    return out


def _busy(store: ProgrammeStore, people, content) -> None:  # type: ignore[no-untyped-def]
    sam, ann = people["sam"], people["ann"]
    with store.session() as s:
        r = create_return(s, sam, "EX-TC", ROUND)
    with store.session() as s:
        r = save_content(s, sam, r.id, r.version, content, "return.xlsx")
    with store.session() as s:
        r = submit(s, sam, r.id, r.version)
    with store.session() as s:
        r = send_back(s, ann, r.id, r.version, "Check the forecasts — and the £ signs")
    with store.session() as s:
        r = submit(s, sam, r.id, r.version)
    with store.session() as s:
        add_comment(s, ann, r.id, "Thanks")
    with store.session() as s:
        approve(s, ann, r.id, r.version)


def test_export_import_round_trip(store: ProgrammeStore, people, content, tmp_path: Path) -> None:
    _busy(store, people, content)
    first = tmp_path / "backup.json.gz"
    counts = export_store(store, first)
    assert counts["audit_entry"] >= 8 and counts["submission"] == 1 and counts["app_user"] == 8
    assert counts["user_project"] == 2  # two accounts named for single projects
    other = ProgrammeStore.open(tmp_path / "restored.sqlite")  # restored into SQLite, whatever it came from
    try:
        import_store(other, first)
        second = tmp_path / "again.json.gz"
        export_store(other, second)
        assert first.read_bytes() == second.read_bytes()
        if store.engine.dialect.name == "sqlite":
            assert _dump(other) == _dump(store)
        with other.session() as s:  # the restored store works: accounts, ids and the audit log carry on
            ann = account_of(s, s.scalar(select(AppUser).where(AppUser.username == "ann")))
            add_comment(s, ann, 1, "After the restore")
        with other.session() as s:
            assert s.scalar(select(func.max(AuditEntry.id))) == counts["audit_entry"] + 1
        with pytest.raises(BackupError, match="already holds data"):
            import_store(other, first)  # never merged into a store in use
    finally:
        other.close()


def test_sqlite_export_restores_into_postgresql(tmp_path: Path, content, request) -> None:  # type: ignore[no-untyped-def]
    if pg_url() is None:
        pytest.skip("PROSPERITY_TEST_PG is not set (`make test` sets it and starts PostgreSQL)")
    lite = ProgrammeStore.open(tmp_path / "lite.sqlite")
    with lite.session() as s, s.begin():
        people = {n: account_of(s, add_user(s, n, PASSWORD, role, progs)) for n, role, progs in
                  [("sam", "submitter", ["EX-TC"]), ("ann", "approver", ["EX-TC"])]}  # fmt: skip
    _busy(lite, people, content)
    export_store(lite, tmp_path / "a.json")
    pg = ProgrammeStore.open(request.getfixturevalue("pg_database"))
    try:
        import_store(pg, tmp_path / "a.json")
        export_store(pg, tmp_path / "b.json")
        assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
        with pg.session() as s:
            ann = account_of(s, s.scalar(select(AppUser).where(AppUser.username == "ann")))
            add_comment(s, ann, 1, "Restored into PostgreSQL; its sequences carry on")
    finally:
        pg.close()
        lite.close()


def test_users_commands(store_url: str, tmp_path: Path) -> None:
    env = {"PROSPERITY_PROGRAMMES_DB": store_url}
    r = runner.invoke(cli, ["users", "add", "Ada@Example.org", "--role", "administrator", "--password-stdin"],
                      input=PASSWORD + "\n", env=env)  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["users", "add", "sam", "--role", "submitter", "--password-stdin"], input=PASSWORD + "\n",
                      env=env)  # fmt: skip
    assert r.exit_code != 0 and "give at least one --programme" in r.output
    r = runner.invoke(cli, ["users", "add", "sam", "--role", "submitter", "-p", "EX-TC", "--password-stdin"],
                      input="short\n", env=env)  # fmt: skip
    assert r.exit_code != 0 and "shorter than 12 characters" in r.output
    r = runner.invoke(cli, ["users", "add", "sam", "--role", "submitter", "-p", "EX-TC", "--password-stdin"],
                      input=PASSWORD + "\n", env=env)  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["users", "set-role", "sam", "approver", "-p", "EX-TC", "-p", "EX-OT"], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["users", "set-role", "sam", "overlord"], env=env)
    assert r.exit_code != 0 and "not one of viewer, submitter, approver, administrator" in r.output
    assert runner.invoke(cli, ["users", "disable", "sam"], env=env).exit_code == 0
    assert runner.invoke(cli, ["users", "disable", "nobody"], env=env).exit_code != 0
    listing = runner.invoke(cli, ["users", "list"], env=env).output
    assert "ada@example.org\tadministrator\t-\tactive" in listing and "sam\tapprover\tEX-OT, EX-TC\tdisabled" in listing
    store = ProgrammeStore.open(store_url)
    try:
        with store.session() as s:
            assert sorted(s.scalars(select(UserProgramme.programme_id))) == ["EX-OT", "EX-TC"]
            actions = [(e.actor, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == [("command line", "user added"), ("command line", "user added"),
                           ("command line", "role changed"), ("command line", "user disabled")]  # fmt: skip
    finally:
        store.close()
    out = tmp_path / "backup.json"
    r = runner.invoke(cli, ["returns", "export", "--out", str(out)], env=env)
    assert r.exit_code == 0 and "4 audit entries" in r.output, r.output
    r = runner.invoke(cli, ["returns", "import", str(out)], env={"PROSPERITY_PROGRAMMES_DB": str(tmp_path / "new.sqlite")})
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["returns", "audit", "--out", str(tmp_path / "audit.csv")], env=env)
    assert r.exit_code == 0 and (tmp_path / "audit.csv").read_text().count("\n") == 5


def test_a_scratch_database_is_dropped_with_its_own_sessions_still_open() -> None:
    """``drop_database`` ends the role's own leftover sessions and drops without ``WITH (FORCE)`` (which PostgreSQL
    refuses to a role without pg_signal_backend when autovacuum is working on the database)."""
    base = pg_url()
    if base is None:
        pytest.skip("PROSPERITY_TEST_PG is not set (`make test` sets it and starts PostgreSQL)")
    name = f"prosperity_drop_test_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    left_open = create_engine(make_url(base).set(database=name)).connect()
    left_open.execute(text("SELECT 1"))
    try:
        drop_database(admin, name)
        with admin.connect() as c:
            assert c.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar() == 0
    finally:
        left_open.invalidate()
        admin.dispose()
