"""A file attached to one GOV.UK page (a statistical data set page), found through the GOV.UK content API.

Protocol (GOV.UK content API, documented at https://content-api.publishing.service.gov.uk/): ``GET
https://www.gov.uk/api/content/<page path>`` returns the page's content item; ``details.attachments[]`` lists its
files with ``filename``, ``url``, ``content_type`` and ``title``. Publishers such as DfT and DEFRA replace a table's
file on the same page with each release, under a new asset address: the attachment is chosen by the whole of its
file name (an anchored pattern, never a loose match) and its content type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin

from prosperity.sources.live.base import Session
from prosperity.sources.live.client import LiveFetchError, LiveSettings
from prosperity.sources.live.govuk import BASE, GovUkContent


@dataclass(frozen=True)
class GovUkPageAttachmentFetcher:
    """The attachment of ``page`` whose file name matches ``filename_pattern`` in full (case-insensitive)."""

    page: str
    filename_pattern: str
    content_type: str = ""
    base: str = BASE

    def _path(self) -> str:
        return self.page.split("://", 1)[-1].split("/", 1)[1] if "://" in self.page else self.page.strip("/")

    def plan(self, settings: LiveSettings) -> list[str]:
        return [f"GET {self.base}/api/content/{self._path()}   # details.attachments: file name matching "
                f"^{self.filename_pattern}$", "GET <that attachment's url>"]  # fmt: skip

    def choose(self, content: GovUkContent) -> dict[str, Any]:
        item = content.item(self._path())
        attachments = [a for a in (item.get("details") or {}).get("attachments") or []
                       if isinstance(a, dict) and a.get("url")]  # fmt: skip
        pattern = re.compile(self.filename_pattern, re.IGNORECASE)
        found = [a for a in attachments
                 if pattern.fullmatch(str(a.get("filename") or a["url"].rsplit("/", 1)[-1]))
                 and self.content_type.lower() in str(a.get("content_type", "")).lower()]  # fmt: skip
        if len(found) != 1:
            names = ", ".join(str(a.get("filename") or a.get("title")) for a in attachments)[:400]
            raise LiveFetchError(content.content_url(self._path()),
                                 f"{len(found)} attachments named like ^{self.filename_pattern}$ (expected exactly "
                                 f"one); attachments: {names or 'none'}")  # fmt: skip
        return {**found[0], "page_title": item.get("title"), "page_updated": item.get("public_updated_at")}

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        content = GovUkContent(session.polite("govuk"), self.base)
        a = self.choose(content)
        url = urljoin(self.base + "/", a["url"])
        session.polite("govuk").download(url, out)
        return {"resolved_url": url, "attachment": a.get("title"), "filename": a.get("filename"),
                "release": a.get("page_title"), "release_date": a.get("page_updated")}  # fmt: skip
