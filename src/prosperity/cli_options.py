"""Options shared by every command, declared once with their help text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar="PROSPERITY_DB", help="Warehouse file [default: ./prosperity.duckdb]."),
]
MirrorOption = Annotated[
    Path | None,
    typer.Option("--mirror", envvar="PROSPERITY_MIRROR",
                 help="Read source files from this local mirror directory instead of fetching them live."),
]  # fmt: skip

err = Console(stderr=True)


def fail(message: object, code: int = 2) -> typer.Exit:
    """Print a clean error (never a traceback) and return the exit to raise."""
    err.print(f"[bold red]Error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
    return typer.Exit(code)
