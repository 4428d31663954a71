"""The ``prosperity`` command: a thin shell over the library.

Every command that touches the warehouse takes ``--db`` (or ``PROSPERITY_DB``); every command that reads
sources takes ``--mirror`` (or ``PROSPERITY_MIRROR``). Data commands print a table by default and JSON or CSV
with ``--format``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from prosperity import __version__
from prosperity.cli_options import DbOption, MirrorOption, fail
from prosperity.errors import ProsperityError
from prosperity.evaluate.cli import evaluate_cmd
from prosperity.framework.cli import app as framework_app
from prosperity.output import Format, emit
from prosperity.programmes.cli import app as programmes_app
from prosperity.programmes.cli import review_cmd
from prosperity.programmes.users_cli import returns_app, users_app
from prosperity.scenarios.cli import scenario_cmd
from prosperity.warehouse import Warehouse, default_db
from prosperity.warehouse.build import STATUSES, BuildOptions, BuildSummary, build
from prosperity.warehouse.cli import verify_cmd
from prosperity.web.export_cli import export_site_cmd

app = typer.Typer(
    help="Monitor a city region's growth strategy against official statistics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console(width=None if sys.stdout.isatty() else 160)  # a wide table when piped to a file
app.add_typer(framework_app, name="framework", help="Validate, inspect and measure the coverage of a framework.")
app.command("evaluate")(evaluate_cmd)
app.command("verify")(verify_cmd)
app.command("scenario")(scenario_cmd)
app.command("export-site")(export_site_cmd)

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _fail(e: ProsperityError) -> typer.Exit:
    return fail(e)


def _version(value: bool) -> None:
    if value:
        out.print(f"prosperity {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,  # fmt: skip
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details to standard error.")] = False,
) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip


def _print_summary(s: BuildSummary) -> None:
    table = Table(title=f"Build of {s.db}", show_lines=False)
    for c in ("dataset", "status", "release", "rows", "notes"):
        table.add_column(c, overflow="fold")
    style = {"loaded": "green", "unchanged": "dim", "rejected": "bold red", "held back": "bold yellow",
             "missing": "yellow", "vanished": "yellow", "unavailable": "yellow"}  # fmt: skip
    for r in s.results:
        notes = "; ".join([*([r.message] if r.message else []), *(f"{n:,} {why} set aside" for n, why in r.set_aside),
                           *(f"warning: {w}" for w in r.warnings)])
        table.add_row(escape(r.dataset_id), f"[{style[r.status]}]{r.status}[/]", str(r.release_id or ""),
                      f"{r.rows:,}" if r.rows else "", escape(notes))  # fmt: skip
    out.print(table)
    if s.ignored:
        out.print(f"[dim]{len(s.ignored)} other files in the mirror are not loaded "
                  "(`prosperity build --format json` lists them with the reason).[/]")  # fmt: skip
    counts = ", ".join(f"{s.count(k)} {k}" for k in STATUSES if s.count(k))
    out.print(f"{len(s.results)} datasets: {counts}. {'Warehouse updated' if s.wrote else 'Nothing changed'} "
              f"in {s.seconds:.1f} s.")  # fmt: skip
    if s.assessments is not None:
        out.print(f"{s.assessments:,} assessments computed (`prosperity assess --area E47000004` shows them).")
    if s.framework_errors:
        out.print(f"[bold yellow]The framework has {s.framework_errors} error(s):[/] what loaded was assessed; "
                  "`prosperity framework check` lists them with file and line.")  # fmt: skip
    if s.assess_error:
        out.print(f"[bold red]Assessments not computed:[/] {escape(s.assess_error)}")
    from prosperity.evaluate.cli import print_stored

    print_stored(s.evaluations, out)


@app.command("build")
def build_cmd(
    mirror: MirrorOption = None,
    db: DbOption = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 if any dataset was rejected or held "
                                         "back.")] = False,  # fmt: skip
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Summary format (table or json).")] = Format.table,
    cache: Annotated[Path | None, typer.Option("--cache", envvar="PROSPERITY_CACHE",
                                               help="Where live downloads are kept.")] = None,  # fmt: skip
    framework: Annotated[Path | None, typer.Option(help="Framework to assess [default: the shipped one].")] = None,
    no_assess: Annotated[bool, typer.Option("--no-assess", help="Load the data only; compute no assessments.")]
    = False,  # fmt: skip
    accept_shrink: Annotated[list[str] | None, typer.Option(
        "--accept-shrink", metavar="DATASET", help="Load this dataset's new release even though it has far fewer "
        "rows, areas or periods than the current one (repeatable).")] = None,  # fmt: skip
    shrink_threshold: Annotated[float | None, typer.Option(
        "--shrink-threshold", envvar="PROSPERITY_SHRINK_THRESHOLD", min=0.0, max=1.0,
        help="Hold back a new release with fewer than this share of the current release's rows, areas or "
        "periods (default 0.75; 0 turns the check off).")] = None,  # fmt: skip
    retry_rejected: Annotated[bool, typer.Option("--retry-rejected", help="Validate again files rejected or held "
                                                 "back before, although unchanged.")] = False,  # fmt: skip
) -> None:
    """Read the sources (a mirror, or live), validate and load every dataset as a release.

    Example: prosperity build --mirror ../shared/data
    """
    db_path = db or default_db()
    options = BuildOptions(frozenset(accept_shrink or ()), shrink_threshold, retry_rejected)
    try:
        if sys.stderr.isatty() and fmt is Format.table:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as bar:  # fmt: skip
                task = bar.add_task("Building", total=None)

                def tick(ds: str, i: int, n: int, status: str) -> None:
                    bar.update(task, total=n, completed=i, description=f"{ds} ({status})")

                summary = build(db_path, mirror=mirror, cache=cache, progress=tick, framework=framework,
                                assess=not no_assess, options=options)  # fmt: skip
        else:

            def line(ds: str, i: int, n: int, status: str) -> None:
                print(f"[{i}/{n}] {ds}: {status}", file=sys.stderr, flush=True)

            summary = build(db_path, mirror=mirror, cache=cache, progress=line, framework=framework,
                            assess=not no_assess, options=options)  # fmt: skip
    except ProsperityError as e:
        raise _fail(e) from None
    if fmt is Format.json:
        import json

        json.dump(
            {
                "db": str(summary.db),
                "seconds": round(summary.seconds, 3),
                "wrote": summary.wrote,
                "assessments": summary.assessments,
                "assess_error": summary.assess_error or None,
                "framework_errors": summary.framework_errors,
                "evaluations": [vars(e) for e in summary.evaluations],
                "datasets": [
                    {"dataset": r.dataset_id, "status": r.status, "release_id": r.release_id, "rows": r.rows,
                     "message": r.message, "set_aside": [{"rows": n, "reason": why} for n, why in r.set_aside],
                     "warnings": r.warnings}
                    for r in summary.results
                ],
                "ignored": [{"path": p, "reason": why} for p, why in summary.ignored],
            },
            sys.stdout,
            indent=2,
        )  # fmt: skip
        print()
    else:
        _print_summary(summary)
    if strict and (summary.rejected or summary.held_back):
        raise typer.Exit(1)


@app.command("areas")
def areas_cmd(
    db: DbOption = None,
    level: Annotated[str | None, typer.Option(help="Only this level, e.g. combined-authority, "
                                              "metropolitan-district, itl3, lsoa.")] = None,  # fmt: skip
    parent: Annotated[str | None, typer.Option(help="Only areas within this area (e.g. E47000004).")] = None,
    search: Annotated[str | None, typer.Option(help="Only areas whose name contains this text.")] = None,
    all_levels: Annotated[bool, typer.Option("--all", help="Include LSOAs, wards, parishes and constituencies.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """List the areas the warehouse knows, with their level and parent.

    Example: prosperity areas --parent E47000004
    """
    try:
        with Warehouse.open(db) as wh:
            rows = wh.areas(level=level, parent=parent, search=search, include_small=all_levels)
    except ProsperityError as e:
        raise _fail(e) from None
    emit(rows, fmt, ["code", "name", "level", "parent"], title=f"{len(rows):,} areas")


@app.command("indicators")
def indicators_cmd(
    db: DbOption = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset, e.g. els/gross-value-added.")] = None,
    search: Annotated[str | None, typer.Option(help="Only indicators whose id or label contains this text.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List the indicators the warehouse holds, with unit, source and the periods covered.

    Example: prosperity indicators --search productivity
    """
    try:
        with Warehouse.open(db) as wh:
            rows = wh.indicators(dataset=dataset, search=search)
    except ProsperityError as e:
        raise _fail(e) from None
    emit(rows, fmt, ["id", "label", "unit", "first_period", "last_period", "dataset", "release_date"],
         title=f"{len(rows)} indicators")  # fmt: skip


@app.command("series")
def series_cmd(
    indicator: Annotated[str, typer.Argument(help="Indicator id, e.g. gross-value-added-per-hour-worked.")],
    area: Annotated[str, typer.Argument(help="Area code, e.g. E47000004.")],
    db: DbOption = None,
    breakdown: Annotated[str | None, typer.Option(help="Breakdown, e.g. an industry code; all if omitted.")] = None,
    history: Annotated[bool, typer.Option("--history", help="Every release's values, showing revisions.")] = False,
    as_of: Annotated[str | None, typer.Option("--as-of", help="As the warehouse stood on this date (YYYY-MM-DD).")]
    = None,  # fmt: skip
    fmt: FormatOption = Format.table,
) -> None:
    """One area's time series: every period with value, 95% interval, status, unit and release.

    Example: prosperity series gross-value-added-per-hour-worked E47000004
    """
    try:
        with Warehouse.open(db) as wh:
            meta = wh.indicator(indicator)
            place = wh.area(area)
            obs = wh.series(indicator, area, breakdown=breakdown, history=history, as_of=as_of)
    except ProsperityError as e:
        raise _fail(e) from None
    if not obs:
        err.print(f"No observations of {indicator} for {area} ({place['name']}).")
        raise typer.Exit(1)
    rows = [o.as_dict() for o in obs]
    cols = ["period", "period_label", "value", "lci_95", "uci_95", "status", "unit", "release_id", "release_date"]
    if any(o.breakdown for o in obs):
        cols.insert(0, "breakdown")
    if fmt is Format.table:
        cols.remove("period")
        dp = meta["decimal_places"] if meta["decimal_places"] is not None else 2
        for r in rows:
            for k in ("value", "lci_95", "uci_95"):
                if r[k] is not None:
                    r[k] = f"{r[k]:,.{dp}f}"
    emit(rows, fmt, cols, title=f"{meta['label']} — {place['name']} ({area}); source: {meta['source_org'] or ''}")


@app.command("releases")
def releases_cmd(
    db: DbOption = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List every release loaded: dataset, file checksum, publisher's release date and when it was loaded."""
    try:
        with Warehouse.open(db) as wh:
            rows = wh.releases(dataset)
    except ProsperityError as e:
        raise _fail(e) from None
    for r in rows:
        r["sha256"] = r["sha256"][:12]
    emit(rows, fmt, ["release_id", "dataset", "release_date", "loaded_at", "rows", "set_aside", "current", "sha256",
                     "same_as"], title=f"{len(rows)} releases")  # fmt: skip


def _source_cell(a: object) -> str:
    """Publisher and release date of an assessment's figure, to stand beside it."""
    rel = a.releases[0] if a.releases else {}  # type: ignore[attr-defined]
    publisher = a.source.get("publisher") or rel.get("publisher") or ""  # type: ignore[attr-defined]
    date = rel.get("release_date")
    return f"{publisher}, released {date}" if publisher and date else publisher


def _benchmark_cell(b: dict | None) -> str:
    if not b:
        return ""
    if b["comparison"] == "not_compared":
        pct = f"{(b['ratio'] - 1) * 100:+.1f}%" if b.get("ratio") else f"{b['difference']:+,.2f}"
        return f"{pct} vs {b['area_name']}"
    return f"{b['comparison']} than {b['area_name']}" if b["comparison"] != "similar" else f"similar to {b['area_name']}"


@app.command("assess")
def assess_cmd(
    area: Annotated[str | None, typer.Option(help="Area code, e.g. E47000004 or E08000012.")] = None,
    group: Annotated[str | None, typer.Option(help="Name of a user-defined group (with --members).")] = None,
    members: Annotated[str | None, typer.Option(help="The group's member area codes, comma-separated.")] = None,
    strategy: Annotated[str | None, typer.Option(help="Only this strategy's indicators.")] = None,
    indicator: Annotated[str | None, typer.Option(help="Only this framework indicator.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="As the warehouse stood on this date.")] = None,
    framework: Annotated[Path | None, typer.Option(help="Framework folder [default: the one whose `applies_to` names "
                                                   "the area, else the generic one].")] = None,  # fmt: skip
    db: DbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """How every framework indicator stands for an area: value, benchmark, trend, peers, target.

    Example: prosperity assess --area E47000004 --strategy lcr-plan-for-prosperity-2022
    Example: prosperity assess --group "Liverpool and Wirral" --members E08000012,E08000015
    """
    from prosperity.assess.run import assess_area, assess_group

    if (area is None) == (group is None):
        err.print("Give either --area CODE or --group NAME --members CODE,CODE,…")
        raise typer.Exit(2)
    try:
        with Warehouse.open(db) as wh:
            if group is not None:
                codes = [c.strip() for c in (members or "").split(",") if c.strip()]
                found = assess_group(wh, group, codes, framework=framework, strategy=strategy, indicator=indicator,
                                     as_of=as_of)  # fmt: skip
            else:
                found = assess_area(wh, area or "", framework=framework, strategy=strategy, indicator=indicator,
                                    as_of=as_of)  # fmt: skip
    except ProsperityError as e:
        raise _fail(e) from None
    if fmt is Format.json:
        import json

        json.dump([a.as_dict() for a in found], sys.stdout, indent=2, ensure_ascii=False)
        print()
        return
    from prosperity.assess.sentences import figure

    rows = []
    for a in found:
        d = a.as_dict()
        rows.append({
            "indicator": a.indicator, "label": a.label, "period": a.period_label, "value": figure(a),
            "benchmark": _benchmark_cell(d["benchmark"]),
            "trend": (a.trend or {}).get("status") or "", "rank": f"{a.peers['rank']} of {a.peers['of']}"
            if a.peers and a.peers.get("rank") else "", "target": (a.target or {}).get("status", ""), "status": a.status,
            "source": _source_cell(a),
            "sentences": " ".join(a.sentences),
        })  # fmt: skip
    cols = ["indicator", "period", "value", "benchmark", "trend", "rank", "target", "status", "source"]
    emit(rows, fmt, cols + (["label", "sentences"] if fmt is Format.csv else []),
         title=f"{len(rows)} assessments for {group or area}")  # fmt: skip


@app.command("fetch")
def fetch_cmd(
    sources: Annotated[list[str] | None, typer.Argument(help="Live sources to fetch: nomis, ons-api, fingertips, desnz "
                                                       "(or any other source's name); all if none given.")] = None,
    db: DbOption = None,
    cache: Annotated[Path | None, typer.Option("--cache", envvar="PROSPERITY_CACHE",
                                               help="Where live downloads are kept.")] = None,  # fmt: skip
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print every request a full live fetch would make; "
                                          "send none.")] = False,  # fmt: skip
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Summary format (table or json).")] = Format.table,
) -> None:
    """Fetch live sources into the raw cache and load them as releases (settings: README, "Live sources").

    Example: prosperity fetch nomis fingertips
    Example: prosperity fetch --dry-run
    """
    from prosperity.sources import SOURCES
    from prosperity.sources.live.base import plan_of

    unknown = [s for s in sources or [] if s not in SOURCES]
    if unknown:
        err.print(f"Unknown source(s): {', '.join(unknown)}; expected one of: {', '.join(SOURCES)}")
        raise typer.Exit(2)
    chosen = sorted({d.id: d for name in (sources or SOURCES) for d in SOURCES[name](None).datasets}.values(),
                    key=lambda d: (d.order, d.id))  # fmt: skip
    if dry_run:
        for ds in chosen:
            print(f"# {ds.id}")
            for ref in ds.files:
                for line in plan_of(ref):
                    print(line)
        return
    db_path = db or default_db()
    ids = {d.id for d in chosen}
    if not db_path.exists():  # a new warehouse needs the area register before any observation can load
        ids |= {d.id for name in SOURCES for d in SOURCES[name](None).datasets if d.kind == "reference"}
    try:
        summary = build(db_path, cache=cache, only=lambda d: d.id in ids,
                        progress=lambda ds, i, n, st: print(f"[{i}/{n}] {ds}: {st}", file=sys.stderr, flush=True))
    except ProsperityError as e:
        raise _fail(e) from None
    if fmt is Format.json:
        import json

        json.dump([{"dataset": r.dataset_id, "status": r.status, "release_id": r.release_id, "rows": r.rows,
                    "message": r.message, "warnings": r.warnings} for r in summary.results], sys.stdout,
                  indent=2)  # fmt: skip
        print()
    else:
        _print_summary(summary)


@app.command("serve")
def serve_cmd(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    framework: Annotated[Path | None, typer.Option(help="Framework folder [default: the one whose `applies_to` names "
                                                   "the area, else the generic one].")] = None,  # fmt: skip
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=32)] = 1,
    public_url: Annotated[str | None, typer.Option("--public-url", help="The address readers use, which absolute "
                                                   "links in the API start with [default: PROSPERITY_PUBLIC_URL, "
                                                   "else http://HOST:PORT].")] = None,  # fmt: skip
) -> None:
    """Serve the dashboard and the open data API (/api/v1/) over the warehouse, read-only.

    A rebuilt warehouse is picked up without a restart. Limits and timeouts are set by PROSPERITY_* variables
    (README, "Serving").

    Example: prosperity serve --db prosperity.duckdb --port 8000 --public-url https://data.example.org
    """
    import os

    from prosperity.web import create_app
    from prosperity.web.server import serve

    db_path = db or default_db()
    shown = f"[{host}]" if ":" in host else host
    public = public_url or os.environ.get("PROSPERITY_PUBLIC_URL") or f"http://{shown}:{port}"
    try:
        app_ = create_app(db_path, framework, public_url=public, warm=True)  # fails early with a clear message
        err.print(f"Serving {db_path} on http://{shown}:{port}/ (Ctrl+C to stop)")
        if workers == 1:
            serve(app_, host, port)
        else:
            app_.state.sites.close()
            os.environ["PROSPERITY_DB"], os.environ["PROSPERITY_FRAMEWORK"] = str(db_path), str(framework or "")
            os.environ["PROSPERITY_PUBLIC_URL"] = public
            serve("prosperity.web.app:app_from_env", host, port, workers=workers)
    except ProsperityError as e:
        raise _fail(e) from None


@app.command("report")
def report_cmd(
    area: Annotated[str, typer.Option(help="Area code, e.g. E47000004 (Liverpool City Region).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write index.html, report.pdf and edition.json "
                                          "into.")],  # fmt: skip
    strategy: Annotated[str | None, typer.Option(help="Only this strategy [default: the area's strategies and "
                                                 "its combined authority's].")] = None,  # fmt: skip
    as_of: Annotated[str | None, typer.Option("--as-of", help="Use only the releases loaded by this date or "
                                              "timestamp (regenerates an old edition).")] = None,  # fmt: skip
    framework: Annotated[Path | None, typer.Option(help="Framework folder [default: the one whose `applies_to` names "
                                                   "the area, else the generic one].")] = None,  # fmt: skip
    commentary: Annotated[Path | None, typer.Option(help="Commentary file [default: "
                                                    "<framework>/commentary/<AREA>.yaml].")] = None,  # fmt: skip
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Write the HTML only.")] = False,
    previous: Annotated[Path | None, typer.Option(help="The previous edition (its folder or edition.json), to say "
                                                  "what has changed since.")] = None,  # fmt: skip
    programmes: Annotated[Path | None, typer.Option(help="The programme store, for a section on programmes and "
                                                    "the outcomes they claim (its newest round).")] = None,  # fmt: skip
    db: DbOption = None,
) -> None:
    """Write the State of the City Region report for an area: HTML and PDF, with its edition manifest.

    Example: prosperity report --area E47000004 --out report
    Example: prosperity report --area E47000004 --out report-2026 --as-of 2026-11-23
    """
    from prosperity.files import check_writable_dir, why
    from prosperity.report import write_report

    try:
        check_writable_dir(out_dir, "--out")  # before any work
        with Warehouse.open(db) as wh:
            result = write_report(wh, area, out_dir, strategy=strategy, as_of=as_of, framework=framework,
                                  commentary=commentary, pdf=not no_pdf, previous=previous,
                                  programmes=programmes)  # fmt: skip
    except ProsperityError as e:
        raise _fail(e) from None
    except OSError as e:  # the disk filled up, or the folder changed, while the report was written
        raise _fail(f"--out {out_dir}: {why(e)}; the report was not completed") from None
    for message in result.messages:
        err.print(f"[yellow]Note:[/] {escape(message)}", soft_wrap=True)
    pdf = f", {result.pdf} ({result.pages} pages)" if result.pdf else ""
    out.print(f"Wrote {result.html}{pdf} and {result.edition}: {result.figures} figures from {result.releases} "
              f"releases in {result.seconds:.1f} s.", soft_wrap=True, highlight=False)  # fmt: skip


app.command("review")(review_cmd)
app.add_typer(programmes_app, name="programmes")
app.add_typer(users_app, name="users")
app.add_typer(returns_app, name="returns")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
