"""A file attached to a page of the ONS website that has no editions (a classification or methodology page).

Protocol (the ONS website's page JSON, the same service as :class:`~prosperity.sources.live.ons_api.
OnsDatasetPageFetcher`, whose reading and choosing this reuses; not documented by ONS): ``GET <page>/data`` gives
the page's files in ``downloads[].file``; a file is at ``/file?uri=<page path>/<file>``. The file is the one whose
whole name matches an anchored pattern; none, or more than one, is an error naming what the page lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prosperity.sources.live.client import LiveSettings, PoliteClient
from prosperity.sources.live.ons_api import OnsDatasetPageFetcher, _files


@dataclass(frozen=True)
class OnsPageFileFetcher(OnsDatasetPageFetcher):
    """The file of an ONS web page (``page``: its path or address) whose name matches ``file_pattern`` whole."""

    def plan(self, settings: LiveSettings) -> list[str]:
        return [f"GET {self.site}{self._path()}/data   # downloads[].file matching /^{self.file_pattern}$/",
                f"GET {self.site}/file?uri={self._path()}/<that file>"]  # fmt: skip

    def choose(self, polite: PoliteClient) -> tuple[str, str, dict[str, Any]]:
        """(page path, file name, the page's data): the page is its own and only edition."""
        doc = self._data(polite, self._path())
        return self._path(), self.one_file(_files(doc), f"{self.site}{self._path()}/data"), doc
