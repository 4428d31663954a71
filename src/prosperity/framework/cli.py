"""``prosperity framework ...``: check a framework, report its data coverage, and show a strategy.

A thin shell over :mod:`prosperity.framework`: every command is one library call plus printing.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from prosperity.cli_options import DbOption, fail
from prosperity.errors import ProsperityError
from prosperity.framework.coverage import STATUS_WORDS, check_bindings, coverage, strategy_tree
from prosperity.framework.load import Framework, load_framework, load_frameworks, shipped_framework_path
from prosperity.framework.model import NO_SOURCE_REASONS

app = typer.Typer(
    help="Strategies as data: validate a framework, report which outcomes have data, show a strategy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class Fmt(StrEnum):
    table = "table"
    json = "json"


DocsOption = Annotated[
    Path | None,
    typer.Option("--documents", envvar="PROSPERITY_DOCUMENTS",
                 help="Folder of the cited source documents [default: the framework's documents_dir]."),
]  # fmt: skip
FormatOption = Annotated[Fmt, typer.Option("--format", "-f", help="Output format.")]
FrameworkOption = Annotated[
    Path | None,
    typer.Option("--framework", help="Framework folder [default: the shipped Liverpool City Region framework]."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    return fail(message, code)


def _framework_path(path: Path | None) -> Path:
    try:
        return path if path is not None else shipped_framework_path()
    except ProsperityError as e:
        raise _fail(str(e)) from None


def _load(path: Path | None, documents: Path | None) -> Framework:
    try:
        return load_framework(_framework_path(path), documents)
    except ProsperityError as e:
        raise _fail(str(e)) from None


@contextmanager
def _warehouse(db: Path | None, required: bool) -> Any:
    """The warehouse if one can be opened; ``None`` (with a note) if it is optional and absent."""
    from prosperity.warehouse import Warehouse, default_db

    path = db if db is not None else default_db()
    if not path.exists() and not required and db is None:
        err.print(f"[dim]No warehouse at {path}: bindings are not checked against data "
                  "(build one with `prosperity build`, or pass --db).[/]", highlight=False)  # fmt: skip
        yield None
        return
    try:
        wh = Warehouse.open(path, read_only=True)
    except ProsperityError as e:
        if required or db is not None:
            raise _fail(str(e)) from None
        err.print(f"[yellow]Warning:[/] {escape(str(e))}; bindings are not checked against data.", highlight=False)
        yield None
        return
    try:
        yield wh
    finally:
        wh.close()


def _dump(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


# ---- check -----------------------------------------------------------------------------------------------
def _summary(fw: Framework) -> dict[str, int]:
    return {"files": len(fw.files), "strategies": len(fw.strategies), "themes": len(fw.themes()),
            "outcomes": len(fw.outcomes()), "indicators": len(fw.indicators), "targets": len(fw.targets())}  # fmt: skip


@app.command()
def check(
    path: Annotated[Path | None, typer.Argument(help="A framework folder, a folder of frameworks, or one YAML "
                                                     "file [default: the shipped framework].")] = None,
    db: DbOption = None,
    documents: DocsOption = None,
    fmt: FormatOption = Fmt.table,
) -> None:
    """Validate a framework and report every problem, each with its file and line.

    Checks the schema, duplicate ids, references to unknown indicators, themes or targets, targets without
    dates, citations that point nowhere (missing document, lines beyond its end, quotes not found), and
    cycles in `parent` and `supersedes` chains. If a warehouse is available (--db, PROSPERITY_DB or
    ./prosperity.duckdb) it also checks that every `warehouse:` binding exists there. Exits with 1 if
    there are errors.

    Example: prosperity framework check frameworks/liverpool-city-region
    """
    try:
        frameworks = load_frameworks(_framework_path(path), documents)
    except ProsperityError as e:
        raise _fail(str(e)) from None
    with _warehouse(db, required=False) as wh:
        if wh is not None:
            for fw in frameworks:
                fw.issues.extend(check_bindings(fw, wh))
    errors = sum(len(fw.errors) for fw in frameworks)
    if fmt is Fmt.json:
        _dump({"ok": errors == 0, "warehouse_checked": wh is not None, "frameworks": [
            {"id": fw.id, "title": fw.title, "path": str(fw.path), **_summary(fw),
             "errors": [i.as_dict() for i in fw.errors], "warnings": [i.as_dict() for i in fw.warnings]}
            for fw in frameworks]})  # fmt: skip
    else:
        for fw in frameworks:
            for issue in fw.issues:
                colour = "red" if issue.severity == "error" else "yellow"
                where = f"{issue.file}:{issue.line}" if issue.line else issue.file
                out.print(f"[bold]{escape(where)}[/]: [{colour}]{issue.severity}[/] [dim]\\[{issue.code}][/] "
                          f"{escape(issue.message)}", highlight=False, soft_wrap=True)  # fmt: skip
            s = _summary(fw)
            verdict = "[green]OK[/]" if fw.ok else f"[bold red]{len(fw.errors)} error(s)[/]"
            out.print(f"{escape(fw.id)}: {verdict}, {len(fw.warnings)} warning(s); {s['files']} files, "
                      f"{s['strategies']} strategies, {s['themes']} themes, {s['outcomes']} outcomes, "
                      f"{s['indicators']} indicators, {s['targets']} targets", highlight=False)  # fmt: skip
    if errors:
        raise typer.Exit(1)


# ---- coverage ---------------------------------------------------------------------------------------------
def _cell(c: dict[str, int], unresolved: bool) -> str:
    """``total = data + elsewhere + live + none`` so that a reader can see the numbers add up."""
    parts = [f"[green]{c['data']}[/]", f"[cyan]{c['elsewhere']}[/]", f"[yellow]{c['live']}[/]", f"[red]{c['none']}[/]"]
    if unresolved:
        parts.append(f"[bold red]{c['unresolved']}[/]")
    return f"{c['total']} = " + " + ".join(parts)


@app.command(name="coverage")
def coverage_cmd(
    framework: FrameworkOption = None,
    db: DbOption = None,
    documents: DocsOption = None,
    fmt: FormatOption = Fmt.table,
) -> None:
    """How many outcomes and indicators have data, need a live fetch, or have no source, per strategy and theme.

    An indicator counts once per row however many outcomes use it; an outcome has data when at least one of
    its indicators has. With a warehouse, an indicator counts as data only where the warehouse has a figure for
    the strategy's own area (its assessments); one with figures for other areas only is counted apart
    ("elsewhere"). --format json lists every indicator and outcome with its status, binding and reason.

    Example: prosperity framework coverage --format json > coverage.json
    """
    fw = _load(framework, documents)
    from prosperity.framework.coverage import figures_from_assessments

    with _warehouse(db, required=False) as wh:
        report = coverage(fw, wh, figures_from_assessments(wh.con) if wh is not None else None)
    report["errors"] = [i.as_dict() for i in fw.errors]
    if fmt is Fmt.json:
        _dump(report)
        return
    unresolved = report["indicators"]["unresolved"] > 0 or any(
        s["indicators"]["unresolved"] for s in report["strategies"])
    table = Table(title=f"Data coverage of {report['title']}", show_lines=False)
    table.add_column("strategy / theme", overflow="fold", ratio=3)
    legend = "total = data + elsewhere + live + none" + (" + unresolved" if unresolved else "")
    table.add_column(f"outcomes\n{legend}", justify="right", no_wrap=True)
    table.add_column(f"indicators\n{legend}", justify="right", no_wrap=True)
    for s in report["strategies"]:
        table.add_row(f"[bold]{escape(s['title'])}[/] ({s['id']}, {s['area']})",
                      _cell(s["outcomes"], unresolved), _cell(s["indicators"], unresolved))  # fmt: skip
        for t in s["themes"]:
            if t["outcomes"]["total"] == 0 and t["depth"] > 0:
                continue
            title = t["title"] if len(t["title"]) <= 80 else t["title"][:79] + "…"
            table.add_row(f"{'  ' * (t['depth'] + 1)}{escape(title)} [dim]({t['kind']})[/]",
                          _cell(t["outcomes"], unresolved), _cell(t["indicators"], unresolved))  # fmt: skip
    i, o = report["indicators"], report["outcomes"]
    table.add_row("[bold]Whole framework[/] (every outcome; every indicator defined)", _cell(o, unresolved),
                  _cell(i, unresolved))  # fmt: skip
    out.print(table)
    own = "for the strategy's own area" if report.get("own_area_checked") else "in the warehouse"
    out.print(f"Indicators: {i['data']} {STATUS_WORDS['data']} {own}, {i['elsewhere']} with "
              f"{STATUS_WORDS['elsewhere']}, {i['live']} {STATUS_WORDS['live']}, "
              f"{i['none']} with {STATUS_WORDS['none']}" + (f", {i['unresolved']} unresolved" if unresolved else "")
              + f" ({i['total']} in all). data = a figure for the area of every strategy that uses it; elsewhere = "
              "figures for other areas only; live = a named source not mirrored; none = no source exists yet ("
              + ", ".join(f"{n} {NO_SOURCE_REASONS[k]}" for k, n in report["no_source_reasons"].items() if n)
              + "). `--format json` lists each one with its reason.", highlight=False)  # fmt: skip
    if not report["warehouse_checked"]:
        out.print("[dim]No warehouse was opened: `data` counts the declared bindings, unchecked.[/]")


# ---- show -------------------------------------------------------------------------------------------------
def _value_text(i: dict[str, Any]) -> str:
    if "value" in i and i["value"] is not None:
        from prosperity.assess.sentences import fmt

        area = f", {i['area']}" if i.get("area") else ""
        value = escape(fmt(i["value"], str(i.get("obs_unit") or i.get("unit") or "")))
        source = f"; {i['dataset']}" if i.get("dataset") else ""
        source += f", released {i['release_date']}" if i.get("release_date") else ""
        return f"[green]{value}[/] ({i['period_label']}{area}{escape(source)})"
    style = {"live": "yellow", "none": "red", "unresolved": "bold red"}.get(i["status"], "dim")
    return f"[{style}]{escape(i.get('detail', i['status']))}[/]"


def _render(node: dict[str, Any], tree: Tree) -> None:
    for t in node["themes"]:
        branch = tree.add(f"[bold]{escape(t['title'])}[/] [dim]({t['kind']})[/]")
        for o in t["outcomes"]:
            ob = branch.add(f"{escape(o['title'])} [dim]{o['id']}[/]")
            for i in o["indicators"]:
                ib = ob.add(f"{escape(i.get('label', i['indicator']))}: {_value_text(i)}")
                for tg in i["targets"]:
                    val = f"{tg['low']}–{tg['high']}" if tg["kind"] == "range" else f"{tg['value']:g}"
                    sup = f" [dim]supersedes {tg['supersedes']}[/]" if tg["supersedes"] else ""
                    by = f" [dim]superseded by {tg['superseded_by']}[/]" if tg["superseded_by"] else ""
                    ib.add(f"target [cyan]{tg['id']}[/]: {tg['kind']} {val} {escape(tg['unit'] or '')} "
                           f"by {tg['date']}{sup}{by}")  # fmt: skip
        _render(t, branch)


@app.command()
def show(
    strategy: Annotated[str | None, typer.Argument(help="Strategy id [default: list the strategies].")] = None,
    framework: FrameworkOption = None,
    db: DbOption = None,
    documents: DocsOption = None,
    fmt: FormatOption = Fmt.table,
) -> None:
    """Print a strategy's hierarchy with each indicator's latest value from the warehouse.

    Values are for the strategy's area (or the published area that stands in for it, e.g. the North West for
    R&D). Without a STRATEGY, lists the strategies of the framework.

    Example: prosperity framework show lis-2020 --db prosperity.duckdb
    """
    fw = _load(framework, documents)
    if strategy is None:
        rows = [{"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date, "area": s.area,
                 "themes": len(s.walk_themes()), "outcomes": len(s.outcomes())} for s in fw.strategies.values()]  # fmt: skip
        if fmt is Fmt.json:
            _dump(rows)
            return
        table = Table(title=f"Strategies in {fw.title}")
        for c in ("id", "title", "publisher", "date", "area", "themes", "outcomes"):
            table.add_column(c, overflow="fold")
        for r in rows:
            table.add_row(*(escape(str(r[c])) for c in ("id", "title", "publisher", "date", "area", "themes",
                                                         "outcomes")))  # fmt: skip
        out.print(table)
        out.print("[dim]`prosperity framework show ID` prints one strategy with its latest values.[/]")
        return
    if strategy not in fw.strategies:
        import difflib

        close = difflib.get_close_matches(strategy, list(fw.strategies), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; strategies: {', '.join(fw.strategies)}"
        raise _fail(f"no strategy {strategy!r} in {fw.id}{hint}")
    s = fw.strategies[strategy]
    with _warehouse(db, required=False) as wh:
        data = strategy_tree(fw, s, wh)
    if fmt is Fmt.json:
        _dump(data)
        return
    tree = Tree(f"[bold]{escape(s.title)}[/] — {escape(s.publisher)}, {s.date}, area {s.area}"
                f"{' (' + escape(s.area_name) + ')' if s.area_name else ''}")  # fmt: skip
    _render(data, tree)
    out.print(tree)


def main() -> None:  # pragma: no cover - for `python -m prosperity.framework.cli`
    app(prog_name=os.path.basename(sys.argv[0]) or "framework")


if __name__ == "__main__":  # pragma: no cover
    main()
