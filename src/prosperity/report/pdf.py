"""The report's HTML printed as a tagged PDF: by Chromium where one is installed, else typeset by WeasyPrint.

Why Chromium first: measured on this project's machine (``benchmarks/report.py``, ``benchmarks/RESULTS.md``),
Chromium prints the State of the City Region report's HTML in about a fifth of the time WeasyPrint takes to
typeset it, which is what keeps the whole report within its time budget. Both give a tagged PDF: Chromium builds
the structure tree (headings, paragraphs, lists, tables with header cells and captions, figures with their
alternative text), the document's language and an outline of bookmarks from the headings
(``page.pdf(tagged=True, outline=True)`` through Playwright); :func:`finish` then adds what it leaves out for
PDF/UA-1 (the document title shown in the viewer's title bar, XMP metadata with the title and the PDF/UA
identification) and makes the file the same byte for byte whenever the same HTML is printed (no creation time,
an identifier computed from the content).

Chromium is found at ``PROSPERITY_CHROMIUM``, else as ``chromium`` (Debian), ``chromium-browser`` or
``google-chrome`` on the ``PATH``. Without one, or without Playwright, the report is typeset by WeasyPrint
(:func:`prosperity.report.typeset`), more slowly, and says so.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import threading
from pathlib import Path
from typing import Any

from prosperity.errors import ProsperityError

#: the browser's own features a report does not need; nothing is fetched (the HTML carries all it shows)
ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-extensions", "--font-render-hinting=none"]  # fmt: skip


def chromium() -> str | None:
    """The Chromium to print with, or None."""
    named = os.environ.get("PROSPERITY_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Printer:
    """A Chromium started in a thread of its own, so that it starts while the report is gathered; :meth:`print`
    hands it the HTML. Use it as a context manager: leaving it closes the browser, printed or not."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self._jobs: queue.Queue[tuple[str, Path] | None] = queue.Queue()
        self._done: queue.Queue[tuple[str, BaseException | None]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="chromium", daemon=True)
        self._thread.start()

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        args = [*ARGS, *(["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]  # as root
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=self.executable, args=args)
                try:
                    job = self._jobs.get()
                    if job is None:
                        return
                    html, raw = job
                    context = browser.new_context(java_script_enabled=False, offline=True)
                    page = context.new_page()
                    page.set_content(html, wait_until="load")
                    page.emulate_media(media="print")
                    page.pdf(path=str(raw), format="A4", prefer_css_page_size=True, print_background=True,
                             tagged=True, outline=True)  # fmt: skip
                    self._done.put((f"Chromium {browser.version}", None))
                finally:
                    browser.close()
        except BaseException as e:  # handed to the caller of print(), in its own thread
            self._done.put(("", e))

    def print(self, html: str, target: Path, *, title: str, lang: str = "en-GB") -> tuple[int, str]:
        """Print ``html`` to ``target``; the number of pages and the printer ("Chromium 156.0.8078.114")."""
        from playwright.sync_api import Error as PlaywrightError

        raw = target.with_name(target.name + ".part")
        self._jobs.put((html, raw))
        version, error = self._done.get()
        try:
            if isinstance(error, PlaywrightError):
                raise ProsperityError(f"cannot print the PDF with the Chromium at {self.executable}: "
                                      f"{str(error).splitlines()[0]}") from None  # fmt: skip
            if error is not None:
                raise error
            return finish(raw, target, html=html, title=title, lang=lang, producer=version), version
        finally:
            raw.unlink(missing_ok=True)

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()


def finish(raw: Path, target: Path, *, html: str, title: str, lang: str, producer: str) -> int:
    """What Chromium's tagged PDF lacks for PDF/UA-1, added; and the same bytes for the same HTML."""
    import pikepdf

    with pikepdf.open(raw) as pdf:
        root = pdf.Root
        root.Lang = pikepdf.String(lang)
        prefs = root.get("/ViewerPreferences") or pikepdf.Dictionary()
        prefs.DisplayDocTitle = True
        root.ViewerPreferences = prefs
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:title"] = title
            meta["pdf:Producer"] = producer
            meta["pdfuaid:part"] = "1"
        info = pdf.docinfo
        for key in ("/CreationDate", "/ModDate"):
            if key in info:
                del info[key]
        info.Title = pikepdf.String(title)
        info.Producer = pikepdf.String(producer)
        _outline_titles(pdf, html)
        _figures_with_alt(root.StructTreeRoot)
        _stable_ids(pdf)
        pdf.save(target, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return len(pdf.pages)


def _outline_titles(pdf: object, html: str) -> None:
    """Chromium names each bookmark by its heading's text with the spaces at line ends lost ("St Helens
    andSouthport"); each is given its heading's own words again."""
    import html as html_lib

    headings = [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", h)).split())
                for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, re.S)]  # fmt: skip
    by_letters: dict[str, str] = {}
    for h in headings:
        by_letters.setdefault(re.sub(r"\s+", "", h), h)
    with pdf.open_outline() as outline:  # type: ignore[attr-defined]
        stack = list(outline.root)
        while stack:
            item = stack.pop()
            found = by_letters.get(re.sub(r"\s+", "", str(item.title)))
            if found is not None:
                item.title = found
            stack.extend(item.children)


def _figures_with_alt(tree: object) -> None:
    """Chromium tags an HTML ``<figure>`` as a Figure without alternative text, around the image's own Figure that
    has it (the chart's title and description): the outer one is made a Div, so that every Figure has its text."""
    import pikepdf

    def alt_inside(node: object) -> bool:
        kids = node.get("/K") if isinstance(node, pikepdf.Dictionary) else None  # type: ignore[union-attr]
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []):
            if isinstance(kid, pikepdf.Dictionary) and (("/Alt" in kid and kid.get("/S") == "/Figure")
                                                        or alt_inside(kid)):  # fmt: skip
                return True
        return False

    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.get("/S") == "/Figure" and "/Alt" not in node and alt_inside(node):
            node.S = pikepdf.Name.Div
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(kids)
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)


def _stable_ids(pdf: Any) -> None:
    """Chromium names the structure elements that table cells refer to (each header cell's /ID, and each data
    cell's /Headers) by the browser's own node numbers, which differ from one run to the next: here they are
    numbered in the structure tree's reading order, and the tree's index of them is made again, so that the same
    HTML gives the same bytes (as WeasyPrint's tags are made stable in :func:`prosperity.report.typeset`)."""
    import pikepdf

    tree = pdf.Root.StructTreeRoot
    names: dict[bytes, str] = {}
    nodes: list[Any] = []
    stack = [tree]
    while stack:  # depth first, in reading order
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        nodes.append(node)
        if "/ID" in node:
            names.setdefault(bytes(node.ID), f"node{len(names) + 1:08d}")
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(reversed(list(kids)))
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)
    if not names:
        return
    index = pikepdf.NameTree.new(pdf)
    for node in nodes:
        if "/ID" in node:
            node.ID = pikepdf.String(names[bytes(node.ID)])
            index[str(node.ID)] = node
        attributes = node.get("/A")
        for a in attributes if isinstance(attributes, pikepdf.Array) else [attributes]:
            if isinstance(a, pikepdf.Dictionary) and "/Headers" in a:
                a.Headers = pikepdf.Array([pikepdf.String(names.get(bytes(h), str(h))) for h in a.Headers])
    tree.IDTree = index.obj
