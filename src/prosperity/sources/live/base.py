"""Files that only a live service can produce, and how they reach the raw cache.

A live dataset declares its files as :class:`LiveFileRef`: a path in the raw cache (the same layout as a mirror,
so a cache can serve as a mirror) and a :class:`Fetcher` that knows the service's protocol (paging, discovery of
the newest release). :func:`fetch_live` runs the fetcher into a temporary file and renames it into place only
when every request has succeeded, so an interrupted or failed fetch leaves the cache (and so the warehouse) as it
was. Beside each fetched file a small ``<name>.source.json`` records where it came from (URLs without keys,
when, the publisher's release date); loaders copy it into the release's metadata.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import httpx

from prosperity.errors import SourceError
from prosperity.sources.base import FileRef
from prosperity.sources.live.client import (
    LiveSettings,
    PoliteClient,
    fetch_errors,
    new_client,
    write_atomically,
)

if TYPE_CHECKING:
    from prosperity.warehouse.loading import LoadContext

NEEDS_LIVE_FETCH = "unavailable (needs live fetch): {path} is fetched from {service}, not read from a mirror; run " \
    "`prosperity fetch {source}` or `prosperity build` without --mirror"  # fmt: skip


class Session:
    """What a fetcher works with: one polite client per service, sharing one connection pool."""

    def __init__(self, client: httpx.Client | None = None, settings: LiveSettings | None = None,
                 sleep: Callable[[float], None] | None = None):  # fmt: skip
        self.settings = settings or LiveSettings.from_env()
        self._client = client
        self._sleep = sleep
        self._polite: dict[str, PoliteClient] = {}
        self.requested: list[str] = []
        #: Every request of this fetch, on every service, ends by this moment (``fetch_deadline`` from now).
        self.deadline = time.monotonic() + self.settings.fetch_deadline

    def polite(self, service: str) -> PoliteClient:
        if service not in self._polite:
            if self._client is None:
                self._client = new_client()
                self._owns = True
            self._polite[service] = PoliteClient(service, self._client, self.settings, sleep=self._sleep,
                                                 deadline=self.deadline)  # fmt: skip
        return self._polite[service]

    def close(self) -> None:
        if getattr(self, "_owns", False) and self._client is not None:
            self._client.close()


class Fetcher(Protocol):
    """The protocol of one live file."""

    def plan(self, settings: LiveSettings) -> list[str]:
        """Every request a fetch makes, as lines for ``--dry-run`` (no request is sent)."""
        ...

    def fetch(self, session: Session, out: IO[bytes]) -> dict[str, Any]:
        """Write the whole file to ``out``; return its provenance (URLs without keys, release date …)."""
        ...


@dataclass(frozen=True)
class LiveFileRef(FileRef):
    """A file fetched by a :class:`Fetcher`; ``url`` is the address people can follow (never with a key)."""

    fetcher: Fetcher | None = field(default=None, compare=False, repr=False)


def provenance_path(path: Path) -> Path:
    return path.with_name(path.name + ".source.json")


def fetch_live(ref: LiveFileRef, cache: Path, client: httpx.Client | None = None,
               settings: LiveSettings | None = None, sleep: Callable[[float], None] | None = None) -> Path:  # fmt: skip
    """Fetch ``ref`` into ``cache/ref.path`` completely, or raise :class:`SourceError` and change nothing."""
    if ref.fetcher is None:
        raise SourceError(f"{ref.path}: no live fetcher declared")
    dest = cache / ref.path
    session = Session(client, settings, sleep)
    found: dict[str, Any] = {}
    try:
        with fetch_errors(ref.url, cache):
            write_atomically(dest, lambda fh: found.update(ref.fetcher.fetch(session, fh)))  # type: ignore[union-attr]
    finally:
        session.close()
    found.setdefault("url", ref.url)
    found["fetched_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    side = provenance_path(dest)
    tmp = side.with_name(side.name + f".part-{os.getpid()}")
    tmp.write_text(json.dumps(found, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, side)
    return dest


def plan_of(ref: FileRef, settings: LiveSettings | None = None) -> list[str]:
    """The requests fetching ``ref`` makes, for ``--dry-run``."""
    if isinstance(ref, LiveFileRef) and ref.fetcher is not None:
        return ref.fetcher.plan(settings or LiveSettings.from_env())
    return [f"GET {ref.url}"]


def read_provenance(ctx: LoadContext, ref: FileRef) -> dict[str, Any]:
    """Copy a fetched file's provenance into the release (its metadata and the publisher's release date)."""
    side = provenance_path(ctx.path(ref))
    if not side.is_file():
        return {}
    try:
        prov = json.loads(side.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    ctx.metadata["live"] = prov
    rd = prov.get("release_date")
    if isinstance(rd, str) and len(rd) >= 10:
        from datetime import date

        with contextlib.suppress(ValueError):
            ctx.release_date = date.fromisoformat(rd[:10])
    return prov


def missing_without_fetch(mirror: Path, refs: list[tuple[str, FileRef]], source: str,
                          service: str) -> tuple[list[str], list[tuple[str, str]]]:  # fmt: skip
    """With a mirror: which datasets' files are there (e.g. a raw cache used as a mirror), and which are reported
    as unavailable (needs live fetch). No request is ever made."""
    present: list[str] = []
    missing: list[tuple[str, str]] = []
    for ds_id, ref in refs:
        if (mirror / ref.path).is_file():
            present.append(ds_id)
        else:
            missing.append((ds_id, NEEDS_LIVE_FETCH.format(path=ref.path, service=service, source=source)))
    return present, missing
