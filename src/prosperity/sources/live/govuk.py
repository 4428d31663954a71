"""The GOV.UK content API: finding the newest attachment of a statistics release.

Protocol: ``GET https://www.gov.uk/api/content/<path>`` returns a content item as JSON. A collection
(``document_type`` ``document_collection``) lists its documents in ``links.documents[]`` (``base_path``,
``title``, ``public_updated_at``); a statistics release lists its files in ``details.attachments[]``
(``title``, ``url``, ``content_type``, ``filename``). The newest release is the collection's most recently
updated document whose title matches; its attachment is the one whose file name (``filename``, else the last part
of its ``url``) matches an anchored pattern *whole*, never the first loose match of a title. A fetcher may also name
a single statistics page (no collection) whose attachments are replaced in place at each release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin

from prosperity.sources.live.base import Session
from prosperity.sources.live.client import LiveFetchError, LiveSettings, PoliteClient

BASE = "https://www.gov.uk"


@dataclass(frozen=True)
class Attachment:
    title: str
    url: str
    content_type: str
    release_path: str
    release_title: str
    release_date: str | None


class GovUkContent:
    """Reads content items through a :class:`PoliteClient` for the ``govuk`` service."""

    def __init__(self, polite: PoliteClient, base: str = BASE):
        self.polite = polite
        self.base = base.rstrip("/")

    def content_url(self, path: str) -> str:
        return f"{self.base}/api/content/{path.strip('/')}"

    def item(self, path: str) -> dict[str, Any]:
        doc = self.polite.get_json(self.content_url(path))
        if not isinstance(doc, dict):
            raise LiveFetchError(self.content_url(path), "expected a JSON object (a content item)")
        return doc

    def newest_release(self, collection: str, title_pattern: str) -> dict[str, Any]:
        """The most recently updated document of a collection whose title matches ``title_pattern``."""
        url = self.content_url(collection)
        docs = (self.item(collection).get("links") or {}).get("documents") or []
        pattern = re.compile(title_pattern, re.IGNORECASE)
        matching = [d for d in docs if isinstance(d, dict) and d.get("base_path") and pattern.search(d.get("title", ""))]
        if not matching:
            raise LiveFetchError(url, f"no document of the collection has a title matching {title_pattern!r} "
                                 f"({len(docs)} documents in links.documents)")  # fmt: skip
        return max(matching, key=lambda d: d.get("public_updated_at") or d.get("first_published_at") or "")

    def newest_attachment(self, collection: str, release_pattern: str | None, attachment_pattern: str,
                          content_type: str = "csv") -> Attachment:  # fmt: skip
        """The attachment of the newest matching release (or of the page ``collection`` itself when
        ``release_pattern`` is None) whose file name matches ``attachment_pattern`` whole (case-insensitive).

        More than one match is an error naming them: a pattern must choose exactly one file."""
        if release_pattern is None:
            release: dict[str, Any] = {"base_path": "/" + collection.strip("/")}
        else:
            release = self.newest_release(collection, release_pattern)
        path = release["base_path"]
        item = self.item(path)
        attachments = (item.get("details") or {}).get("attachments") or []
        pattern = re.compile(attachment_pattern, re.IGNORECASE)
        found = []
        for a in attachments:
            if not isinstance(a, dict) or not a.get("url"):
                continue
            name = attachment_file_name(a)
            kind = f"{a.get('content_type', '')} {name}".lower()
            if content_type.lower() in kind and pattern.fullmatch(name):
                found.append(a)
        if len(found) != 1:
            names = "; ".join(attachment_file_name(a) for a in (found or attachments) if isinstance(a, dict))[:400]
            raise LiveFetchError(self.content_url(path), f"{len(found) or 'no'} {content_type} attachments whose "
                                 f"file name matches ^{attachment_pattern}$ (exactly one is needed); "
                                 f"{'matches' if found else 'attachments'}: {names or 'none'}")  # fmt: skip
        a = found[0]
        return Attachment(a.get("title", ""), urljoin(self.base + "/", a["url"]), a.get("content_type", ""), path,
                          item.get("title", release.get("title", "")),
                          item.get("first_published_at") or release.get("public_updated_at"))  # fmt: skip


def attachment_file_name(a: dict[str, Any]) -> str:
    """An attachment's file name: ``filename`` if given, else the last part of its ``url``."""
    return str(a.get("filename") or str(a.get("url", "")).rstrip("/").rsplit("/", 1)[-1])


@dataclass(frozen=True)
class GovUkAttachmentFetcher:
    """Fetches the newest matching attachment of a statistics collection (or of one statistics page)."""

    collection: str
    release_pattern: str | None
    attachment_pattern: str
    content_type: str = "csv"
    base: str = BASE

    def plan(self, settings: LiveSettings) -> list[str]:
        api = f"{self.base}/api/content"
        chosen = f"{self.content_type} whose file name matches /^{self.attachment_pattern}$/"
        if self.release_pattern is None:
            return [f"GET {api}/{self.collection}   # details.attachments: {chosen}", "GET <that attachment's url>"]
        return [
            f"GET {api}/{self.collection}   # links.documents: newest matching /{self.release_pattern}/",
            f"GET {api}<that document's base_path>   # details.attachments: {chosen}",
            "GET <that attachment's url>",
        ]

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        base = session.settings.govuk_base if self.base == BASE else self.base
        content = GovUkContent(session.polite("govuk"), base)
        att = content.newest_attachment(self.collection, self.release_pattern, self.attachment_pattern,
                                        self.content_type)  # fmt: skip
        session.polite("govuk").download(att.url, out)
        return {"resolved_url": att.url, "attachment": att.title, "release": att.release_title,
                "release_path": att.release_path, "release_date": att.release_date}  # fmt: skip


def govuk_sheet_ref(path: str, page: str, file_pattern: str, sheet: str, header: str, gzip: bool = False) -> Any:
    """A file whose live location is one sheet of a workbook attached to a GOV.UK statistics page, written in the
    shape of the mirror's CSV (see :class:`prosperity.sources.sheets.SheetAsCsvFetcher`)."""
    from prosperity.sources.live.base import LiveFileRef
    from prosperity.sources.sheets import SheetAsCsvFetcher

    inner = GovUkAttachmentFetcher(page, None, file_pattern, "xlsx")
    return LiveFileRef(path, f"{BASE}/{page}", fetcher=SheetAsCsvFetcher(inner, sheet, header, gzip))
