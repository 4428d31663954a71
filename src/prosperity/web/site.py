"""The served site's state: one read-only warehouse connection, the framework, and caches of derived data.

The warehouse is opened read-only and does not change while the site runs, so anything derived from it
(assessments computed live for an area, projected map shapes, rendered responses) can be cached for the
life of the process. Each request gets its own DuckDB cursor: a connection is not safe to share between
threads, its cursors are.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from prosperity.assess.engine import Assessor
from prosperity.assess.spec import Spec, specs_from_framework
from prosperity.errors import NotFound
from prosperity.framework import Framework, load_framework, shipped_framework_path
from prosperity.warehouse import Warehouse

log = logging.getLogger(__name__)
T = TypeVar("T")


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._d[key] = value
            self._d.move_to_end(key)
            while len(self._d) > self.size:
                self._d.popitem(last=False)

    def get_or(self, key: Any, make: Callable[[], T]) -> T:
        hit = self.get(key)
        if hit is not None:
            return hit
        value = make()
        self.put(key, value)
        return value


class Site:
    """Everything the pages and the API read: the warehouse, the framework and their derived caches."""

    def __init__(self, db_path: str | Path, framework_path: str | Path | None = None):
        self.db_path = Path(db_path)
        self.framework_path = Path(framework_path) if framework_path else shipped_framework_path()
        self._wh = Warehouse.open(self.db_path, read_only=True)
        self.fw: Framework = load_framework(self.framework_path)
        self.specs: dict[str, Spec] = {s.id: s for s in specs_from_framework(self.fw)}
        self.assessed = LRU(64)  # (area, as_of) → {indicator: assessment dict}
        self.derived = LRU(256)  # anything else: maps, series for charts
        self.stored_areas = self._stored_areas()
        self._frameworks: dict[Path, tuple[Framework, dict[str, Spec]]] = {
            self.framework_path.resolve(): (self.fw, self.specs)}
        self._area_framework: dict[str, Path] = {}
        self._fw_lock = threading.Lock()

    def close(self) -> None:
        self._wh.close()

    def warehouse(self) -> Warehouse:
        """A warehouse on a new cursor of the shared read-only connection, for one request's thread."""
        return Warehouse(self._wh.con.cursor(), self.db_path)

    def _stored_areas(self) -> set[str]:
        """Areas whose stored assessments were computed from this framework and these releases."""
        from prosperity.assess.run import assessment_digest

        wh = self._wh
        try:
            row = wh.con.execute("SELECT value FROM meta WHERE key = 'assessments_digest'").fetchone()
            if not row or row[0] != assessment_digest(wh.con, self.framework_path):
                log.info("stored assessments are for another framework or release set: computing live")
                return set()
            return {r[0] for r in wh.con.execute("SELECT DISTINCT area FROM assessments").fetchall()}
        except duckdb.CatalogException as e:  # an older warehouse without the table: compute everything live
            log.info("no stored assessments (%s): computing live", e)
            return set()

    @cached_property
    def topology(self) -> dict[str, Any] | None:
        try:
            return json.loads(self._wh.document("boundaries"))
        except NotFound:
            return None

    def assessments(self, wh: Warehouse, area: str, as_of: str | None = None) -> dict[str, dict[str, Any]]:
        """Every framework indicator's assessment for ``area``: stored by the build, or computed now and cached."""

        def make() -> dict[str, dict[str, Any]]:
            fw, specs = self.framework_for(area)
            if as_of is None and area in self.stored_areas:
                rows = wh.con.execute("SELECT indicator, assessment FROM assessments WHERE area = ?", [area]).fetchall()
                if fw is self.fw or {ind for ind, _ in rows} == set(specs):  # stored from the area's own framework
                    return {ind: json.loads(text) for ind, text in rows}
            wh.area(area)
            assessor = Assessor(wh, as_of)
            return {s.id: assessor.assess(s, area).as_dict() for s in specs.values()}

        return self.assessed.get_or((area, as_of), make)

    def assessment(self, wh: Warehouse, area: str, indicator: str, as_of: str | None = None) -> dict[str, Any] | None:
        cached = self.assessed.get((area, as_of))
        if cached is not None and indicator in cached:
            return cached[indicator]
        if as_of is None and area in self.stored_areas and self.framework_for(area)[0] is self.fw:
            found = self.assessments(wh, area).get(indicator)
            if found is not None:
                return found
        spec = self.spec(indicator, area)  # another framework's indicator: assessed now
        if spec is None:
            return None
        key = ("one", area, indicator, as_of)
        return self.derived.get_or(key, lambda: Assessor(wh, as_of).assess(spec, area).as_dict())

    # ---- the frameworks of every area ---------------------------------------------------------------------------
    def framework_for(self, area: str) -> tuple[Framework, dict[str, Spec]]:
        """The framework ``area`` is reported against and its specs: the framework whose ``applies_to`` names the
        area, else the default one beside the site's framework, else the site's own."""
        from prosperity.framework import frameworks_for_area

        path = self._area_framework.get(area)
        if path is None:
            found = frameworks_for_area(area, self.framework_path.parent)
            path = found[0] if found else self.framework_path
            self._area_framework[area] = path
        return self._framework(path)

    def frameworks(self) -> list[tuple[Framework, dict[str, Spec]]]:
        """The site's own framework first, then every other framework beside it."""
        from prosperity.framework import framework_paths

        others = [p for p in framework_paths(self.framework_path.parent) if p.resolve() != self.framework_path.resolve()]
        return [(self.fw, self.specs), *(self._framework(p) for p in others)]

    def _framework(self, path: Path) -> tuple[Framework, dict[str, Spec]]:
        key = path.resolve()
        with self._fw_lock:
            if key not in self._frameworks:
                fw = load_framework(path)
                self._frameworks[key] = (fw, {s.id: s for s in specs_from_framework(fw)})
            return self._frameworks[key]

    def spec(self, indicator: str, area: str | None = None) -> Spec | None:
        """An indicator's spec: from the area's framework first, else from any framework that has it."""
        if area is not None:
            found = self.framework_for(area)[1].get(indicator)
            if found is not None:
                return found
        return next((specs[indicator] for _, specs in self.frameworks() if indicator in specs), None)

    def indicator_def(self, indicator: str, area: str | None = None) -> tuple[Framework, Any] | None:
        """An indicator's definition and its framework: the area's framework first, else any that has it."""
        if area is not None:
            fw = self.framework_for(area)[0]
            if indicator in fw.indicators:
                return fw, fw.indicators[indicator]
        return next(((fw, fw.indicators[indicator]) for fw, _ in self.frameworks() if indicator in fw.indicators), None)
