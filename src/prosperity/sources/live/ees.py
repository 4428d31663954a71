"""DfE's Explore Education Statistics (EES) public API: finding the newest version of a publication's data set.

Protocol (the API's published OpenAPI description, version 1, at ``https://api.education.gov.uk/statistics``):

- ``GET /v1/publications?search=…&page=N&pageSize=40`` lists publications: ``results[]`` with ``id``, ``title``,
  ``slug``, ``lastPublished``; ``paging`` with ``page`` and ``totalPages``;
- ``GET /v1/publications/{publicationId}/data-sets?page=N&pageSize=40`` lists the publication's data sets:
  ``results[]`` with ``id``, ``title``, ``status`` (``Published``, ``Deprecated``, ``Withdrawn``) and
  ``latestVersion`` (``version``, ``published``, ``timePeriods``), ``supersedingDataSetId``;
- ``GET /v1/data-sets/{dataSetId}/csv`` is the newest version of the data set as CSV, its metadata in the
  human-readable labels of the publisher's own file.

The publication is the one whose ``slug`` is exactly the publication's address on the EES website; the data set
is the one published data set whose title matches an anchored pattern *whole*. A new release of the publication
is a new version of the same data set, found with no code change. No data set, or more than one, is an error that
names the titles found, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote

from prosperity.sources.live.base import Session
from prosperity.sources.live.client import LiveFetchError, LiveSettings, PoliteClient

BASE = "https://api.education.gov.uk/statistics"
PAGE_SIZE = 40
MAX_PAGES = 25


def _pages(polite: PoliteClient, url: str, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every ``results[]`` item of a paged EES listing."""
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        doc = polite.get_json(url, {**params, "page": str(page), "pageSize": str(PAGE_SIZE)})
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
            raise LiveFetchError(url, "expected a JSON object with a 'results' list (an EES paged listing)")
        out.extend(r for r in doc["results"] if isinstance(r, dict))
        paging = doc.get("paging") if isinstance(doc.get("paging"), dict) else {}
        total = paging.get("totalPages") if isinstance(paging.get("totalPages"), int) else 1
        if page >= total or page >= MAX_PAGES:
            return out
        page += 1


@dataclass(frozen=True)
class EesDataSetFetcher:
    """The newest version of one data set of an EES publication, as CSV."""

    publication_slug: str
    data_set_pattern: str
    search: str = ""

    def _base(self, settings: LiveSettings) -> str:
        return settings.ees_api_base.rstrip("/")

    def plan(self, settings: LiveSettings) -> list[str]:
        b = self._base(settings)
        terms = self.search or self.publication_slug.replace("-", " ")
        return [f"GET {b}/v1/publications?search={quote(terms)}   # results[]: the one with slug "
                f"{self.publication_slug!r}",
                f"GET {b}/v1/publications/<its id>/data-sets   # results[]: the published data set titled "
                f"/^{self.data_set_pattern}$/",
                f"GET {b}/v1/data-sets/<that id>/csv"]  # fmt: skip

    def choose(self, polite: PoliteClient, base: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(publication, data set) as the API lists them."""
        url = f"{base}/v1/publications"
        terms = self.search or self.publication_slug.replace("-", " ")
        pubs = _pages(polite, url, {"search": terms})
        pub = [p for p in pubs if p.get("slug") == self.publication_slug and p.get("id")]
        if len(pub) != 1:
            seen = ", ".join(str(p.get("slug")) for p in pubs[:12]) or "none"
            raise LiveFetchError(url, f"no publication with slug {self.publication_slug!r} among the "
                                 f"{len(pubs)} found for {terms!r} (slugs: {seen})")  # fmt: skip
        url = f"{base}/v1/publications/{quote(str(pub[0]['id']), safe='')}/data-sets"
        sets = _pages(polite, url, {})
        pattern = re.compile(self.data_set_pattern, re.IGNORECASE)
        found = [d for d in sets if d.get("id") and str(d.get("status", "")).lower() == "published"
                 and pattern.fullmatch(str(d.get("title", "")).strip())]  # fmt: skip
        if len(found) != 1:
            titles = "; ".join(f"{d.get('title')} ({d.get('status')})" for d in (found or sets))[:600] or "none"
            raise LiveFetchError(url, f"{len(found) or 'no'} published data sets whose title matches "
                                 f"^{self.data_set_pattern}$ (exactly one is needed); "
                                 f"{'matches' if found else 'data sets'}: {titles}")  # fmt: skip
        return pub[0], found[0]

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        polite = session.polite("ees")
        base = self._base(session.settings)
        pub, ds = self.choose(polite, base)
        url = f"{base}/v1/data-sets/{quote(str(ds['id']), safe='')}/csv"
        polite.download(url, out)
        latest = ds.get("latestVersion") if isinstance(ds.get("latestVersion"), dict) else {}
        return {"resolved_url": url, "publisher": "Department for Education", "publication": pub.get("title"),
                "publication_slug": pub.get("slug"), "data_set": ds.get("title"), "data_set_id": ds.get("id"),
                "version": latest.get("version"), "release_date": latest.get("published")}  # fmt: skip
