"""The served site's state: a read-only warehouse connection, the framework, and caches of derived data.

A :class:`Site` is one opened warehouse file. Anything derived from it (assessments computed live for an area,
projected map shapes, exported CSVs) is cached for the Site's life, within a byte budget. Each request gets its
own DuckDB cursor: a connection is not safe to share between threads, its cursors are.

:class:`Sites` keeps the current Site for a path. ``prosperity build`` replaces the warehouse file atomically
(a complete new file renamed over the old), so a changed identity of the file (device, inode, size, modification
time; checked at most once a second) means a new warehouse: it is opened in the background and, once open,
serves every new request; requests already running finish on the old one, which is closed when the last of them
ends. A file that cannot be opened (half-written by hand, corrupt) is logged and the old warehouse goes on.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from prosperity.assess.engine import Assessor
from prosperity.assess.run import CITY_REGION
from prosperity.assess.spec import Spec, specs_from_framework
from prosperity.errors import NotFound, ProsperityError, WarehouseError
from prosperity.framework import Framework, load_framework, shipped_framework_path
from prosperity.warehouse import Warehouse
from prosperity.warehouse.schema import pending
from prosperity.web.download import Downloads
from prosperity.web.limits import Limits, expensive

log = logging.getLogger(__name__)
T = TypeVar("T")
CATALOG = "warehouse"
#: DuckDB's own memory for one served warehouse (its buffer pool otherwise grows to most of the machine's memory).
DUCKDB_MEMORY = os.environ.get("PROSPERITY_DUCKDB_MEMORY") or "512MB"


def weight(value: Any) -> int:
    """The bytes a cached value stands for: the length of its JSON (or its bytes), a stable proxy for its memory."""
    if isinstance(value, bytes | bytearray | str):
        return len(value)
    try:
        return len(json.dumps(value, default=repr, separators=(",", ":")))
    except (TypeError, ValueError, RecursionError):
        return 4096


class LRU:
    """A thread-safe least-recently-used cache bounded by entries and by the summed :func:`weight` of its values.

    :meth:`get_or` computes a missing value once: concurrent callers for the same key wait for the first.
    """

    def __init__(self, size: int, max_bytes: int | None = None, weigh: Callable[[Any], int] = weight):
        self.size, self.max_bytes, self.weigh = size, max_bytes, weigh
        self.bytes = 0
        self._d: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[Any, threading.Lock] = {}

    def __len__(self) -> int:
        return len(self._d)

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._d:
                self._d.move_to_end(key)
                return self._d[key][0]
        return None

    def put(self, key: Any, value: Any) -> None:
        w = self.weigh(value) if self.max_bytes is not None else 0
        if self.max_bytes is not None and w > self.max_bytes:
            return  # larger than the whole budget: not kept
        with self._lock:
            old = self._d.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._d[key] = (value, w)
            self.bytes += w
            while len(self._d) > self.size or (self.max_bytes is not None and self.bytes > self.max_bytes):
                _, (_, dropped) = self._d.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self.bytes = 0

    def get_or(self, key: Any, make: Callable[[], T]) -> T:
        hit = self.get(key)
        if hit is not None:
            return hit
        with self._lock:
            gate = self._inflight.setdefault(key, threading.Lock())
        try:
            with gate:
                hit = self.get(key)
                if hit is not None:
                    return hit
                value = make()
                self.put(key, value)
                return value
        finally:
            with self._lock:
                if self._inflight.get(key) is gate and not gate.locked():
                    del self._inflight[key]


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when a build replaces the file: device, inode, size and modification time (ns)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def open_read_only(path: Path) -> Warehouse:
    """The warehouse at ``path`` in a DuckDB instance of its own, read-only, with a memory limit.

    DuckDB keeps one database instance per file path in a process, so ``duckdb.connect(path)`` after a build
    replaced the file would hand back the old file. Attaching the file to a fresh in-memory instance always
    opens the file now at ``path``.
    """
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}; build one with `prosperity build --mirror DIR`")
    con = duckdb.connect(":memory:", config={"memory_limit": DUCKDB_MEMORY})
    try:
        literal = str(path).replace("'", "''")
        con.execute(f"ATTACH '{literal}' AS {CATALOG} (READ_ONLY)")
        con.execute(f"USE {CATALOG}")
    except duckdb.Error as e:
        con.close()
        raise WarehouseError(f"{path} cannot be opened as a warehouse: {str(e).splitlines()[0]}") from None
    try:
        if pending(con):
            con.close()
            raise WarehouseError(f"{path} was built by an older version; rebuild it with `prosperity build`")
    except duckdb.Error:
        con.close()
        raise WarehouseError(f"{path} is not a prosperity warehouse") from None
    return Warehouse(con, path)


class Site:
    """Everything the pages and the API read: one opened warehouse, the framework and their derived caches."""

    #: Byte budgets (JSON length of the cached values) of the derived caches.
    ASSESSED_BYTES = 48 * 1024 * 1024
    DERIVED_BYTES = 48 * 1024 * 1024

    def __init__(self, db_path: str | Path, framework_path: str | Path | None = None, *,
                 limits: Limits | None = None, generation: int = 1):  # fmt: skip
        self.db_path = Path(db_path)
        self.framework_path = Path(framework_path) if framework_path else shipped_framework_path()
        self.identity = file_identity(self.db_path)
        self._wh = open_read_only(self.db_path)
        try:
            self.fw: Framework = load_framework(self.framework_path)
            self.specs: dict[str, Spec] = {s.id: s for s in specs_from_framework(self.fw)}
            self.stored_areas = self._stored_areas()
            self._method_digest: str | None = None  # of the frameworks and code: which stored editions are ours
        except BaseException:
            self._wh.close()
            raise
        self.generation = generation
        self.modified = (self.identity[3] / 1e9) if self.identity else time.time()
        self.limits = limits or Limits()
        self.assessed = LRU(64, self.ASSESSED_BYTES)  # (area, as_of) → {indicator: assessment dict}
        self.derived = LRU(256, self.DERIVED_BYTES)  # anything else: maps, series for charts, groups
        self.downloads = Downloads()
        self._users = 0
        self._retired = self._closed = False
        self._lock = threading.Lock()
        self._engines: OrderedDict[str | None, Assessor] = OrderedDict()  # as_of moment → engine
        self._engine_lock = threading.RLock()
        self._latest: str | None = None
        self._frameworks: dict[Path, tuple[Framework, dict[str, Spec]]] = {
            self.framework_path.resolve(): (self.fw, self.specs)}
        self._area_framework: dict[str, Path] = {}
        self._fw_lock = threading.Lock()

    # ---- life -------------------------------------------------------------------------------------------------
    def acquire(self) -> Site:
        with self._lock:
            self._users += 1
        return self

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            done = self._retired and self._users <= 0
        if done:
            self.close()

    def retire(self) -> None:
        """No new requests will use this Site: close it once the running ones have finished."""
        with self._lock:
            self._retired = True
            done = self._users <= 0
        if done:
            self.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.downloads.close()
        with suppress(duckdb.Error):
            self._wh.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def retired(self) -> bool:
        return self._retired

    def warehouse(self) -> Warehouse:
        """A warehouse on a new cursor of the shared read-only connection, for one request's thread."""
        cur = self._wh.con.cursor()
        cur.execute(f"USE {CATALOG}")
        return Warehouse(cur, self.db_path)

    #: engines kept for past moments (``as_of``), besides the current warehouse's: each holds the series that
    #: differ from the current engine's (it shares the rest), up to about 330 MiB if every release differs
    PAST_ENGINES = 2

    @contextmanager
    def engine(self, wh: Warehouse, as_of: str | None = None) -> Iterator[Assessor]:
        """The Site's assessment engine for a moment (``as_of`` as :meth:`as_of` returns it, or None for now).

        What an engine reads (each indicator for every area, in one query) serves every later request on this
        warehouse, so a group or a date costs its reading once, not per request. One request uses an engine at a
        time, through its own cursor; the current engine and the last past moment's are kept.
        """
        if as_of is not None and as_of == self._latest_load(wh):
            as_of = None  # the warehouse as it stood at its last load is the current one: the same releases
        with self._engine_lock:
            a = self._engines.get(as_of)
            if a is None:
                # a past moment shares with the current engine every series whose releases are the same then
                base = None if as_of is None else self._engines.get(None)
                if as_of is not None and base is None:
                    base = self._engines[None] = Assessor(wh)
                a = self._engines[as_of] = Assessor(wh, as_of, base=base)
                past = [k for k in self._engines if k is not None]
                for k in past[: max(0, len(past) - self.PAST_ENGINES)]:
                    del self._engines[k]
            self._engines.move_to_end(as_of)
            a.wh = wh
            yield a

    def _latest_load(self, wh: Warehouse) -> str | None:
        """The moment of the last release loaded (what :meth:`as_of` returns for any date after it)."""
        if self._latest is None:
            row = wh.con.execute("SELECT max(loaded_at) FROM releases").fetchone()
            self._latest = row[0].isoformat() if row and row[0] is not None else ""
        return self._latest or None

    def warm(self) -> None:
        """Read what assessing any area, group or comparison needs (every framework series, every area's): run
        in the background when a server starts, so that the first visitor to ask does not wait for it."""
        try:
            wh = self.warehouse()
            with self.engine(wh) as a:
                members = a.members(CITY_REGION)
                # every framework an area may be reported against: the city region and a group of its councils
                # read every input of every indicator (each for every area, in one query)
                for _, specs in self.frameworks():
                    for spec in specs.values():
                        a.assess(spec, CITY_REGION)
                        if len(members) >= 2:
                            a.assess(spec, "warm", area_name="warm", members=members)
            _ = self.topology
        except (duckdb.Error, ProsperityError) as e:  # a closed or replaced warehouse, no city region: nothing to warm
            log.info("warming the assessment engine stopped: %s", e)
        # What was read stays for the server's life: moved out of the garbage collector's sight, so that a full
        # collection (a pause of about 0.3 s over some 1.4 million objects, at a moment no request chooses) scans
        # only what requests create. Objects no longer referenced are still freed (by their reference counts).
        gc.collect()
        gc.freeze()

    def expensive(self, what: str) -> None:
        """The current request is about to compute: admit it under the limits (or raise ``Busy``, a 429)."""
        expensive(self.limits, what)

    def as_of(self, wh: Warehouse, as_of: str | None) -> str | None:
        """``as_of`` (already checked) as the moment of the last release loaded by then.

        The warehouse as it stood at any moment is the releases loaded by then, so every ``as_of`` between two
        loads selects the same data: computing and caching by this key lets any number of dates share one result.
        """
        if as_of is None:
            return None
        from prosperity.warehouse.schema import end_of

        key = ("as_of", as_of)
        hit = self.derived.get(key)
        if hit is not None:
            return hit
        try:
            row = wh.con.execute("SELECT max(loaded_at) FROM releases WHERE loaded_at <= CAST(? AS TIMESTAMP)",
                                 [end_of(as_of)]).fetchone()  # fmt: skip
        except duckdb.Error:
            raise ProsperityError(f"as_of: {as_of[:40]!r} is not a moment the warehouse can be read at") from None
        moment = row[0].isoformat() if row and row[0] is not None else "0001-01-01T00:00:00"
        self.derived.put(key, moment)
        return moment

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

    def edition(self, wh: Warehouse, as_of: str) -> int | None:
        """The stored edition of the assessments that holds the warehouse's assessments at the moment ``as_of`` (as
        :meth:`as_of` returns it): one computed from the releases current then with this site's frameworks and
        code, or None (no build stored that moment, or the frameworks or the code have changed since)."""
        from prosperity.assess.run import current_release_ids, method_digest

        def find() -> int:
            if self._method_digest is None:
                self._method_digest = method_digest(self.framework_path)
            try:
                row = wh.con.execute("SELECT max(edition) FROM assessment_editions WHERE releases = ? AND digest = ?",
                                     [current_release_ids(wh.con, as_of), self._method_digest]).fetchone()  # fmt: skip
            except duckdb.CatalogException:  # a warehouse from before editions were kept
                return 0
            return int(row[0]) if row and row[0] is not None else 0

        return self.derived.get_or(("edition", as_of), find) or None

    def stored_then(self, wh: Warehouse, area: str, as_of: str | None) -> bool:
        """Are ``area``'s assessments stored for the moment ``as_of`` (now if None) with this site's frameworks?"""
        if as_of is None:
            return area in self.stored_areas
        edition = self.edition(wh, as_of)
        if edition is None:
            return False
        areas = self.derived.get_or(("edition areas", edition), lambda: frozenset(r[0] for r in wh.con.execute(
            """SELECT DISTINCT area FROM assessment_versions
               WHERE from_edition <= $e AND coalesce(to_edition > $e, true)""", {"e": edition}).fetchall()))  # fmt: skip
        return area in areas

    def _stored(self, wh: Warehouse, area: str, as_of: str | None) -> dict[str, dict[str, Any]] | None:
        """``area``'s assessments as stored for the moment ``as_of`` (now if None), if a build stored them with this
        site's frameworks and code, against the framework the area is reported against; else None."""
        if not self.stored_then(wh, area, as_of):
            return None
        if as_of is None:
            rows = wh.con.execute("SELECT indicator, assessment FROM assessments WHERE area = ?", [area]).fetchall()
        else:
            edition = self.edition(wh, as_of)
            rows = wh.con.execute("""SELECT indicator, assessment FROM assessment_versions
                                     WHERE area = $a AND from_edition <= $e AND coalesce(to_edition > $e, true)""",
                                  {"a": area, "e": edition}).fetchall()  # fmt: skip
        fw, specs = self.framework_for(area)
        if rows and (fw is self.fw or {ind for ind, _ in rows} == set(specs)):  # stored from the area's own framework
            return {ind: json.loads(text) for ind, text in rows}
        return None

    def assessments(self, wh: Warehouse, area: str, as_of: str | None = None) -> dict[str, dict[str, Any]]:
        """Every framework indicator's assessment for ``area``: stored by the build (now, or for a past moment a
        build stored), or computed now and cached."""

        def make() -> dict[str, dict[str, Any]]:
            stored = self._stored(wh, area, as_of)
            if stored is not None:
                return stored
            _, specs = self.framework_for(area)
            wh.area(area)
            self.expensive("assessments of an area")
            with self.engine(wh, as_of) as assessor:
                return {s.id: assessor.assess(s, area).as_dict() for s in specs.values()}

        return self.assessed.get_or((area, as_of), make)

    def assessment(self, wh: Warehouse, area: str, indicator: str, as_of: str | None = None) -> dict[str, Any] | None:
        cached = self.assessed.get((area, as_of))
        if cached is not None and indicator in cached:
            return cached[indicator]
        if self.framework_for(area)[0] is self.fw and self.stored_then(wh, area, as_of):
            found = self.assessments(wh, area, as_of).get(indicator)
            if found is not None:
                return found
        spec = self.spec(indicator, area)  # another framework's indicator: assessed now
        if spec is None:
            return None
        key = ("one", area, indicator, as_of)

        def make() -> dict[str, Any]:
            if as_of is not None:
                self.expensive("an assessment as of a date")
            with self.engine(wh, as_of) as assessor:
                return assessor.assess(spec, area).as_dict()

        return self.derived.get_or(key, make)


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
        return [(self.fw, self.specs), *(self._framework(p) for p in self._framework_paths())]

    def _framework_paths(self) -> list[Path]:
        """The frameworks beside the site's own (not the site's)."""
        from prosperity.framework import framework_paths

        return [p for p in framework_paths(self.framework_path.parent) if p.resolve() != self.framework_path.resolve()]

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


class Sites:
    """The current :class:`Site` of a warehouse path, reopened in the background when a build replaces the file."""

    def __init__(self, db_path: str | Path, framework_path: str | Path | None = None, *, limits: Limits | None = None,
                 check_every: float = 1.0, on_change: Callable[[Site], None] | None = None,
                 warm: bool = False):  # fmt: skip
        self.db_path, self.framework_path = Path(db_path), framework_path
        self.warm = warm  # read every framework series in the background whenever a warehouse is opened
        self.limits = limits or Limits()
        self.check_every = check_every
        self.on_change = on_change
        self._site = Site(self.db_path, framework_path, limits=self.limits)
        self._checked = time.monotonic()
        self._failed: tuple[Any, float] | None = None  # (identity that failed to open, when)
        self._lock = threading.Lock()  # one reload at a time
        self._swap = threading.Lock()  # taking the current Site and replacing it
        self._reloading = False

    @property
    def site(self) -> Site:
        return self._site

    def current(self) -> Site:
        """The Site new requests use (checking the file at most every ``check_every`` seconds)."""
        self._check()
        return self._site

    def enter(self) -> Site:
        """The current Site, acquired for one request: :meth:`Site.release` it when the response has been sent."""
        self._check()
        with self._swap:
            return self._site.acquire()

    def _check(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.check_every:
            return
        self._checked = now
        ident = file_identity(self.db_path)
        if ident is None or ident == self._site.identity or self._reloading:
            return
        if self._failed is not None and self._failed[0] == ident and now - self._failed[1] < 30:
            return
        self._reloading = True
        threading.Thread(target=self.reload, name="prosperity-reload", daemon=True).start()

    def reload(self) -> bool:
        """Open the file now at the path and make it current; the old Site closes after its last request."""
        try:
            with self._lock:
                old = self._site
                ident = file_identity(self.db_path)
                if ident is None or ident == old.identity:
                    return False
                try:
                    new = Site(self.db_path, self.framework_path, limits=self.limits, generation=old.generation + 1)
                except Exception as e:  # a file being written by hand, or not a warehouse: keep serving the old one
                    log.warning("the warehouse at %s changed but cannot be opened (%s); still serving the previous one",
                                self.db_path, e)  # fmt: skip
                    self._failed = (ident, time.monotonic())
                    return False
                with self._swap:
                    self._site = new
                self._failed = None
            log.info("serving the rebuilt warehouse at %s (generation %d)", self.db_path, new.generation)
            self.start_warming(new)
            if self.on_change is not None:
                self.on_change(new)
            old.retire()
            return True
        finally:
            self._reloading = False

    def close(self) -> None:
        """Close the current Site once its requests have finished (the app's lifespan ends)."""
        self._site.retire()

    def start_warming(self, site: Site | None = None) -> None:
        """Warm a Site's assessment engine on a background thread (if this Sites was made with ``warm``)."""
        if self.warm:
            threading.Thread(target=(site or self._site).warm, name="prosperity-warm", daemon=True).start()

    def ensure_open(self) -> None:
        """Open the warehouse again if a previous lifespan closed it (an app started, stopped and started again)."""
        with self._lock:
            if self._site.closed or self._site.retired:
                new = Site(self.db_path, self.framework_path, limits=self.limits, generation=self._site.generation + 1)
                with self._swap:
                    self._site = new
                if self.on_change is not None:
                    self.on_change(new)
