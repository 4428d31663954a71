"""One way to print data for every command: a table for people, JSON or CSV for programs."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from prosperity.safe import csv_cell


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _plain(v: Any) -> Any:
    if isinstance(v, date | datetime):
        return v.isoformat()
    return v


def emit(rows: Sequence[dict[str, Any]], fmt: Format, columns: Sequence[str] | None = None,
         title: str | None = None, console: Console | None = None) -> None:  # fmt: skip
    """Write ``rows`` to standard output as a table, JSON (a list of objects) or CSV (text cells neutralised for
    spreadsheets by :func:`prosperity.safe.csv_cell`)."""
    cols = list(columns or (rows[0].keys() if rows else []))
    if fmt is Format.json:
        json.dump([{c: _plain(r.get(c)) for c in cols} for r in rows], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt is Format.csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([csv_cell(_plain(r.get(c))) for c in cols])
    else:
        table = Table(title=title, show_lines=False)
        for c in cols:
            table.add_column(c.replace("_", " "), overflow="fold")
        for r in rows:
            table.add_row(*("" if r.get(c) is None else str(_plain(r.get(c))) for c in cols))
        (console or Console(width=None if sys.stdout.isatty() else 160)).print(table)
