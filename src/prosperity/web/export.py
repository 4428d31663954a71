"""The public dashboard and the read-only API written out as static files, for any static host or CDN.

ONS Explore Local Statistics and Open SDG publish their sites this way: the pages and data are files, so serving
millions of readers is a matter of copying a folder. Every file here is rendered by the application itself
(in process, through its ASGI interface), so the export can never say anything the live site does not.

How the live site's URLs become files (``static_path``):

- a page ``/a/b`` becomes ``a/b/index.html``; its query parameters, in alphabetical order, become further
  ``name/value`` folders: ``/indicators/gva?area=E08000012`` → ``indicators/gva/area/E08000012/index.html``;
- an API response ``/api/v1/a/b`` becomes ``api/v1/a/b.json`` (``.csv`` for ``format=csv``), with its query
  parameters as folders in the same way: ``/api/v1/assessments?area=E08000012`` →
  ``api/v1/assessments/area/E08000012.json``; ``/api/v1/`` → ``api/v1/index.json``; a path that already names a
  file (``/api/v1/openapi.json``, ``/api/v1/download/areas.csv``) keeps its name;
- a value is kept as it is when it is made of letters, digits and ``-_.,`` only; any other character becomes
  ``~XX`` (its UTF-8 bytes in hexadecimal).

JSON and CSV files are byte for byte what the live API answers for the same request (absolute URLs inside them
use ``base_url``, the address the live site is served at). Pages are the live pages with internal links made
relative to the file, so the folder works from any host, any sub-folder, or straight from disk. A static host
cannot answer a question it was not asked in advance, so the export leaves out forms (search, the area picker)
and answers only the requests it holds: links to pages outside the export's scope (areas or indicators not
chosen, past editions) are kept as text without a link. ``export.json`` at the root lists every file with the
URL it answers.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import posixpath
import re
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx

from prosperity.errors import ProsperityError

HOME = "/"
#: Parameters that name areas or indicators: a URL is exported only when every one it names is in scope.
AREA_PARAMS = ("area", "areas", "members", "parent")
INDICATOR_PARAMS = ("indicator", "indicators")
#: Parameters a static file cannot stand for (a free-text question, or the warehouse as it stood on a past date).
DYNAMIC_PARAMS = ("search", "as_of", "status", "strategy", "level", "name", "period")
FILE_SUFFIXES = (".json", ".csv", ".zip", ".css", ".svg", ".ico")
SAFE = re.compile(r"^[A-Za-z0-9_.,-]+$")
LINK = re.compile(r'(\s(?:href|src|action)=")([^"]*)(")')
FORM = re.compile(r"<form\b.*?</form>\s*", re.DOTALL)


class ExportError(ProsperityError):
    """The export cannot be written (a folder that is not empty, an unknown area code)."""


def _segment(value: str) -> str:
    """A query value or path segment as a file name: kept when plainly safe, else ``~XX`` escapes."""
    if value and SAFE.match(value) and value not in (".", ".."):
        return value
    return "".join(c if re.match(r"[A-Za-z0-9_-]", c) else "".join(f"~{b:02X}" for b in c.encode()) for c in value) or "~"


def static_path(url: str) -> str:
    """The file (relative to the export's root, POSIX separators) that answers the live site's ``url``."""
    parts = urlsplit(url)
    path = parts.path or "/"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    fmt = query.pop("format", None)
    segments = [_segment(s) for s in path.strip("/").split("/") if s]
    for k in sorted(query):
        segments += [_segment(k), _segment(query[k])]
    if path.startswith("/static/"):
        return "/".join(segments)
    if path.startswith("/api/"):
        if not query and fmt is None and path.endswith(FILE_SUFFIXES):
            return "/".join(segments)
        if path.endswith("/") and not query:
            segments.append("index")
        return "/".join(segments) + (".csv" if fmt == "csv" else ".json")
    return "/".join([*segments, "index.html"])


@dataclass
class Scope:
    """Which areas and indicators the export holds pages and responses for."""

    areas: set[str]
    indicators: set[str]
    downloads: bool = True

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        path = parts.path
        if path.startswith("/api/v1/download") and not self.downloads:
            return False
        query = parse_qsl(parts.query, keep_blank_values=True)
        names = {k for k, _ in query}
        if names & set(DYNAMIC_PARAMS):
            return False
        if "format" in names and dict(query)["format"] not in ("json", "csv"):
            return False
        for k, v in query:
            values = [x for x in v.split(",") if x]
            if k in AREA_PARAMS and not all(x in self.areas for x in values):
                return False
            if k in INDICATOR_PARAMS and not all(x in self.indicators for x in values):
                return False
        segs = [s for s in path.split("/") if s]
        if segs[:1] == ["api"]:
            segs = segs[2:]
        if len(segs) >= 2 and segs[0] == "areas" and segs[1] not in self.areas:
            return False
        return not (len(segs) >= 2 and segs[0] == "indicators" and segs[1] not in self.indicators)


@dataclass
class ExportSummary:
    folder: Path
    files: dict[str, str] = field(default_factory=dict)  # URL → file
    unlinked: dict[str, int] = field(default_factory=dict)  # URL outside the scope → links kept as text
    failed: dict[str, str] = field(default_factory=dict)  # URL → why the live site could not answer it
    #: URL → the live site's own refusal (4xx: a scenario whose inputs the warehouse lacks); links to it become text
    refused: dict[str, str] = field(default_factory=dict)
    bytes: int = 0

    @property
    def pages(self) -> int:
        return sum(1 for f in self.files.values() if f.endswith(".html"))


def _internal(url: str, base: str) -> str | None:
    """The path and query of a link to this site, or ``None`` for another site, a fragment or a mail link."""
    if url.startswith(base):
        url = url[len(base):] or "/"
    if not url.startswith("/") or url.startswith("//"):
        return None
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _links(text: str, base: str) -> Iterable[str]:
    for m in LINK.finditer(text):
        target = _internal(html.unescape(m.group(2)), base)
        if target is not None:
            yield target


def _relative(from_file: str, to_file: str) -> str:
    rel = posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")
    return quote(rel, safe="/~,-_.")


def export_site(db: str | Path, out: str | Path, *, framework: str | Path | None = None, areas: list[str] | None = None,
                all_areas: bool = False, indicators: list[str] | None = None, downloads: bool = True,
                base_url: str = "http://127.0.0.1:8000",
                progress: Callable[[str, int], None] | None = None) -> ExportSummary:  # fmt: skip
    """Write the dashboard and API for the chosen areas and indicators into the empty (or new) folder ``out``.

    ``areas`` defaults to the places the site's area index lists (the combined authorities and the home area's
    councils); ``all_areas`` adds every area with stored assessments. ``indicators`` defaults to every
    framework indicator.
    """
    final = Path(out)
    if final.exists() and (not final.is_dir() or any(final.iterdir())):
        raise ExportError(f"{final} is not an empty folder; choose a new or empty folder for the export")
    # Written beside the destination and moved into place only when complete: never half an export.
    out = final.with_name(f".{final.name}.partial-{os.getpid()}")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        out.mkdir()
    except OSError as e:
        raise ExportError(f"cannot write the export beside {final}: {e.strerror or e}") from None
    try:
        summary = _export(db, out, framework, areas, all_areas, indicators, downloads, base_url, progress)
        if final.exists():
            final.rmdir()
        out.rename(final)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    summary.folder = final
    return summary


def _export(db: str | Path, out: Path, framework: str | Path | None, areas: list[str] | None, all_areas: bool,
            indicators: list[str] | None, downloads: bool, base_url: str,
            progress: Callable[[str, int], None] | None) -> ExportSummary:  # fmt: skip
    from prosperity.web.app import create_app

    app = create_app(db, framework, cache=False)

    async def run() -> ExportSummary:
        async with app.fastapi.router.lifespan_context(app.fastapi):  # opens and, at the end, closes the warehouse
            return await _export_with(app, out, areas, all_areas, indicators, downloads, base_url.rstrip("/"), progress)

    # in a thread of its own, so that a caller already running an event loop (a notebook, a test's browser
    # session) does not stop the export
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


async def _export_with(app: Any, out: Path, areas: list[str] | None, all_areas: bool, indicators: list[str] | None,
                       downloads: bool, base: str,
                       progress: Callable[[str, int], None] | None) -> ExportSummary:  # fmt: skip
    """Ask the application itself (in process, through ASGI) for every page and response in scope."""
    site = app.state.site
    summary = ExportSummary(out)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=base) as client:
        index = await client.get("/areas")
        listed = [p.split("/")[2] for p in _links(index.text, base) if re.fullmatch(r"/areas/[^/?]+", p)]
        chosen = list(dict.fromkeys(areas or listed))
        if all_areas:
            chosen += sorted(site.stored_areas - set(chosen))
        wh = site.warehouse()
        try:
            for code in chosen:
                try:
                    wh.area(code)
                except ProsperityError as e:
                    raise ExportError(f"--areas: {e}") from None
        finally:
            wh.con.close()
        inds = list(indicators or site.fw.indicators)
        unknown = [i for i in inds if i not in site.fw.indicators]
        if unknown:
            raise ExportError(f"--indicators: unknown framework indicator(s) {', '.join(unknown[:5])}")
        scope = Scope(set(chosen), set(inds), downloads)
        seeds = ["/", "/indicators", "/areas", "/compare", "/methodology", "/api/v1/", "/api/v1/openapi.json",
                 "/api/v1/strategies", "/api/v1/outcomes", "/api/v1/indicators", "/api/v1/areas", "/api/v1/releases",
                 *(f"/api/v1/strategies/{s}" for s in site.fw.strategies),
                 *(f"/api/v1/outcomes/{o}" for o in site.fw.outcomes()),
                 *(f"/outcomes/{o}" for o in site.fw.outcomes())]  # fmt: skip
        for i in inds:
            seeds += [f"/indicators/{i}", f"/api/v1/indicators/{i}"]
            if i in site.specs:
                seeds.append(f"/api/v1/indicators/{i}/local-authorities")
        for code in chosen:
            seeds += [f"/areas/{code}", f"/api/v1/areas/{code}", "/api/v1/assessments?" + urlencode({"area": code})]
            seeds += [f"/indicators/{i}?" + urlencode({"area": code}) for i in inds if i in site.specs]
            seeds += [f"/api/v1/indicators/{i}?" + urlencode({"area": code}) for i in inds if i in site.specs]
        if downloads:
            seeds.append("/api/v1/download")
        await _crawl(client, base, seeds, scope, out, summary, progress)
    _rewrite_pages(out, base, summary)
    manifest = {"base_url": base, "areas": chosen, "indicators": inds, "downloads": downloads,
                "files": dict(sorted(summary.files.items())), "not_exported": sorted(summary.unlinked),
                "refused": summary.refused, "failed": summary.failed}  # fmt: skip
    (out / "export.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return summary


async def _crawl(client: httpx.AsyncClient, base: str, seeds: list[str], scope: Scope, out: Path, summary: ExportSummary,
           progress: Callable[[str, int], None] | None) -> None:  # fmt: skip
    queue = deque(dict.fromkeys(seeds))
    seen = set(queue)
    root = out.resolve()
    while queue:
        url = queue.popleft()
        if not scope.allows(url):
            summary.unlinked[url] = summary.unlinked.get(url, 0)
            continue
        r = await client.get(url)
        if 400 <= r.status_code < 500:  # the site's answer to that URL is a refusal: nothing to serve statically
            summary.refused[url] = f"{r.status_code}: {r.text[:200]}"
            continue
        if r.status_code != 200:
            summary.failed[url] = f"{r.status_code}: {r.text[:200]}"
            continue
        rel = static_path(url)
        target = (out / rel).resolve()
        if not target.is_relative_to(root) or rel in summary.files.values():
            summary.failed[url] = f"its file {rel} is outside the export or already taken"
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        body = r.content
        found: list[str] = []
        kind = r.headers.get("content-type", "")
        if kind.startswith("text/html"):
            text = FORM.sub("", r.text)
            found = list(_links(text, base))
            body = text.encode()
        elif kind.startswith("application/json"):
            data = r.json()
            if isinstance(data, dict) and isinstance(data.get("next"), str):
                found.append(data["next"])
            if url.startswith("/api/v1/download") and isinstance(data, dict):  # the data package's CSVs and zip
                found += [u for res in data.get("resources", []) if (u := _internal(str(res.get("path")), base))]
                if (z := _internal(str(data.get("zip")), base)) is not None:
                    found.append(z)
        target.write_bytes(body)
        summary.files[url] = rel
        summary.bytes += len(body)
        if progress:
            progress(url, len(summary.files))
        for link in found:
            link = link.split("#")[0]
            if link and link not in seen:
                seen.add(link)
                queue.append(link)


def _rewrite_pages(out: Path, base: str, summary: ExportSummary) -> None:
    """Make every internal link of every page relative to its file; links outside the export lose their href."""
    files = summary.files

    def rewrite(page: str, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            raw = html.unescape(m.group(2))
            fragment = ""
            if "#" in raw:
                raw, fragment = raw.split("#", 1)
                fragment = "#" + fragment
            if raw == "" and fragment:
                return m.group(0)
            target = _internal(raw, base)
            if target is None:
                return m.group(0)
            if target in files:
                return m.group(1) + html.escape(_relative(page, files[target]) + fragment) + m.group(3)
            summary.unlinked[target] = summary.unlinked.get(target, 0) + 1
            return ""  # the attribute goes: the link's text stays, as text

        return LINK.sub(one, text)

    for rel in files.values():
        if rel.endswith(".html"):
            path = out / rel
            path.write_text(rewrite(rel, path.read_text(encoding="utf-8")), encoding="utf-8")
    for url in [u for u, n in summary.unlinked.items() if n == 0]:
        del summary.unlinked[url]  # out of scope but never linked to from a page


__all__ = ["ExportError", "ExportSummary", "Scope", "export_site", "static_path"]
