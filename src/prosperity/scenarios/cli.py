"""``prosperity scenario FILE``: run a scenario and print (or write) its results. A thin shell over
:mod:`prosperity.scenarios`.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from prosperity.cli_options import DbOption, fail
from prosperity.errors import ProsperityError
from prosperity.scenarios.run import result_json, run_scenario, write_results
from prosperity.scenarios.spec import load_scenario, scenario_files, shipped_scenarios_path
from prosperity.warehouse import Warehouse

out = Console(width=None if sys.stdout.isatty() else 120)


class Fmt(StrEnum):
    text = "text"
    json = "json"


def _list() -> None:
    table = Table(title=f"Scenarios in {shipped_scenarios_path()}")
    for c in ("file", "title", "method"):
        table.add_column(c, overflow="fold")
    for p in scenario_files():
        try:
            s = load_scenario(p).spec
            table.add_row(p.name, s.title, s.method)
        except ProsperityError as e:
            table.add_row(p.name, f"[red]{escape(str(e))}[/]", "")
    out.print(table)
    out.print("Run one with: prosperity scenario FILE [--as-of DATE] [--out DIR]")


def scenario_cmd(
    file: Annotated[Path | None, typer.Argument(help="A scenario file (YAML). Without it, list the shipped ones.",
                                                show_default=False)] = None,  # fmt: skip
    as_of: Annotated[str | None, typer.Option("--as-of", help="Use only the releases loaded by this date or "
                                              "timestamp (with the scenario's pinned vintage).")] = None,  # fmt: skip
    out_dir: Annotated[Path | None, typer.Option("--out", help="Also write result.json, paths.csv and tables.csv "
                                                 "into this folder.")] = None,  # fmt: skip
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="text (sentences) or json (the whole result).")]
    = Fmt.text,  # fmt: skip
    db: DbOption = None,
) -> None:
    """Run a scenario: what it would take to reach a goal, or whether a strategy's claim adds up.

    Example: prosperity scenario frameworks/liverpool-city-region/scenarios/growth-plan-productivity-gap.yaml
    """
    if file is None:
        _list()
        return
    try:
        loaded = load_scenario(file)
        with Warehouse.open(db) as wh:
            result = run_scenario(wh, loaded, as_of)
        written = write_results(result, out_dir) if out_dir is not None else []
    except ProsperityError as e:
        raise fail(e) from None
    if fmt is Fmt.json:
        sys.stdout.write(result_json(result))
    else:
        _print(result)
    for p in written:
        out.print(f"Wrote {p}", highlight=False)


def _print(r: dict) -> None:
    sc = r["scenario"]
    out.print(f"[bold]{escape(sc['title'])}[/]", highlight=False)
    if c := r["claim"]:
        where = ", ".join(x for x in (c["source_title"], c["section"]) if x)
        out.print(f"[italic]“{escape(c['text'].strip())}”[/] ({escape(where)})", highlight=False, soft_wrap=True)
    out.print()
    for s in r["sentences"]:
        out.print(f"• {escape(s)}", highlight=False, soft_wrap=True)
    if r["caveats"]:
        out.print("\n[bold]Caveats[/]")
        for s in r["caveats"]:
            out.print(f"• {escape(s)}", highlight=False, soft_wrap=True)
    if r["assumptions"]:
        out.print("\n[bold]Assumptions[/]")
        for a in r["assumptions"]:
            rng = f" (range {a['low']:g} to {a['high']:g})" if a["low"] is not None else ""
            out.print(f"• {escape(a['label'])}: {a['value']:g} {escape(a['unit'])}{rng}", highlight=False,
                      soft_wrap=True)  # fmt: skip
    out.print("\n[bold]Releases used[/]")
    for rel in r["releases"]:
        pin = "pinned" if rel["pinned"] else "not pinned"
        date = f", released {rel['release_date']}" if rel["release_date"] else ""
        out.print(f"• {escape(rel['title'])} ({escape(rel['publisher'] or '')}{date}); file SHA-256 "
                  f"{rel['sha256'][:12]}, {pin}", highlight=False, soft_wrap=True)  # fmt: skip
