"""Fetching a dataset's files from their live locations into a local raw cache.

The cache mirrors the layout of a mirror directory, so that a fetched file is loaded exactly like a
mirrored one. Every request goes through the polite client of :mod:`prosperity.sources.live.client`
(User-Agent, timeouts, retries with backoff, 429 Retry-After, a rate cap per service). A file is written to a
temporary name and renamed into place only when complete, so an interrupted fetch never leaves a half-written
file behind. Files that need a service's protocol (Nomis paging, GOV.UK release discovery) are
:class:`~prosperity.sources.live.base.LiveFileRef` and are fetched by their own fetcher.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from prosperity.sources.base import FileRef
from prosperity.sources.live.base import LiveFileRef, fetch_live
from prosperity.sources.live.client import (
    USER_AGENT,
    PoliteClient,
    fetch_errors,
    service_of,
    write_atomically,
)

__all__ = ["USER_AGENT", "default_cache", "fetch_file"]


def default_cache() -> Path:
    env = os.environ.get("PROSPERITY_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "prosperity" / "raw"


def fetch_file(ref: FileRef, cache: Path, client: httpx.Client | None = None) -> Path:
    """Download ``ref`` to ``cache/ref.path`` and return the local path; raise ``SourceError`` if it cannot be."""
    if isinstance(ref, LiveFileRef):
        return fetch_live(ref, cache, client)
    dest = cache / ref.path
    with fetch_errors(ref.url, cache), PoliteClient(service_of(ref.url), client) as polite:
        write_atomically(dest, lambda fh: polite.download(ref.url, fh))
    return dest
