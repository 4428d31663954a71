"""``prosperity programmes …`` and ``prosperity review``: a thin shell over :mod:`prosperity.programmes`.

Every command takes ``--programmes-db`` (or ``PROSPERITY_PROGRAMMES_DB``): a SQLAlchemy URL or a file path,
default ``./programmes.sqlite``. The statistics warehouse (``--db``) is read only by ``review`` and ``show`` to
put each outcome's assessment beside the programmes that claim to move it.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from prosperity.cli_options import DbOption, MirrorOption, fail
from prosperity.errors import ProsperityError
from prosperity.output import Format, emit

app = typer.Typer(help="Programmes and their returns: template, import, list, show, export; Towns Fund awards.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)  # fmt: skip
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option("--programmes-db", envvar="PROSPERITY_PROGRAMMES_DB",
                 help="Programme store: a file path or a SQLAlchemy URL [default: ./programmes.sqlite]."),
]  # fmt: skip
FrameworkOption = Annotated[
    Path | None, typer.Option("--framework", help="Framework folder [default: the shipped Liverpool City Region one].")
]
RoundOption = Annotated[
    str | None, typer.Option("--round", "-r", help="Reporting round, e.g. 2025-26-H1 [default: the latest with a return].")
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _store(url: str | None, create: bool = True) -> Any:
    from prosperity.programmes.store import ProgrammeStore

    try:
        return ProgrammeStore.open(url, create=create)
    except ProsperityError as e:
        raise fail(e) from None


def _latest_round(store: Any, wanted: str | None) -> str:
    from prosperity.programmes.store import rounds
    from prosperity.programmes.years import parse_round

    if wanted:
        try:
            return parse_round(wanted).id
        except ValueError as e:
            raise fail(e) from None
    with store.session() as s:
        have = [r.id for r in rounds(s)]
    if not have:
        raise fail("the programme store has no returns yet: `prosperity programmes import RETURN.xlsx` stores one")
    return have[-1]


# ---- template -------------------------------------------------------------------------------------------------
@app.command("template")
def template_cmd(
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Where to write: a .xlsx workbook, or a folder for a "
                                           "CSV bundle (with --csv).")] = Path("return.xlsx"),  # fmt: skip
    csv_bundle: Annotated[bool, typer.Option("--csv", help="Write a CSV bundle (a folder, one file per sheet).")] = False,
    example: Annotated[bool, typer.Option("--example", help="Fill it with an illustrative return (invented figures).")]
    = False,
    round_id: RoundOption = None,
) -> None:
    """Write the return template: one sheet per table, an About sheet explaining every column, drop-down lists.

    Example: prosperity programmes template --out runcorn-2025-26-H2.xlsx
    """
    from prosperity.programmes.template import example_tables, write_csv_bundle, write_workbook

    try:
        tables = example_tables(round_id) if example else None
    except ValueError as e:
        raise fail(e) from None
    try:
        if csv_bundle:
            write_csv_bundle(out_path, tables)
        else:
            if out_path.suffix.lower() != ".xlsx":
                raise fail(f"{out_path}: a workbook's name ends in .xlsx (or give --csv for a folder of CSV files)")
            write_workbook(out_path, tables)
    except OSError as e:
        raise fail(f"cannot write {out_path}: {e.strerror or e}") from None
    what = "an illustrative return (invented figures)" if example else "the empty template"
    out.print(f"Wrote {what} to {escape(str(out_path))}. Fill it in, then: prosperity programmes import "
              f"{escape(str(out_path))}", highlight=False)  # fmt: skip


# ---- import -----------------------------------------------------------------------------------------------------
def _print_issues(issues: list[Any], limit: int = 200) -> None:
    for i in issues[:limit]:
        colour = "red" if i.severity == "error" else "yellow"
        out.print(f"[bold]{escape(i.where)}[/]: [{colour}]{i.severity}[/] {escape(i.message)} [dim]\\[{i.rule}][/]",
                  highlight=False, soft_wrap=True)  # fmt: skip
    if len(issues) > limit:
        out.print(f"… and {len(issues) - limit} more (--format json lists them all)")


@app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="A return: .xlsx workbook, folder of CSV files, or IATI 2.03 XML.")],
    store_url: StoreOption = None,
    framework: FrameworkOption = None,
    check_only: Annotated[bool, typer.Option("--check", help="Check the return and report; store nothing.")] = False,
    round_id: Annotated[str | None, typer.Option("--round", help="IATI XML only: the round it reports on.")] = None,
    fund: Annotated[str | None, typer.Option(help="IATI XML only: the fund (see the template's About sheet).")] = None,
    programme: Annotated[str | None, typer.Option(help="IATI XML only: the programme code its activities belong to.")]
    = None,
    organisation: Annotated[str | None, typer.Option(help="IATI XML only: the submitting organisation.")] = None,
    submitted_by: Annotated[str | None, typer.Option("--submitted-by", help="IATI XML only: who is importing it.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format (table or json).")] = Format.table,
) -> None:
    """Check a return in three layers (schema; IATI and 360Giving rules; fund rules) and store it as a submission.

    Every problem names the file, sheet, row and column. A return with any error is rejected whole and nothing
    changes; warnings are stored with the submission as its data quality record. A return for a round that
    already has one is stored as a correction: the earlier submission is kept.

    Example: prosperity programmes import runcorn-2025-26-H2.xlsx
    """
    from prosperity.programmes.importer import read_iati, read_return
    from prosperity.programmes.store import already_stored, save_return
    from prosperity.programmes.validate import check_return, framework_ids

    try:
        if path.suffix.lower() == ".xml":
            missing = [n for n, v in (("--round", round_id), ("--fund", fund), ("--programme", programme),
                                      ("--organisation", organisation), ("--submitted-by", submitted_by)) if not v]
            if missing:
                raise fail(f"{path.name}: an IATI XML return also needs {', '.join(missing)}")
            ret = read_iati(path, round_id=round_id or "", fund=fund or "", programme=programme or "",
                            organisation=organisation or "", submitted_by=submitted_by or "")  # fmt: skip
        else:
            ret = read_return(path)
        fw = framework_ids(framework)
        store = _store(store_url)
        with store.session() as s:
            check_return(ret, s, fw)
        stored = duplicate = None
        if not ret.errors and not check_only:
            with store.session() as s:
                duplicate = already_stored(s, ret)
            if duplicate is None:
                with store.session() as s:
                    stored = save_return(s, ret)
    except ProsperityError as e:
        raise fail(e) from None
    counts = {k: len(v) for k, v in ret.tables.items() if v}
    if fmt is Format.json:
        json.dump({"file": ret.file, "sha256": ret.sha256, "accepted": not ret.errors, "stored": stored,
                   "already_stored_as": duplicate,
                   "round": ret.round().id if ret.round() else None, "rows": counts,
                   "errors": [i.as_dict() for i in ret.errors], "warnings": [i.as_dict() for i in ret.warnings]},
                  sys.stdout, indent=2, ensure_ascii=False)  # fmt: skip
        sys.stdout.write("\n")
    else:
        _print_issues(ret.errors + ret.warnings)
        if ret.errors:
            out.print(f"[bold red]Rejected:[/] {escape(ret.file)} has {len(ret.errors)} error(s); nothing was stored. "
                      "Fix them and import it again.", highlight=False)  # fmt: skip
        elif duplicate is not None:
            out.print(f"{escape(ret.file)} is already stored, unchanged, as submission {duplicate}; nothing was added.",
                      highlight=False)  # fmt: skip
        else:
            rows = ", ".join(f"{n} {k}" for k, n in counts.items() if k != "return")
            head = "Checked (not stored)" if check_only else f"Stored as submission {stored}"
            out.print(f"[green]{head}[/]: {escape(ret.file)} for round {ret.round().id if ret.round() else '?'}: "
                      f"{escape(rows)}; {len(ret.warnings)} warning(s).", highlight=False)  # fmt: skip
    if ret.errors:
        raise typer.Exit(1)


# ---- Towns Fund awards ----------------------------------------------------------------------------------------
@app.command("awards")
def awards_cmd(
    store_url: StoreOption = None,
    mirror: MirrorOption = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read this copy of TF-grant-awarded.csv.")] = None,
) -> None:
    """Load MHCLG's Towns Fund grant awards as the allocations of the city region's Town Deals and Future High
    Streets Fund places (capital = CDEL, revenue = RDEL). Without --mirror or --file, MHCLG's own file is fetched.

    Example: prosperity programmes awards --mirror ../shared/data
    """
    from prosperity.programmes.towns_fund import SOURCE, awards_bytes, load_awards

    store = _store(store_url)
    try:
        data, name = awards_bytes(mirror, file)
        res = load_awards(store, data, name)
    except ProsperityError as e:
        raise fail(e) from None
    out.print(f"Loaded {res.allocations} allocations (£{res.total_pence / 100:,.0f}) for the city region's Towns Fund "
              f"places from {escape(res.file)}: {res.programmes} new programmes, {res.projects} new projects. "
              f"Source: {SOURCE}.", highlight=False)  # fmt: skip
    for n in res.notes:
        out.print(f"[yellow]Note:[/] {escape(n)}", highlight=False)


# ---- list, show, submissions ------------------------------------------------------------------------------------
@app.command("list")
def list_cmd(store_url: StoreOption = None, round_id: RoundOption = None, fmt: FormatOption = Format.table) -> None:
    """Every programme: fund, projects, allocation, the round's spend to date and ratings.

    Example: prosperity programmes list --round 2025-26-H1
    """
    from prosperity.programmes.portfolio import review_round
    from prosperity.programmes.store import allocations, rounds

    store = _store(store_url, create=False)
    with store.session() as s:
        have = [r.id for r in rounds(s)]
        rid = _latest_round(store, round_id) if (round_id or have) else None
        pf = review_round(s, rid) if rid else None
        alloc = allocations(s)
        from sqlalchemy import select

        from prosperity.programmes import model as m

        progs = list(s.scalars(select(m.Programme).order_by(m.Programme.id)))
        rows = []
        for p in progs:
            views = pf.by_programme().get(p.id, []) if pf else []
            allocated = sum(sum(v.values()) for k, v in alloc.items() if k.programme_id == p.id)
            t = pf.totals(views) if pf else {}
            rows.append({"programme": p.id, "title": p.title, "fund": p.fund_id, "projects": len(p.projects),
                         "allocation_gbp": allocated / 100 if allocated else None,
                         "round": rid if p.id in (pf.submissions if pf else {}) else None,
                         "spent_to_date_gbp": t.get("spent", 0) / 100 if views else None,
                         "red_ratings": sum(1 for v in views for x in v.computed.values() if x == "red") if views else None})
    emit(rows, fmt, title=f"{len(rows)} programmes" + (f"; returns for round {rid}" if rid else "; no returns yet"))


@app.command("submissions")
def submissions_cmd(store_url: StoreOption = None, round_id: RoundOption = None, fmt: FormatOption = Format.table) -> None:
    """Every return received, newest first: round, file, checksum, who signed it off, and what it corrects."""
    from sqlalchemy import select

    from prosperity.programmes import model as m

    store = _store(store_url, create=False)
    with store.session() as s:
        q = select(m.Submission).order_by(m.Submission.id.desc())
        if round_id:
            q = q.where(m.Submission.round_id == round_id)
        rows = [{"submission": x.id, "round": x.round_id, "fund": x.fund_id,
                 "programmes": ", ".join(p.programme_id for p in x.programmes), "file": x.file_name,
                 "sha256": x.file_sha256[:12], "received": x.received_at.isoformat(timespec="seconds"),
                 "signed_off_by": f"{x.sign_off_name}, {x.sign_off_role}", "corrects": x.supersedes_id}
                for x in s.scalars(q)]  # fmt: skip
    emit(rows, fmt, title=f"{len(rows)} submissions")


@app.command("show")
def show_cmd(
    code: Annotated[str, typer.Argument(help="A programme or project code, e.g. TD-RCN or TD-RCN-03.")],
    store_url: StoreOption = None,
    round_id: RoundOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """A programme's projects, or one project, as the round's return reports them, with computed and declared
    ratings side by side.

    Example: prosperity programmes show TD-RCN-03 --round 2025-26-H1
    """
    from prosperity.programmes import model as m
    from prosperity.programmes.portfolio import review_round

    store = _store(store_url, create=False)
    rid = _latest_round(store, round_id)
    with store.session() as s:
        prog = s.get(m.Programme, code)
        proj = s.get(m.Project, code)
        if prog is None and proj is None:
            raise fail(f"no programme or project {code!r} in the programme store (`prosperity programmes list`)")
        pf = review_round(s, rid)
        views = [v for v in pf.projects if v.code == code or v.programme.id == code]
        data = [v.as_dict() for v in views]
        if not views:
            what = prog or proj
            raise fail(f"{code} ({what.title}) has no return for round {rid}" if what else f"nothing for {code}")
    if fmt is Format.json:
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return
    for v in views:
        t = Table(title=f"{v.code} {v.project.title} — round {rid} (submission {v.submission.id})", show_header=True)
        for c in ("measure", "computed", "declared", "detail"):
            t.add_column(c, overflow="fold")
        t.add_row("spend", str(v.computed["spend"] or "not rated"), str(v.declared["spend"] or "—"),
                  f"{v.variance.text} {v.spend_profile.text}")  # fmt: skip
        t.add_row("delivery (outputs)", str(v.computed["delivery"] or "not rated"), str(v.declared["delivery"] or "—"),
                  " ".join(i.rating.text for i in v.outputs if i.rating))  # fmt: skip
        t.add_row("risk", str(v.computed["risk"] or "not rated"), str(v.declared["risk"] or "—"),
                  "; ".join(f"{x.title}: {rt.text}" for x, rt in v.risks))  # fmt: skip
        out.print(t)
        alloc = ", ".join(f"{k} £{a / 100:,.0f}" for k, a in v.allocation.items()) or "none recorded"
        out.print(f"Allocation: {alloc}. Spent to date £{v.actual_to_date / 100:,.0f}; forecast after the round "
                  f"£{v.forecast_after / 100:,.0f}." + (f" [bold red]{escape(v.slip.text)}[/]" if v.slip else "")
                  + (f" [bold]Declared and computed disagree on: {', '.join(v.disagreements)}.[/]"
                     if v.disagreements else ""),
                  highlight=False)  # fmt: skip


# ---- export -----------------------------------------------------------------------------------------------------
class ExportFormat(StrEnum):
    iati = "iati"
    giving = "360giving"


@app.command("export")
def export_cmd(
    kind: Annotated[ExportFormat, typer.Option("--to", help="iati (IATI 2.03 activity XML) or 360giving (JSON).")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    store_url: StoreOption = None,
    round_id: RoundOption = None,
    org_ref: Annotated[str | None, typer.Option("--org-ref", help="IATI: the reporting organisation's identifier "
                                                "[default: each programme's lead organisation identifier].")] = None,
    prefix: Annotated[str, typer.Option(help="360Giving: your grant identifier prefix.")] = "360G-prosperity",
) -> None:
    """Export the round's programmes as IATI 2.03 activities, or its grants as a 360Giving data package.

    Example: prosperity programmes export --to iati --round 2025-26-H1 --out activities.xml
    """
    from prosperity.programmes.export import dumps, giving_json, iati_xml
    from prosperity.programmes.portfolio import review_round
    from prosperity.programmes.store import pictures

    store = _store(store_url, create=False)
    rid = _latest_round(store, round_id)
    try:
        with store.session() as s:
            pf = review_round(s, rid)
            if not pf.submissions:
                raise fail(f"no returns for round {rid}")
            pics = pictures(s, pf.submissions.values())
            data = (iati_xml(pf, pics, org_ref=org_ref) if kind is ExportFormat.iati
                    else dumps(giving_json(pf, pics, prefix=prefix)).encode())  # fmt: skip
        out_path.write_bytes(data)
    except ProsperityError as e:
        raise fail(e) from None
    except OSError as e:
        raise fail(f"cannot write {out_path}: {e.strerror or e}") from None
    out.print(f"Wrote {escape(str(out_path))} ({len(data):,} bytes): round {rid}, {len(pf.submissions)} programme(s), "
              f"{len(pics)} project(s).", highlight=False)  # fmt: skip


# ---- review (a top-level command: `prosperity review`) -------------------------------------------------------
def review_cmd(
    round_id: Annotated[str, typer.Option("--round", "-r", help="The reporting round, e.g. 2025-26-H2.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for index.html, review.pdf and pack.json.")],
    store_url: StoreOption = None,
    db: DbOption = None,
    framework: FrameworkOption = None,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Write the HTML only.")] = False,
) -> None:
    """Write the bi-annual implementation review pack for a round: HTML and PDF.

    Spend S-curve and variance, exceptions, outputs against targets, top risks, milestones, each strategy
    outcome's programmes beside its indicators' assessment from official statistics, the data quality of the
    returns, and the returns' commentary. pack.json lists every submission used, with its checksum.

    Example: prosperity review --round 2025-26-H1 --out review-2025-26-H1
    """
    from prosperity.programmes.review import write_review
    from prosperity.programmes.years import parse_round

    try:
        rid = parse_round(round_id).id
    except ValueError as e:
        raise fail(e) from None
    store = _store(store_url, create=False)
    try:
        res = write_review(store, rid, out_dir, warehouse=db, framework=framework, pdf=not no_pdf, today=date.today())
    except ProsperityError as e:
        raise fail(e) from None
    except OSError as e:
        raise fail(f"cannot write the review pack to {out_dir}: {e.strerror or e}") from None
    for msg in res.messages:
        err.print(f"[yellow]Note:[/] {escape(msg)}", highlight=False)
    pdf = f" and {escape(str(res.pdf))} ({res.pages} pages)" if res.pdf else ""
    out.print(f"Wrote {escape(str(res.html))}{pdf}: round {rid}, {res.submissions} return(s), {res.projects} "
              f"project(s), {res.exceptions} exception(s), in {res.seconds:.1f} s.", highlight=False)  # fmt: skip
