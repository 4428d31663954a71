"""``prosperity users …`` (accounts of the returns service) and ``prosperity returns …`` (backup and audit log).

Both take ``--programmes-db`` (or ``PROSPERITY_PROGRAMMES_DB``), like ``prosperity programmes``: a file path or a
SQLAlchemy URL such as ``postgresql+psycopg://prosperity@localhost/programmes``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from prosperity.cli_options import fail
from prosperity.errors import ProsperityError
from prosperity.programmes.cli import StoreOption, _store

users_app = typer.Typer(help="Accounts of the returns service: add, set-role, disable, enable, password, list.",
                        no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)  # fmt: skip
returns_app = typer.Typer(help="The returns service's data: export and import everything (audit log included), "
                               "read the audit log.", no_args_is_help=True, add_completion=False,
                          pretty_exceptions_enable=False)  # fmt: skip
out = Console(width=None if sys.stdout.isatty() else 160)
ProgrammesOption = Annotated[list[str] | None, typer.Option("--programme", "-p", help="A programme code this user works "
                                                            "on (repeat for several); not for administrators.")]
ProjectsOption = Annotated[list[str] | None, typer.Option("--project", help="A single project this submitter works on "
                                                          "(repeat for several): its code, e.g. TD-RCN-01, or "
                                                          "PROGRAMME:PROJECT for a project not in the store yet. Only "
                                                          "that project's returns, not its programme's others.")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of "
                                             "standard input instead of asking for it.")]  # fmt: skip


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password (at least 12 characters)", hide_input=True, confirmation_prompt=True)


def _run(url: str | None, action) -> object:  # type: ignore[no-untyped-def]
    store = _store(url)
    try:
        with store.session() as s, s.begin():
            return action(s)
    except ProsperityError as e:
        raise fail(e) from None
    finally:
        store.close()


@users_app.command("add")
def add(username: Annotated[str, typer.Argument(help="Sign-in name, e.g. a.officer@wirral.gov.uk.")],
        role: Annotated[str, typer.Option("--role", help="viewer, submitter, approver or administrator.")],
        programme: ProgrammesOption = None, project: ProjectsOption = None,
        name: Annotated[str | None, typer.Option("--name", help="Name shown to others [default: the user name].")] = None,
        password_stdin: PasswordStdin = False, db: StoreOption = None) -> None:  # fmt: skip
    """Create an account (the first administrator is made this way)."""
    from prosperity.programmes.auth import _check_role, add_user

    try:
        _check_role(role, programme or [], project)  # before asking for a password
    except ProsperityError as e:
        raise fail(e) from None
    password = _password(password_stdin)
    u = _run(db, lambda s: _scope(s, add_user(s, username, password, role, programme or [], projects=project,
                                              display_name=name)))  # fmt: skip
    out.print(f"Added {username.strip().lower()} as {role}" + (f" for {u}" if u else ""), highlight=False)


def _scope(s, user) -> str:  # type: ignore[no-untyped-def]
    from prosperity.programmes.auth import account_of, scope_text

    a = account_of(s, user)
    return scope_text(a.programmes, a.projects)


@users_app.command("set-role")
def set_role_cmd(username: str, role: Annotated[str, typer.Argument(help="viewer, submitter, approver or administrator.")],
                 programme: ProgrammesOption = None, project: ProjectsOption = None,
                 db: StoreOption = None) -> None:  # fmt: skip
    """Change an account's role, programmes and projects (all replaced; its sessions end: it signs in again)."""
    from prosperity.programmes.auth import set_role

    u = _run(db, lambda s: _scope(s, set_role(s, username, role, programme or [], projects=project)))
    out.print(f"{username} is now {role}" + (f" for {u}" if u else ""), highlight=False)


@users_app.command("disable")
def disable(username: str, db: StoreOption = None) -> None:
    """Disable an account: it can no longer sign in, and its sessions end now. Its history stays."""
    from prosperity.programmes.auth import set_disabled

    _run(db, lambda s: set_disabled(s, username, True))
    out.print(f"Disabled {username}")


@users_app.command("enable")
def enable(username: str, db: StoreOption = None) -> None:
    """Enable a disabled account again (and clear a lock-out)."""
    from prosperity.programmes.auth import set_disabled

    _run(db, lambda s: set_disabled(s, username, False))
    out.print(f"Enabled {username}")


@users_app.command("password")
def password_cmd(username: str, password_stdin: PasswordStdin = False, db: StoreOption = None) -> None:
    """Set an account's password (its sessions end)."""
    from prosperity.programmes.auth import set_password

    password = _password(password_stdin)
    _run(db, lambda s: set_password(s, username, password))
    out.print(f"Password set for {username}")


@users_app.command("list")
def list_users(db: StoreOption = None) -> None:
    """Every account with its role, programmes (and single projects) and whether it is disabled."""
    from sqlalchemy import select

    from prosperity.programmes.auth import account_of, scope_text
    from prosperity.programmes.service_model import AppUser

    def rows(s):  # type: ignore[no-untyped-def]
        return [(u, account_of(s, u)) for u in s.scalars(select(AppUser).order_by(AppUser.username))]

    for u, a in _run(db, rows):  # type: ignore[union-attr]
        state = "disabled" if u.disabled else "active"
        typer.echo(f"{u.username}\t{u.role}\t{scope_text(a.programmes, a.projects) or '-'}\t{state}")


@returns_app.command("export")
def export_cmd(out_path: Annotated[Path, typer.Option("--out", "-o", help="File to write (.json, or .json.gz).")],
               db: StoreOption = None) -> None:  # fmt: skip
    """Write everything in the store (programmes, returns, accounts, comments, audit log) to one file."""
    from prosperity.programmes.backup import export_store

    store = _store(db)
    try:
        counts = export_store(store, out_path)
    except (ProsperityError, OSError) as e:
        raise fail(e) from None
    finally:
        store.close()
    out.print(f"Wrote {sum(counts.values()):,} rows of {len(counts)} tables to {out_path} "
              f"({counts.get('audit_entry', 0):,} audit entries)")  # fmt: skip


@returns_app.command("import")
def import_cmd(path: Annotated[Path, typer.Argument(help="A file written by `prosperity returns export`.")],
               db: StoreOption = None) -> None:  # fmt: skip
    """Restore a file written by `prosperity returns export` into an empty store."""
    from prosperity.programmes.backup import import_store

    if not path.is_file():
        raise fail(ProsperityError(f"{path}: no such file"))
    store = _store(db)
    try:
        counts = import_store(store, path)
    except ProsperityError as e:
        raise fail(e) from None
    finally:
        store.close()
    out.print(f"Restored {sum(counts.values()):,} rows of {len(counts)} tables from {path}")


@returns_app.command("audit")
def audit_cmd(out_path: Annotated[Path | None, typer.Option("--out", "-o", help="Write CSV here [default: show].")] = None,
              db: StoreOption = None) -> None:  # fmt: skip
    """The audit log: who did what, when, with the record before and after (CSV safe to open in a spreadsheet)."""
    from prosperity.programmes.service_web import audit_csv, audit_rows

    store = _store(db)
    try:
        with store.session() as s:
            rows = audit_rows(s)
    finally:
        store.close()
    if out_path is None:
        for r in rows:
            typer.echo(f"{r['at']}\t{r['actor']}\t{r['action']}\t{r['object']}")
        return
    out_path.write_text(audit_csv(rows), encoding="utf-8")
    out.print(f"Wrote {len(rows):,} audit entries to {out_path}")
