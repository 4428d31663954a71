"""What every source declares: its datasets, where their files live, and how to read them.

A *dataset* is what a publisher releases together (an ELS indicator's CSV and its metadata JSON; the
three IoD 2019 files; the ITL GVA tables of one release). Each file knows its path inside a mirror
and its live location, so the same build reads a local mirror or fetches from the publisher.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from prosperity.warehouse.loading import LoadContext

Kind = Literal["reference", "observations"]


@dataclass(frozen=True)
class FileRef:
    """One file of a dataset: its path inside a mirror, its live URL, and its role."""

    path: str
    url: str
    role: Literal["data", "metadata"] = "data"


@dataclass(frozen=True)
class Dataset:
    """A unit of loading. ``load`` stages its content through a :class:`LoadContext`."""

    id: str
    source: str
    title: str
    publisher: str
    files: tuple[FileRef, ...]
    load: Callable[[LoadContext], None]
    kind: Kind = "observations"
    # Optional work that needs no database (parsing a workbook): run in a background thread while other
    # datasets load; ``load`` receives its result through ``ctx.prepared()``.
    prepare: Callable[[Dataset, dict[str, Path]], Any] | None = None
    release_date: date | None = None
    publisher_url: str | None = None
    order: int = 100  # reference datasets load first

    @property
    def data_files(self) -> tuple[FileRef, ...]:
        return tuple(f for f in self.files if f.role == "data")

    @property
    def main_file(self) -> FileRef:
        data = self.data_files
        return data[0] if data else self.files[0]


@dataclass
class Discovery:
    """What a source found: datasets to load, and files it knows of but does not load (with why)."""

    datasets: list[Dataset] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (dataset id, message)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dataset_digest(file_digests: list[tuple[str, str]]) -> str:
    """One digest for a dataset from its files' (path, sha256) pairs."""
    h = hashlib.sha256()
    for path, digest in sorted(file_digests):
        h.update(f"{path}\0{digest}\n".encode())
    return h.hexdigest()


def slugify(text: str) -> str:
    """A stable id from a publisher's name: lower case, ASCII letters and digits joined by hyphens.

    >>> slugify("Gross value added per hour worked")
    'gross-value-added-per-hour-worked'
    >>> slugify("Level 3 or above qualifications (Great Britain)")
    'level-3-or-above-qualifications-great-britain'
    """
    out = []
    prev_dash = True
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            prev_dash = False
        elif not prev_dash:
            out.append("-")
            prev_dash = True
    return "".join(out).strip("-")
