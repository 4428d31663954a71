"""The State of the City Region report: HTML and PDF, edition by edition.

>>> from prosperity.warehouse import Warehouse
>>> from prosperity.report import write_report
>>> with Warehouse.open("prosperity.duckdb") as wh:                  # doctest: +SKIP
...     result = write_report(wh, "E47000004", Path("report"))
>>> result.pages                                                    # doctest: +SKIP
58

``DIR/index.html`` is self-contained (inline CSS and SVG charts); ``DIR/report.pdf`` is the same document
printed as a tagged PDF by Chromium, or typeset by WeasyPrint where no Chromium is installed (see
:mod:`prosperity.report.pdf`), charts as vector graphics; ``DIR/edition.json`` records what the edition used (area,
strategy, as-of, the framework's digest, every release with its checksum), so that ``--as-of`` regenerates it
exactly after newer data arrive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import shlex
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from prosperity import __version__
from prosperity.errors import ProsperityError
from prosperity.report.commentary import Commentary, default_path, load_commentary
from prosperity.warehouse import Warehouse

__all__ = ["ReportResult", "write_report"]

TITLE = "State of the City Region"


@dataclass
class ReportResult:
    """What :func:`write_report` wrote, and what a reader of the command line should know."""

    out: Path
    html: Path
    pdf: Path | None
    edition: Path
    pages: int
    figures: int
    releases: int
    seconds: float
    messages: list[str] = field(default_factory=list)


def write_report(wh: Warehouse, area: str, out: Path, *, strategy: str | None = None, as_of: str | None = None,
                 framework: Path | None = None, commentary: Path | None = None, pdf: bool = True,
                 now: dt.datetime | None = None, previous: Path | None = None,
                 programmes: Path | None = None) -> ReportResult:  # fmt: skip
    """Write ``index.html``, ``report.pdf`` and ``edition.json`` for ``area`` into ``out``.

    :param strategy: only this strategy (default: the strategies of the area and of its combined authority)
    :param as_of: use only the releases loaded by this date or timestamp (regenerates an old edition)
    :param framework: the framework folder (default: the shipped one)
    :param commentary: the analyst's commentary file (default: ``<framework>/commentary/<area>.yaml``)
    :param pdf: also print the PDF (Chromium, else WeasyPrint: :func:`print_report`)
    :param now: the time recorded as ``generated_at`` (default: now, UTC)
    :param previous: the previous edition (its folder or its ``edition.json``), for "change since the previous
        edition"
    :param programmes: the programme store (a file or database URL) for the programmes section (default: none)
    """
    from prosperity.framework import load_framework
    from prosperity.report.data import build_report
    from prosperity.report.editions import load_previous
    from prosperity.warehouse.schema import end_of

    started = time.perf_counter()
    if as_of is not None:
        end_of(as_of)  # a clear error for a date that is not one
    fw_path = Path(framework) if framework else framework_for(area)
    fw = load_framework(fw_path)
    notes = load_commentary(commentary or default_path(fw_path, area), area)
    before = load_previous(Path(previous)) if previous is not None else None
    with contextlib.ExitStack() as stack:
        # Chromium starts, and the other packages' sections are read on a cursor of their own, while the rest is
        # gathered (two cores: the browser and the database each work while Python waits)
        printer = stack.enter_context(start_printer()) if pdf else None
        side = Warehouse(wh.con.cursor(), wh.path)
        stack.callback(side.close)
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="sections"))
        pending = pool.submit(package_sections, side, fw, fw_path, as_of, programmes=programmes)
        report = build_report(wh, fw, area, strategy=strategy, as_of=as_of, commentary=notes, previous=before)
        report.sections = pending.result()
        return _write(report, area, out, fw, fw_path, notes, printer, strategy=strategy, framework=framework,
                      now=now, as_of=as_of, started=started)


def _write(report: Any, area: str, out: Path, fw: Any, fw_path: Path, notes: Commentary, printer: Any, *,
           strategy: str | None, framework: Path | None, now: dt.datetime | None, as_of: str | None,
           started: float) -> ReportResult:  # fmt: skip
    from prosperity.assess.run import framework_digest
    from prosperity.report.data import framework_root
    from prosperity.report.render import render_html

    report.regenerate = regenerate_command(area, report, strategy=strategy,
                                           framework=str(framework) if framework else None)  # fmt: skip
    messages = list(notes.problems)
    if report.changes is not None and report.changes.problem:
        messages.append(f"previous edition: {report.changes.problem}")
    unused = notes.unused(report.section_ids)
    if unused:
        messages.append(f"{notes.path}: commentary for section(s) {', '.join(map(repr, unused))} not shown: this "
                        "report has no such section (sections are summary, findings, status, changes, headline, "
                        "inequality, members, peers, targets, quality, gaps, methodology, and the ids of the "
                        "strategies and themes reported)")  # fmt: skip
    html = render_html(report)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / "index.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path, pages, printed_by = None, 0, None
    if printer is not None:
        pdf_path = out / "report.pdf"
        pages, printed_by, why = print_report(html, pdf_path, title=f"{report.title}: {report.area_name}",
                                              printer=printer)  # fmt: skip
        if why:
            messages.append(why)
    figures = html.count("<img ")  # every chart and map is an image with its alternative text (render.as_images)
    root = framework_root(fw_path)
    manifest = {
        "report": TITLE,
        "area": area,
        "area_name": report.area_name,
        "strategy": strategy,
        "strategies": [b.strategy.id for b in report.strategies],
        "as_of": as_of,
        "data_as_of": report.data_as_of,
        "generated_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "prosperity_version": __version__,
        "framework": {"id": fw.id, "digest": framework_digest(fw_path)},
        "commentary": _commentary_entry(notes, root),
        "edition": {"id": report.edition_id, "published_to": report.published_to},
        "regenerate": report.regenerate,
        "releases": [{k: r[k] for k in ("release_id", "dataset_id", "title", "publisher", "release_date", "loaded_at",
                                         "file_name", "sha256")} for r in report.releases],
        "findings": [f.as_dict() for f in report.findings],
        "assessments": report.records,
        "files": {p.name: _sha256(p) for p in (html_path, pdf_path) if p is not None},
        "pages": pages or None,
        "printed_by": printed_by,
        "messages": messages,
    }  # fmt: skip
    edition = out / "edition.json"
    edition.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ReportResult(out, html_path, pdf_path, edition, pages, figures, len(report.releases),
                        time.perf_counter() - started, messages)  # fmt: skip


def regenerate_command(area: str, report: Any, *, strategy: str | None = None, framework: str | None = None) -> str:
    """The command, ready to paste into a shell, that writes this edition again byte for byte: ``--as-of`` the
    moment the newest release it used was loaded (quoted), into a folder named by the edition's identity."""
    parts = ["prosperity", "report", "--area", shlex.quote(area)]
    if strategy:
        parts += ["--strategy", shlex.quote(strategy)]
    if framework:
        parts += ["--framework", shlex.quote(framework)]
    if report.data_as_of:
        parts += ["--as-of", f"'{report.data_as_of}'"]  # an ISO timestamp: digits, '-', ':', '.', 'T'
    parts += ["--out", shlex.quote(f"edition-{report.edition_id}")]
    return " ".join(parts)


def framework_for(area: str) -> Path:
    """The framework an area is reported against (its own, else the generic one): see ``applies_to``."""
    from prosperity.framework import frameworks_for_area, shipped_frameworks_root

    found = frameworks_for_area(area)
    if not found:
        raise ProsperityError(f"no framework applies to area {area}: none in {shipped_frameworks_root()} names it "
                              "and none applies by default; give one with --framework")  # fmt: skip
    return found[0]


@contextlib.contextmanager
def start_printer() -> Iterator[Any]:
    """The printer of the report's PDF, started: a Chromium (:class:`prosperity.report.pdf.Printer`) where one and
    Playwright are installed, else WeasyPrint (the string "weasyprint", with why)."""
    from prosperity.report import pdf

    executable = pdf.chromium()
    missing = [name for name in ("playwright", "pikepdf") if not _importable(name)]
    if executable is None or missing:
        yield ("weasyprint", "no Chromium was found (install Debian's chromium, or name one with PROSPERITY_CHROMIUM)"
               if executable is None else f"{' and '.join(missing)} not installed")  # fmt: skip
        return
    with pdf.Printer(executable) as printer:
        yield printer


def print_report(html: str, target: Path, *, title: str, printer: Any) -> tuple[int, str, str]:
    """Print the report's HTML as a tagged PDF with the printer :func:`start_printer` started: Chromium (about
    five times faster: see :mod:`prosperity.report.pdf`), else WeasyPrint. The number of pages, the printer's
    name and version, and a note for the reader of the command line when WeasyPrint was used instead."""
    if isinstance(printer, tuple):
        import weasyprint

        pages = typeset(html, target, title=title)
        return pages, f"WeasyPrint {weasyprint.__version__}", (f"the PDF was typeset by WeasyPrint, which takes "
                                                                f"about five times as long as Chromium: {printer[1]}")
    pages, version = printer.print(html, target, title=title)
    return pages, version, ""


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def typeset(html: str, target: Path, *, title: str) -> int:
    """Typeset the HTML as a PDF with WeasyPrint; returns the number of pages."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the pango library is missing
        raise ProsperityError(f"cannot typeset the PDF: WeasyPrint is not usable here ({e}); install it with "
                              "`pip install weasyprint` and the pango library (Debian: libpango-1.0-0)") from None
    # PDF/UA-1: a tagged PDF (headings, paragraphs, tables, figures with their alternative text), with the
    # document's language and title, and an outline (bookmarks) from its headings
    options = {"pdf_variant": "pdf/ua-1"}
    with _stable_tag_ids():
        document = weasyprint.HTML(string=html, base_url=str(target.parent)).render(**options)
        document.metadata.title = title
        document.metadata.lang = "en-GB"
        try:
            document.write_pdf(target, **options)
        except (ValueError, AttributeError, KeyError) as e:  # WeasyPrint's own tagging failed on this layout
            target.unlink(missing_ok=True)
            raise ProsperityError(f"cannot typeset {target.name}: WeasyPrint {weasyprint.__version__} failed while "
                                  f"tagging the PDF ({e}); the HTML beside it is complete. Install Chromium "
                                  "(Debian: chromium), which prints the tagged PDF instead") from None  # fmt: skip
    return len(document.pages)


@contextlib.contextmanager
def _stable_tag_ids() -> Iterator[None]:
    """Make the identifiers of a tagged PDF's table headers the same on every run, so an edition regenerates byte
    for byte. WeasyPrint (``weasyprint.pdf.tags``) names each header cell by the memory address of its box
    (``id(box)``), which changes from run to run; here they are numbered in the order they are first named."""
    try:
        from weasyprint.pdf import tags
    except ImportError:  # a WeasyPrint without tagging: nothing to make stable
        yield
        return
    with _TAGS_LOCK:
        seen: dict[int, tuple[int, object]] = {}  # the object is kept so that its address is not reused meanwhile

        def number(obj: object) -> int:
            return seen.setdefault(id(obj), (len(seen) + 1, obj))[0]

        tags.id = number  # type: ignore[attr-defined]  # a module global shadows the builtin for that module only
        try:
            yield
        finally:
            del tags.id  # type: ignore[attr-defined]


_TAGS_LOCK = threading.Lock()  # one PDF at a time while WeasyPrint's tagging is made stable


def package_sections(wh: Warehouse, fw: Any, fw_path: Path, as_of: str | None, *,
                     programmes: Path | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The report sections other packages provide, each from its own section function and Jinja partial, for this
    framework's own files only: programmes (from the programme store named by ``programmes``), evaluation (stored
    results only: an evaluation takes minutes, so a report never computes one) and scenarios.

    Each is a dict: ``id``, ``title``, ``kind``, ``html`` (the package's own partial) and, for evaluation and
    scenarios, ``data`` (what the partial shows): the main body then gives a summary of each (the report's
    template) and the package's partial goes, as it is, into an appendix."""
    folder = fw_path if fw_path.is_dir() else fw_path.parent
    sections: list[dict[str, Any]] = []
    if programmes is not None:
        sections.append(programmes_section(wh, fw, programmes))
    evaluation = evaluation_section(wh, folder, as_of)
    if evaluation is not None:
        sections.append(evaluation)
    if (folder / "scenarios").is_dir():
        from prosperity.scenarios.report import render_section, report_section

        data = report_section(wh, as_of=as_of, folder=folder / "scenarios", framework=fw)
        if data["scenarios"]:
            sections.append({"id": "scenarios", "kind": "scenarios", "title": data["title"], "data": data,
                             "html": Markup(render_section(data))})  # fmt: skip
    return sections


def programmes_section(wh: Warehouse, fw: Any, store_path: Path) -> dict[str, Any]:
    """Programmes and the outcomes they claim, for the newest reporting round in the programme store
    (``prosperity.programmes.review.report_section`` and its partial)."""
    from jinja2 import Environment, StrictUndefined

    from prosperity.programmes.review import money, report_partial, report_section
    from prosperity.programmes.store import ProgrammeStore, rounds

    store = ProgrammeStore.open(store_path, create=False)
    try:
        with store.session() as s:
            held = rounds(s)
        if not held:
            html = Markup("<section id=\"programmes\"><h2>Programmes and the outcomes they claim</h2><p>No programme "
                          "has made a return for a reporting round yet, so this edition has nothing to say about "
                          "programmes.</p></section>")  # fmt: skip
        else:
            data = report_section(store, held[-1].id, wh=wh, fw=fw)
            env = Environment(autoescape=True, undefined=StrictUndefined)
            html = Markup(env.from_string(report_partial()).render(section=data, money=money))
    finally:
        store.close()
    return {"id": "programmes-section", "kind": "programmes", "title": "Programmes and the outcomes they claim",
            "html": html, "data": None}


def evaluation_section(wh: Warehouse, folder: Path, as_of: str | None) -> dict[str, Any] | None:
    """What the evaluations shipped with the framework found, from the results the build stored; where none is
    stored (or this version cannot read stored results) the section says so instead of computing one.
    None if the framework ships no evaluation."""
    from prosperity.evaluate import report as ev_report
    from prosperity.evaluate.spec import SpecError, load_spec, shipped_evaluations

    files = shipped_evaluations(folder)
    if not files:
        return None
    stored = getattr(ev_report, "report_section", None)
    render = getattr(ev_report, "render_report_section", None)
    if stored is not None and render is not None:
        data = stored(wh, folder, as_of)
        return {"id": "evaluation", "kind": "evaluation", "title": "Evaluation: what the interventions changed",
                "data": data, "html": render(data)}  # fmt: skip
    parts = []
    for f in files:
        try:
            spec = load_spec(f).spec
        except SpecError:
            continue  # a broken file: `prosperity evaluate check` names the line; the report shows the rest
        parts.append({"status": "not stored", "id": spec.id, "title": spec.title, "question": spec.question,
                      "message": "Not computed for this edition: an evaluation takes a minute or more, so it is "
                                 "computed once when the figures are updated and never while a report is written, "
                                 "and no stored result was available."})  # fmt: skip
    return {"id": "evaluation", "kind": "evaluation", "title": "Evaluation: what the interventions changed",
            "data": parts, "html": None}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _commentary_entry(notes: Commentary, root: Path) -> dict[str, Any]:
    path = notes.path
    shown: str | None = None
    if path is not None:
        try:
            shown = str(path.resolve().relative_to(root.resolve().parent))
        except ValueError:
            shown = str(path)
    return {"file": shown, "present": notes.sha256 is not None, "sha256": notes.sha256,
            "sections": sorted(notes.notes), "problems": notes.problems}  # fmt: skip
