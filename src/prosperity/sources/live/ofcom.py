"""Ofcom Connected Nations: finding the newest local authority coverage file on Ofcom's own pages.

Ofcom has no API for Connected Nations. Each report (a yearly report and its spring and summer updates) has a
*data downloads* page linked from the Connected Nations hub page, and each data downloads page links the data as
files named ``YYYYMM_<kind>_<geography>_r<NN>`` (``.csv``, or ``.zip`` holding the ``.csv``): ``YYYYMM`` is the
month of the data. Protocol, as Ofcom's pages are written (HTML links, read with the standard library's HTML
parser):

1. ``GET <hub>``: every link whose path ends in ``connected-nations-<YYYY>`` followed by a data downloads page
   (``…/connected-nations-<YYYY>/data-downloads…``) is a report's downloads page;
2. ``GET`` each downloads page, newest report first, until one links a file whose name matches the anchored
   pattern *whole*; the newest ``YYYYMM`` (then the highest revision ``rNN``) is taken;
3. ``GET`` the file; a ``.zip`` is opened and its one member matching the pattern is written out.

No matching file, or a zip without exactly one matching member, is an error that names what was found.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import IO, Any
from urllib.parse import unquote, urljoin, urlsplit

from prosperity.sources.live.base import Session
from prosperity.sources.live.client import LiveFetchError, LiveSettings, PoliteClient

BASE = "https://www.ofcom.org.uk"
_REPORT = re.compile(r"connected-nations-(\d{4})(?:-[a-z0-9-]+)?/data-downloads[a-z0-9-]*/?$", re.IGNORECASE)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "a":
            self.hrefs.extend(v for k, v in attrs if k.lower() == "href" and v)


def links(html: str, page_url: str) -> list[str]:
    """Every link of an HTML page, as absolute URLs."""
    p = _Links()
    p.feed(html)
    return [urljoin(page_url, h.strip()) for h in p.hrefs]


def file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


@dataclass(frozen=True)
class OfcomDownloadFetcher:
    """The newest Connected Nations file whose name matches ``file_pattern`` (groups: YYYYMM, revision)."""

    hub_path: str
    file_pattern: str

    def _base(self, settings: LiveSettings) -> str:
        return settings.ofcom_base.rstrip("/")

    def plan(self, settings: LiveSettings) -> list[str]:
        b = self._base(settings)
        return [f"GET {b}{self.hub_path}   # links to connected-nations-<YYYY>/data-downloads pages, newest first",
                f"GET <that page>   # links to files named /^{self.file_pattern}\\.(csv|zip)$/, newest YYYYMM",
                "GET <that file>"]  # fmt: skip

    def _html(self, polite: PoliteClient, url: str) -> str:
        return polite.get(url).decode("utf-8", errors="replace")

    def choose(self, polite: PoliteClient, base: str) -> tuple[str, str]:
        """(downloads page, file URL) of the newest matching file."""
        hub = f"{base}{self.hub_path}"
        reports: dict[str, int] = {}
        for u in links(self._html(polite, hub), hub):
            if urlsplit(u).hostname == urlsplit(hub).hostname and (m := _REPORT.search(urlsplit(u).path)):
                reports[u.split("#", 1)[0]] = int(m.group(1))
        if not reports:
            raise LiveFetchError(hub, "the page links no Connected Nations data downloads page "
                                 "(…/connected-nations-YYYY/data-downloads)")  # fmt: skip
        pattern = re.compile(rf"{self.file_pattern}\.(csv|zip)", re.IGNORECASE)
        seen: list[str] = []
        for page in sorted(reports, key=lambda u: (reports[u], u), reverse=True):
            files = [(u, m) for u in links(self._html(polite, page), page) if (m := pattern.fullmatch(file_name(u)))]
            seen.extend(file_name(u) for u, _ in files)
            if files:
                u, _ = max(files, key=lambda f: (f[1].group(1), f[1].group(2), f[1].group(3) == "csv"))
                return page, u
        raise LiveFetchError(hub, f"no data downloads page links a file named like ^{self.file_pattern}\\.(csv|zip)$ "
                             f"({len(reports)} pages read; files seen: {', '.join(seen[:8]) or 'none'})")  # fmt: skip

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        polite = session.polite("ofcom")
        page, url = self.choose(polite, self._base(session.settings))
        name = file_name(url)
        if not name.lower().endswith(".zip"):
            polite.download(url, out)
            return {"resolved_url": url, "page": page, "file": name, "publisher": "Ofcom"}
        buf = io.BytesIO()
        polite.download(url, buf)
        try:
            with zipfile.ZipFile(buf) as z:
                member_pattern = re.compile(rf"(?:.*/)?{self.file_pattern}\.csv", re.IGNORECASE)
                members = [n for n in z.namelist() if member_pattern.fullmatch(n)]
                if len(members) != 1:
                    raise LiveFetchError(url, f"{len(members) or 'no'} members named like {self.file_pattern}.csv in "
                                         f"the zip (exactly one is needed): {', '.join(z.namelist()[:8])}")  # fmt: skip
                with z.open(members[0]) as fh:
                    while chunk := fh.read(1 << 20):
                        out.write(chunk)
        except zipfile.BadZipFile:
            raise LiveFetchError(url, "not a zip file") from None
        return {"resolved_url": url, "page": page, "file": members[0].rsplit("/", 1)[-1], "publisher": "Ofcom"}
