"""The State of the City Region report: HTML and PDF, edition by edition.

>>> from prosperity.warehouse import Warehouse
>>> from prosperity.report import write_report
>>> with Warehouse.open("prosperity.duckdb") as wh:                  # doctest: +SKIP
...     result = write_report(wh, "E47000004", Path("report"))
>>> result.pages                                                    # doctest: +SKIP
58

``DIR/index.html`` is self-contained (inline CSS and SVG charts); ``DIR/report.pdf`` is the same document
typeset by WeasyPrint, charts as vector graphics; ``DIR/edition.json`` records what the edition used (area,
strategy, as-of, the framework's digest, every release with its checksum), so that ``--as-of`` regenerates it
exactly after newer data arrive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
                 now: dt.datetime | None = None) -> ReportResult:  # fmt: skip
    """Write ``index.html``, ``report.pdf`` and ``edition.json`` for ``area`` into ``out``.

    :param strategy: only this strategy (default: the strategies of the area and of its combined authority)
    :param as_of: use only the releases loaded by this date or timestamp (regenerates an old edition)
    :param framework: the framework folder (default: the shipped one)
    :param commentary: the analyst's commentary file (default: ``<framework>/commentary/<area>.yaml``)
    :param pdf: also typeset the PDF (WeasyPrint)
    :param now: the time recorded as ``generated_at`` (default: now, UTC)
    """
    from prosperity.assess.run import framework_digest
    from prosperity.framework import load_framework, shipped_framework_path
    from prosperity.report.data import build_report, framework_root
    from prosperity.report.render import render_html
    from prosperity.warehouse.schema import end_of

    started = time.perf_counter()
    if as_of is not None:
        end_of(as_of)  # a clear error for a date that is not one
    fw_path = Path(framework) if framework else shipped_framework_path()
    fw = load_framework(fw_path)
    notes = load_commentary(commentary or default_path(fw_path, area), area)
    report = build_report(wh, fw, area, strategy=strategy, as_of=as_of, commentary=notes)
    messages = list(notes.problems)
    unused = notes.unused(report.section_ids)
    if unused:
        messages.append(f"{notes.path}: commentary for section(s) {', '.join(map(repr, unused))} not shown: this "
                        "report has no such section (sections are summary, members, peers, targets, gaps, "
                        "methodology, and the ids of the strategies and themes reported)")  # fmt: skip
    html = render_html(report)
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / "index.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path, pages = None, 0
    if pdf:
        pdf_path = out / "report.pdf"
        pages = typeset(html, pdf_path, title=f"{TITLE}: {report.area_name}")
    figures = sum(1 for i in report.items.values() if i.figure) + len(report.member_figures) + len(
        report.peer_figures) + len(report.target_figures)
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
        "regenerate": f"prosperity report --area {area}" + (f" --strategy {strategy}" if strategy else "")
        + f" --as-of {as_of or report.data_as_of}",
        "releases": [{k: r[k] for k in ("release_id", "dataset_id", "title", "publisher", "release_date", "loaded_at",
                                         "file_name", "sha256")} for r in report.releases],
        "files": {p.name: _sha256(p) for p in (html_path, pdf_path) if p is not None},
        "pages": pages or None,
        "messages": messages,
    }  # fmt: skip
    edition = out / "edition.json"
    edition.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ReportResult(out, html_path, pdf_path, edition, pages, figures, len(report.releases),
                        time.perf_counter() - started, messages)  # fmt: skip


def typeset(html: str, target: Path, *, title: str) -> int:
    """Typeset the HTML as a PDF with WeasyPrint; returns the number of pages."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the pango library is missing
        raise ProsperityError(f"cannot typeset the PDF: WeasyPrint is not usable here ({e}); install it with "
                              "`pip install weasyprint` and the pango library (Debian: libpango-1.0-0)") from None
    document = weasyprint.HTML(string=html, base_url=str(target.parent)).render()
    document.metadata.title = title
    document.write_pdf(target)
    return len(document.pages)


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
