"""Fetching a dataset's files from their live locations into a local raw cache.

The cache mirrors the layout of a mirror directory, so that a fetched file is loaded exactly like a
mirrored one. A file is written to a temporary name and renamed into place only when complete, so an
interrupted fetch never leaves a half-written file behind.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from prosperity import __version__
from prosperity.errors import SourceError
from prosperity.sources.base import FileRef

USER_AGENT = f"prosperity/{__version__} (open-source outcomes monitor for city-region strategies)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRIES = 3


def default_cache() -> Path:
    env = os.environ.get("PROSPERITY_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "prosperity" / "raw"


def fetch_file(ref: FileRef, cache: Path, client: httpx.Client | None = None) -> Path:
    """Download ``ref.url`` to ``cache/ref.path`` and return the local path."""
    dest = cache / ref.path
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + f".part-{os.getpid()}")
    own = client is None
    client = client or httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT, follow_redirects=True)
    try:
        last: Exception | None = None
        for attempt in range(RETRIES):
            try:
                with client.stream("GET", ref.url, headers={"User-Agent": USER_AGENT}) as resp:
                    if resp.status_code == 404:
                        raise SourceError(f"{ref.url}: not found (404)")
                    if resp.status_code >= 500:
                        raise httpx.HTTPStatusError(f"server error {resp.status_code}", request=resp.request,
                                                    response=resp)  # fmt: skip
                    resp.raise_for_status()
                    with tmp.open("wb") as fh:
                        for chunk in resp.iter_bytes():
                            fh.write(chunk)
                    expected = resp.headers.get("content-length")
                    if expected and not resp.headers.get("content-encoding") and tmp.stat().st_size != int(expected):
                        raise SourceError(f"{ref.url}: body ended early ({tmp.stat().st_size} of {expected} bytes)")
                os.replace(tmp, dest)
                return dest
            except (httpx.TransportError, httpx.HTTPStatusError) as e:
                last = e
                time.sleep(min(2**attempt, 8))
        raise SourceError(f"{ref.url}: could not be fetched after {RETRIES} attempts ({last})")
    finally:
        if tmp.exists():
            tmp.unlink()
        if own:
            client.close()
