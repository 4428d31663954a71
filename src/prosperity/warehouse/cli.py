"""``prosperity verify``: is every release still exactly as it was loaded?

A thin shell over :func:`prosperity.warehouse.integrity.verify`, registered with one line in ``prosperity.cli``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from prosperity.cli_options import DbOption, fail
from prosperity.errors import ProsperityError
from prosperity.output import Format, emit
from prosperity.warehouse import Warehouse
from prosperity.warehouse.integrity import verify

out = Console(width=None if sys.stdout.isatty() else 160)


def verify_cmd(
    db: DbOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    all_parts: Annotated[bool, typer.Option("--all", help="List every part of every release, not one line per "
                                            "release.")] = False,  # fmt: skip
) -> None:
    """Check that every release's stored rows still hash to what was recorded when it was loaded.

    Exits 1 if any release changed. Example: prosperity verify --db prosperity.duckdb
    """
    try:
        with Warehouse.open(db) as wh:
            result = verify(wh.con)
            path = wh.path
    except ProsperityError as e:
        raise fail(e) from None
    if all_parts:
        rows = [{"release": c.release_id, "dataset": c.dataset_id, "part": c.part, "status": c.status,
                 "rows_when_loaded": c.rows_recorded, "rows_now": c.rows_now, "recorded": c.recorded}
                for c in result.checks]  # fmt: skip
    else:
        by_release: dict[int, dict] = {}
        for c in result.checks:
            r = by_release.setdefault(c.release_id, {"release": c.release_id, "dataset": c.dataset_id,
                                                     "status": "intact", "rows": None, "changed": []})  # fmt: skip
            if c.part == "observations":
                r["rows"] = c.rows_now if c.rows_now is not None else c.rows_recorded
            if c.status == "changed":
                r["status"] = "changed"
                r["changed"].append(c.describe())
            elif c.status == "not recorded":
                r["status"] = "not recorded"
        rows = [{**r, "changed": "; ".join(r["changed"])} for r in by_release.values()]
    cols = list(rows[0]) if rows else ["release", "dataset", "status"]
    emit(rows, fmt, cols, title=f"Releases in {path}", console=out)
    if fmt is Format.table:
        if result.ok:
            unrecorded = sum(1 for r in rows if r["status"] == "not recorded")
            note = f" ({unrecorded} loaded before digests were kept: not checked)" if unrecorded else ""
            out.print(f"{result.releases} releases checked: every one intact{note}.", highlight=False)
        else:
            for p in result.problems:
                out.print(f"[bold red]Changed:[/] {escape(p)}", highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)
