"""``prosperity evaluate FILE``: run an evaluation file and write its result with every input and release used.

Registered in :mod:`prosperity.cli` with one ``app.command`` line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from prosperity.cli_options import DbOption, MirrorOption, fail
from prosperity.errors import ProsperityError
from prosperity.output import Format

out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


def evaluate_cmd(
    file: Annotated[Path, typer.Argument(help="An evaluation file (YAML), e.g. "
                                              "frameworks/liverpool-city-region/evaluations/town-deals-2021.yaml.")],
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Use the releases loaded by this date (YYYY-MM-DD); "
                                              "releases pinned in the file take precedence.")] = None,  # fmt: skip
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder to write result.json and estimates.csv "
                                                 "into (created if missing).")] = None,  # fmt: skip
    mirror: MirrorOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="What to print: a summary table, or the whole "
                                        "result as JSON.")] = Format.table,  # fmt: skip
) -> None:
    """Estimate what an intervention changed, with diagnostics, and say how strong the evidence is.

    Runs synthetic control and difference-in-differences for every treated area and outcome in FILE against
    its comparison areas, with placebo tests, leave-one-out and pre-trend checks; refuses with the reason where
    the data cannot support an estimate. The result records every input and release, so running it again on
    the same releases gives the same bytes.

    Example: prosperity evaluate frameworks/liverpool-city-region/evaluations/lcr-devolution-2017.yaml --out ev/
    """
    from prosperity.evaluate.run import evaluate, result_bytes
    from prosperity.evaluate.spec import load_spec
    from prosperity.evaluate.tables import estimate_rows, write_outputs
    from prosperity.warehouse import Warehouse

    try:
        loaded = load_spec(file)
        with Warehouse.open(db) as wh:
            result = evaluate(wh, loaded, as_of=as_of, mirror=mirror)
        if out_dir is not None:
            written = write_outputs(result, out_dir)
    except ProsperityError as e:
        raise fail(e) from None
    if fmt is Format.json:
        sys.stdout.buffer.write(result_bytes(result))
        sys.stdout.flush()
        return
    if fmt is Format.csv:
        from prosperity.evaluate.tables import csv_text

        sys.stdout.write(csv_text(estimate_rows(result)))
        return
    table = Table(title=escape(result["title"]), show_lines=True)
    for c in ("area", "outcome", "method", "estimate", "p", "evidence", "what it means"):
        table.add_column(c, overflow="fold")
    for r in estimate_rows(result):
        table.add_row(escape(r["area_name"]), escape(r["label"]), r["method"],
                      "" if r["estimate"] is None else f"{r['estimate']:+,.2f}",
                      "" if r["p_value"] is None else f"{r['p_value']:.2f}",
                      "refused" if r["refused"] else f"level {r['sms_level']}", escape(r["sentence"]))  # fmt: skip
    out.print(table)
    out.print(f"[bold]Verdict:[/] {escape(result['verdict'])}", soft_wrap=True)
    rel = ", ".join(f"{r['dataset']} ({r['publisher'] or 'publisher not given'}, released {r['release_date'] or '?'}, "
                    f"sha256 {r['sha256'][:12]}…)" for r in result["releases"])  # fmt: skip
    out.print(f"[dim]Releases used: {escape(rel)}[/]", soft_wrap=True)
    if out_dir is not None:
        out.print(f"Written: {', '.join(escape(str(p)) for p in written)}")


def print_stored(outcomes: list[Any], console: Console) -> None:
    """The build's lines about the evaluations it computed and stored (``store.StoreOutcome`` each)."""
    words = {"computed": "computed and stored", "unchanged": "already stored for these releases",
             "failed": "failed (the reason is stored and shown on its page)",
             "unavailable": "not computed: the figures it needs are not held",
             "broken": "not computed: the file is broken"}  # fmt: skip
    for o in outcomes:
        took = f" in {o.seconds:.1f} s" if o.status in ("computed", "failed") else ""
        style = {"computed": "green", "unchanged": "dim"}.get(o.status, "yellow")
        why = f": {escape(o.message)}" if o.message else ""
        console.print(f"Evaluation {escape(o.evaluation_id)}: [{style}]{words.get(o.status, o.status)}[/]{took}{why}",
                      soft_wrap=True)
