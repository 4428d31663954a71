"""A file attached to a page of the ONS website that has no editions (a classification or methodology page).

Protocol (the ONS website's page JSON, the same service as :class:`~prosperity.sources.live.ons_api.
OnsDatasetPageFetcher`; not documented by ONS): ``GET <page>/data`` gives the page's files in ``downloads[].file``;
a file is at ``/file?uri=<page path>/<file>``. The file is the one whose whole name matches an anchored pattern;
none, or more than one, is an error naming what the page lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any

from prosperity.sources.live.base import Session
from prosperity.sources.live.client import LiveFetchError, LiveSettings
from prosperity.sources.live.ons_api import ONS_SITE, PUBLISHER


@dataclass(frozen=True)
class OnsPageFileFetcher:
    """The file of an ONS web page (``page``: its path or address) whose name matches ``file_pattern`` whole."""

    page: str
    file_pattern: str
    site: str = ONS_SITE

    def _path(self) -> str:
        return "/" + self.page.split("://", 1)[-1].split("/", 1)[1] if "://" in self.page else self.page

    def plan(self, settings: LiveSettings) -> list[str]:
        return [f"GET {self.site}{self._path()}/data   # downloads[].file matching /^{self.file_pattern}$/",
                f"GET {self.site}/file?uri={self._path()}/<that file>"]  # fmt: skip

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        polite = session.polite("ons_download")
        site = polite.settings.ons_site_base if self.site == ONS_SITE else self.site
        url = f"{site}{self._path()}/data"
        doc = polite.get_json(url)
        if not isinstance(doc, dict):
            raise LiveFetchError(url, "expected a JSON object (the page's data)")
        files = [str(d["file"]) for d in doc.get("downloads") or [] if isinstance(d, dict) and d.get("file")]
        pattern = re.compile(self.file_pattern, re.IGNORECASE)
        match = [f for f in files if pattern.fullmatch(f)]
        if len(match) != 1:
            raise LiveFetchError(url, f"{len(match) or 'no'} files of the page match ^{self.file_pattern}$ (exactly "
                                 f"one is needed); downloads[].file: {', '.join(files[:12]) or 'none'}")  # fmt: skip
        polite.download(f"{site}/file", out, {"uri": f"{self._path()}/{match[0]}"})
        desc = doc.get("description") or {}
        return {"resolved_url": f"{site}/file?uri={self._path()}/{match[0]}", "file": match[0],
                "publisher": PUBLISHER,
                "release_date": desc.get("releaseDate") if isinstance(desc, dict) else None}  # fmt: skip
