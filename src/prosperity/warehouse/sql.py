"""SQL built safely: nothing from an input file is ever code.

Three rules, each enforced here once:

- **Identifiers** (column names read from a file's header) enter SQL only through :func:`quote_ident`, which
  quotes them as DuckDB quotes identifiers (in double quotes, a double quote doubled), so that no header can end
  the identifier and add SQL of its own. Values are never interpolated at all: they are bound parameters.
- **One statement per call.** DuckDB's ``execute`` runs every statement in a string. The connection a loader
  works through (:class:`OneStatement`) parses each string first and refuses anything but exactly one
  statement, so that even a quoting mistake cannot chain a ``COPY … TO`` or an ``UPDATE`` behind a query.
- **File paths are never patterns.** DuckDB's ``read_csv`` expands glob characters (``*``, ``?``, ``[…]``) in
  a path, so a folder named ``claimant-coun[t]`` would read ``claimant-count``'s file. :func:`literal_path`
  gives a path without them (a link in a private temporary folder) for DuckDB to open, always as a bound
  parameter.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from prosperity.errors import ProsperityError


class UnsafeSQL(ProsperityError):
    """A statement built from input was refused before it ran."""


def quote_ident(name: str) -> str:
    """``name`` as a DuckDB identifier: in double quotes, each double quote doubled.

    >>> quote_ident('observation')
    '"observation"'
    >>> quote_ident('x" FROM t; COPY t TO \\'/tmp/p\\'; --')
    '"x"" FROM t; COPY t TO \\'/tmp/p\\'; --"'
    """
    if "\x00" in name:
        raise UnsafeSQL(f"identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a SQL string literal. Prefer bound parameters; this is for DDL, which cannot take them."""
    if "\x00" in text:
        raise UnsafeSQL(f"text {text!r} contains a NUL character")
    return "'" + text.replace("'", "''") + "'"


def single_statement(con: duckdb.DuckDBPyConnection, sql: str, where: str = "") -> duckdb.Statement:
    """Parse ``sql`` and return its one statement; refuse (never run) a string holding more or none."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.ParserException as e:
        raise UnsafeSQL(f"{where + ': ' if where else ''}a statement built from this file is not valid SQL "
                        f"({str(e).splitlines()[0]}); nothing was run") from None  # fmt: skip
    if len(statements) != 1:
        raise UnsafeSQL(f"{where + ': ' if where else ''}refused to run {len(statements)} SQL statements in one "
                        "call; a statement built from input must be exactly one")  # fmt: skip
    return statements[0]


class OneStatement:
    """A DuckDB connection that runs exactly one statement per ``execute`` (the connection loaders get).

    ``execute`` and ``executemany`` return the underlying connection, so ``.fetchone()`` and ``.fetchall()``
    work as usual. Nothing else of the connection is exposed.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, where: str = ""):
        self._con = con
        self._where = where

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        """The wrapped connection, for code that runs only fixed SQL (transactions, checkpoints)."""
        return self._con

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
        return self._con.execute(single_statement(self._con, sql, self._where), params or [])

    def executemany(self, sql: str, params: Sequence[Any]) -> duckdb.DuckDBPyConnection:
        return self._con.executemany(single_statement(self._con, sql, self._where), params)


_GLOB = re.compile(r"[*?\[\]{}]")


@contextmanager
def literal_path(path: Path) -> Iterator[str]:
    """A path to ``path`` that DuckDB reads as that one file: never a glob pattern, never another file.

    A path free of pattern characters is used as it is; any other is reached through a symbolic link with a
    plain name in a private temporary folder, removed afterwards.
    """
    text = str(path)
    if not _GLOB.search(text):
        yield text
        return
    with tempfile.TemporaryDirectory(prefix="prosperity-read-") as tmp:
        link = Path(tmp) / ("file" + "".join(s for s in path.suffixes if not _GLOB.search(s)))
        os.symlink(os.path.abspath(path), link)
        if _GLOB.search(str(link)):  # the temporary folder itself has a pattern character: copy is no better
            raise UnsafeSQL(f"cannot read {path}: the temporary folder {tmp} has a pattern character in its name")
        yield str(link)
