"""Which frameworks an area is reported against. The framework decides, not the code.

Each framework's ``framework.yaml`` says which areas it is for (``applies_to``): the areas it names (Liverpool
City Region's framework names the combined authority and its six councils), or ``default: true`` for every area
that no framework names (the shipped Explore Local Statistics framework). So a report or a home page for
Greater Manchester, or for any council, uses the frameworks that belong to it, never Liverpool's strategies.

>>> frameworks_for_area("E47000004")                  # doctest: +SKIP
[PosixPath('.../frameworks/liverpool-city-region')]
>>> frameworks_for_area("E47000001")                  # doctest: +SKIP
[PosixPath('.../frameworks/explore-local-statistics')]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from prosperity.framework.load import MANIFEST, shipped_framework_path
from prosperity.framework.located import load_located_all_problems
from prosperity.framework.model import AppliesTo, Manifest, Strategy

if TYPE_CHECKING:
    from prosperity.framework.load import Framework

log = logging.getLogger(__name__)

__all__ = ["applies_to", "framework_paths", "frameworks_for_area", "shipped_frameworks_root", "strategies_for_area"]


def shipped_frameworks_root() -> Path:
    """The folder that holds the shipped frameworks (``frameworks/`` of this checkout, or PROSPERITY_FRAMEWORKS)."""
    return shipped_framework_path().parent


def framework_paths(root: str | Path | None = None) -> list[Path]:
    """Every framework folder under ``root`` (each sub-folder with a ``framework.yaml``), by name."""
    base = Path(root) if root is not None else shipped_frameworks_root()
    if (base / MANIFEST).is_file():
        return [base]
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if (p / MANIFEST).is_file())


def applies_to(path: str | Path) -> AppliesTo | None:
    """What a framework's manifest says about the areas it is for (None: it says nothing, or cannot be read).

    A manifest that cannot be read is left out with a warning in the log; ``prosperity framework check`` names
    the line to fix.
    """
    manifest = Path(path) / MANIFEST
    try:
        stamp = manifest.stat().st_mtime_ns
    except OSError:
        return None
    return _applies_to(manifest, stamp)


@lru_cache(maxsize=32)
def _applies_to(manifest: Path, _stamp: int) -> AppliesTo | None:
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        log.warning("%s: cannot be read (%s); the framework applies to no area", manifest, e)
        return None
    data, problems = load_located_all_problems(text, str(manifest))
    if problems or not isinstance(data, dict):
        log.warning("%s: not a valid manifest; the framework applies to no area (see `prosperity framework "
                    "check`)", manifest)  # fmt: skip
        return None
    try:
        return Manifest.model_validate(data).applies_to
    except ValidationError:
        log.warning("%s: not a valid manifest; the framework applies to no area (see `prosperity framework "
                    "check`)", manifest)  # fmt: skip
        return None


def frameworks_for_area(area_code: str, root: str | Path | None = None) -> list[Path]:
    """The frameworks an area is reported against: those whose ``applies_to`` names it; if none does, those
    that apply by default. Empty if no framework applies (no default framework is installed)."""
    paths = framework_paths(root)
    rules = {p: applies_to(p) for p in paths}
    named = [p for p in paths if rules[p] is not None and area_code in rules[p].areas]
    return named or [p for p in paths if rules[p] is not None and rules[p].default]


def strategies_for_area(fw: Framework, area: str, parents: Iterable[str], area_name: str | None = None) -> list[Strategy]:
    """The strategies of ``fw`` that serve ``area``, newest first: those for the area itself or for an area it is
    part of (``parents``, e.g. its combined authority), and those of a generic framework that name no area, bound
    to ``area``. A member council's own plan is not its combined authority's, so it is not included for it."""
    within = {area, *parents}
    every = sorted(fw.strategies.values(), key=lambda s: (str(s.date), s.id), reverse=True)
    return [s.for_area(area, area_name) for s in every if s.area is None or s.area in within]
