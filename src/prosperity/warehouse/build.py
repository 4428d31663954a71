"""Building the warehouse: discover, fetch or read, validate and load every dataset as a release.

Safety: a build never writes to the warehouse in place. It copies the warehouse to a temporary file beside it,
loads into the copy (each dataset in its own transaction), and renames the copy over the original only when
everything has been written. A build killed half way therefore leaves the previous warehouse complete and usable.
Only one build runs at a time (a lock file beside the warehouse).

Speed: each dataset's files are hashed first; when every dataset is unchanged since its last release (or was
rejected before with the same content), the build opens the warehouse read-only and writes nothing.

A dataset is unchanged only if its files *and the code that reads them* are: each load records a digest of its
source's reading code (:func:`reader_digest`), so a fix to a reader reads that source's files again at the next
build instead of keeping the figures the old code made.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import duckdb
import httpx

from prosperity.errors import ProsperityError, SourceError, ValidationError, WarehouseError
from prosperity.files import check_free_space, check_writable_dir, disk_full, why
from prosperity.sources import Dataset, discover_all
from prosperity.sources.base import dataset_digest, sha256_file
from prosperity.sources.fetch import default_cache, fetch_file
from prosperity.sources.geography import supplementary_areas
from prosperity.warehouse import evaluating, integrity
from prosperity.warehouse.loading import LoadContext
from prosperity.warehouse.revisions import ShrunkRelease, check_shrink, reverted_note, shrink_threshold
from prosperity.warehouse.schema import migrate, pending

log = logging.getLogger(__name__)

Status = Literal["loaded", "unchanged", "rejected", "held back", "missing", "vanished", "unavailable"]
STATUSES: tuple[Status, ...] = ("loaded", "unchanged", "rejected", "held back", "missing", "vanished", "unavailable")


@dataclass
class DatasetResult:
    dataset_id: str
    status: Status
    message: str = ""
    release_id: int | None = None
    rows: int = 0
    set_aside: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what a load noticed but did not reject (unmatched names …)


@dataclass(frozen=True)
class BuildOptions:
    """How careful a build is: which shrunken datasets are accepted, and whether recorded rejections are retried."""

    accept_shrink: frozenset[str] = frozenset()
    shrink_threshold: float | None = None  # None: PROSPERITY_SHRINK_THRESHOLD, else the default (0.75)
    retry_rejected: bool = False


@dataclass
class BuildSummary:
    db: Path
    results: list[DatasetResult]
    ignored: list[tuple[str, str]]
    seconds: float = 0.0
    wrote: bool = False
    assessments: int | None = None
    assess_error: str = ""
    framework_errors: int = 0  # problems in the framework that was assessed (what loaded was still assessed)
    evaluations: list[Any] = field(default_factory=list)  # prosperity.evaluate.store.StoreOutcome, one per file

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def rejected(self) -> list[DatasetResult]:
        return [r for r in self.results if r.status == "rejected"]

    @property
    def held_back(self) -> list[DatasetResult]:
        return [r for r in self.results if r.status == "held back"]


Progress = Callable[[str, int, int, str], None]


@dataclass
class _Prepared:
    dataset: Dataset
    local: dict[str, Path]
    files: list[dict[str, object]]
    digest: str
    same_as: int | None = None  # an earlier (not current) release of exactly these files: a revert
    reader: str = ""  # digest of the code that reads the files (reader_digest)
    reread: str = ""  # the files are the current release's, read again: why (the code that reads them changed)


def _prepare(ds: Dataset, mirror: Path | None, cache: Path | None,
             client: httpx.Client | None = None) -> _Prepared | DatasetResult:  # fmt: skip
    local: dict[str, Path] = {}
    for ref in ds.files:
        if mirror is not None:
            p = mirror / ref.path
            if not p.is_file():
                return DatasetResult(ds.id, "missing", f"{ref.path} is not in the mirror")
            local[ref.path] = p
        else:
            try:
                local[ref.path] = fetch_file(ref, cache or default_cache(), client)
            except SourceError as e:
                return DatasetResult(ds.id, "unavailable", str(e))
            except Exception as e:  # one dataset's fetch never stops the others
                log.exception("unexpected error fetching %s", ref.url)
                return DatasetResult(ds.id, "unavailable", f"{ref.url}: could not be fetched ({type(e).__name__}: "
                                     f"{e}); nothing was cached, and the next build tries again")  # fmt: skip
    files = []
    for ref in ds.files:
        p = local[ref.path]
        files.append({"path": ref.path, "url": ref.url, "role": ref.role, "sha256": sha256_file(p),
                      "bytes": p.stat().st_size})  # fmt: skip
    digest = dataset_digest([(str(f["path"]), str(f["sha256"])) for f in files])
    return _Prepared(ds, local, files, digest, reader=reader_digest(ds))


READER_KEY = "reader:"  # meta key prefix: READER_KEY + dataset id -> reader_digest of its current release's load


def reader_digest(ds: Dataset) -> str:
    """SHA-256 of the code that reads a dataset's files: the source of the modules of its ``load`` and ``prepare``
    functions and of every ``prosperity`` module those modules use by name (the shared workbook and CSV readers,
    the loading and validation in :mod:`prosperity.warehouse.loading`). Like the assessments' ``code_digest``: a
    change in that code, not only in the files, means the files are read again."""
    names: set[str] = set()
    for fn in (ds.load, ds.prepare):
        fn = getattr(fn, "func", fn)  # functools.partial
        if fn is not None and isinstance(getattr(fn, "__module__", None), str):
            names.add(fn.__module__)
    return _modules_digest(tuple(sorted(names)))


@cache
def _modules_digest(names: tuple[str, ...]) -> str:
    used = set(names)
    for name in names:
        module = sys.modules.get(name)
        for value in vars(module).values() if module is not None else ():
            dep = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
            if isinstance(dep, str) and dep.split(".")[0] == "prosperity":
                used.add(dep)
    h = hashlib.sha256()
    for name in sorted(used):
        file = getattr(sys.modules.get(name), "__file__", None)
        h.update(name.encode() + b"\0" + (Path(file).read_bytes() if file and file.endswith(".py") else b"") + b"\0")
    return h.hexdigest()


def reader_context(context: str, reader: str) -> str:
    """A rejection is remembered for the reading code that made it: after a fix to that code the file is tried
    again."""
    return f"{context}|reader:{reader[:16]}"


@contextmanager
def _lock(db: Path) -> Iterator[None]:
    lock_path = db.with_name(db.name + ".lock")
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseError(f"another build is writing {db}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class _State:
    current: dict[str, tuple[str, int]] = field(default_factory=dict)  # dataset -> (digest, release id)
    rejected: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (dataset, digest, context) -> kind
    loaded_at: dict[str, str] = field(default_factory=dict)  # dataset -> when its current release was loaded
    migrations_pending: bool = False
    earlier: dict[tuple[str, str], int] = field(default_factory=dict)  # (dataset, digest) -> latest such release
    readers: dict[str, str] = field(default_factory=dict)  # dataset -> reader_digest its current release was read by


def _known_state(db: Path) -> _State:
    """Each dataset's current release and the rejections on record, read without writing; and every release checked
    against the row digests recorded at its load (a warehouse whose stored rows were changed is not built on)."""
    if not db.exists():
        return _State()
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as e:
        raise WarehouseError(f"{db} cannot be opened as a warehouse: {e}") from None
    try:
        current_rows = con.execute(
            "SELECT dataset_id, sha256, release_id, CAST(loaded_at AS DATE) FROM current_releases").fetchall()
        current = {r[0]: (r[1], r[2]) for r in current_rows}
        pending_now = bool(pending(con))
        kind = "kind" if "kind" in {r[0] for r in con.execute("DESCRIBE rejections").fetchall()} else "'invalid'"
        rejected = {(r[0], r[1], r[2]): r[3] for r in con.execute(
            f"SELECT dataset_id, sha256, context, {kind} FROM rejections ORDER BY rejected_at").fetchall()}  # fmt: skip
        earlier = {(r[0], r[1]): r[2] for r in con.execute(
            "SELECT dataset_id, sha256, max(release_id) FROM releases GROUP BY ALL").fetchall()}  # fmt: skip
        readers = {r[0][len(READER_KEY):]: r[1] for r in con.execute(
            "SELECT key, value FROM meta WHERE starts_with(key, ?)", [READER_KEY]).fetchall()}  # fmt: skip
        checked = integrity.verify(con, quick=True)
    except duckdb.CatalogException:
        raise WarehouseError(f"{db} is not a prosperity warehouse (no releases table)") from None
    finally:
        con.close()
    if not checked.ok:
        shown = "; ".join(checked.problems[:3]) + (f" (and {len(checked.problems) - 3} more)"
                                                  if len(checked.problems) > 3 else "")  # fmt: skip
        raise WarehouseError(
            f"{db} has releases whose stored rows no longer match what was recorded when they were loaded: {shown}. "
            "Nothing was built on it. `prosperity verify` lists every release; restore the warehouse from a copy, "
            "or build a new one with --db NEW_FILE."
        )
    return _State(current, rejected, {r[0]: str(r[3]) for r in current_rows}, pending_now, earlier, readers)


def _cleanup_stale(db: Path) -> None:
    for tmp in db.parent.glob(db.name + ".tmp-*"):
        try:
            pid = int(tmp.name.rsplit("-", 1)[-1].split(".")[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            tmp.unlink(missing_ok=True)
        except PermissionError:
            continue


def build(
    db: Path,
    mirror: Path | None = None,
    cache: Path | None = None,
    progress: Progress | None = None,
    only: Callable[[Dataset], bool] | None = None,
    client: httpx.Client | None = None,
    framework: Path | None = None,
    assess: bool = True,
    options: BuildOptions | None = None,
) -> BuildSummary:
    """Build or update the warehouse at ``db`` from a mirror directory or from the live sources."""
    started = time.perf_counter()
    options = options or BuildOptions()
    threshold = shrink_threshold(options.shrink_threshold)
    db = Path(db)
    check_writable_dir(db.parent, "--db")  # before any work: the warehouse's folder must take new files
    if mirror is None:
        check_writable_dir(cache or default_cache(), "--cache")
    if mirror is not None and not Path(mirror).is_dir():
        raise SourceError(f"mirror directory {mirror} does not exist")
    found = discover_all(Path(mirror) if mirror is not None else None)
    datasets = [d for d in found.datasets if only is None or only(d)]
    results: dict[str, DatasetResult] = {m[0]: DatasetResult(m[0], "missing", m[1]) for m in found.missing}
    prepared: list[_Prepared] = []
    total = len(datasets)
    for i, ds in enumerate(datasets, start=1):
        p = _prepare(ds, Path(mirror) if mirror is not None else None, cache, client)
        if isinstance(p, DatasetResult):
            results[ds.id] = p
            if progress:
                progress(ds.id, i, total, p.status)
        else:
            prepared.append(p)
    context = dataset_digest([(p.dataset.id, p.digest) for p in prepared if p.dataset.kind == "reference"])
    _cleanup_stale(db)  # files left by a build that was killed
    state = _known_state(db)
    current, rejected = state.current, state.rejected
    todo = []
    for p in prepared:
        read_by = reader_context(context, p.reader)
        held = shrink_context(read_by, threshold)
        same_files = p.dataset.id in current and current[p.dataset.id][0] == p.digest
        if same_files and state.readers.get(p.dataset.id) == p.reader:
            results[p.dataset.id] = DatasetResult(p.dataset.id, "unchanged", release_id=current[p.dataset.id][1])
        elif rejected.get((p.dataset.id, p.digest, read_by)) == "invalid" and not options.retry_rejected:
            results[p.dataset.id] = DatasetResult(p.dataset.id, "rejected", _last_rejection(db, p, read_by))
        elif (rejected.get((p.dataset.id, p.digest, held)) == "shrunk" and not options.retry_rejected
              and p.dataset.id not in options.accept_shrink):  # fmt: skip
            results[p.dataset.id] = DatasetResult(p.dataset.id, "held back", _last_rejection(db, p, held))
        else:
            p.same_as = state.earlier.get((p.dataset.id, p.digest))
            if same_files:
                p.reread = ("the code that reads them changed" if p.dataset.id in state.readers else
                            "the code that read them was not recorded then")  # fmt: skip
            todo.append(p)
    for ds_id, result in results.items():  # a dataset whose files are gone keeps its current release: say so
        if result.status == "missing" and ds_id in current:
            result.message += (f"; its current release {current[ds_id][1]} (loaded {state.loaded_at[ds_id]}) stays, "
                               "no longer updated")  # fmt: skip
    if only is None:
        declared = {d.id for d in found.datasets} | {m[0] for m in found.missing}
        for ds_id in sorted(set(current) - declared):
            results[ds_id] = DatasetResult(
                ds_id, "vanished", f"no longer in the {'mirror' if mirror is not None else 'sources'}: its current "
                f"release {current[ds_id][1]} (loaded {state.loaded_at[ds_id]}) stays, no longer updated",
                release_id=current[ds_id][1])  # fmt: skip
    wrote = False
    fw_path = _framework_path(framework) if assess else None
    stale = fw_path is not None and (bool(todo) or _assessments_stale(db, fw_path))
    assessed: int | None = None
    assess_error = ""
    framework_errors = 0
    evaluations: list[Any] = []
    data_work = bool(todo or stale or state.migrations_pending)
    if data_work or (fw_path is not None and _evaluations_pending(db, fw_path)):
        wrote = True

        def work(con: duckdb.DuckDBPyConnection) -> None:
            nonlocal assessed, assess_error, framework_errors, evaluations
            _load_all(con, todo, results, context, progress, total, "mirror" if mirror else "live",
                      Loading(options.accept_shrink, threshold))
            src = Path(mirror) if mirror is not None else None
            if fw_path is not None and data_work:
                # the evaluations read only the loaded figures: a second process computes them meanwhile
                aside = evaluating.start(con, _work_file(con), fw_path, src)
                try:
                    assessed, assess_error, framework_errors = _assess(con, db, fw_path)
                except BaseException:
                    if aside is not None:
                        evaluating.abandon(aside)  # the build stops: so does the second process
                    raise
                done = evaluating.finish(con, aside) if aside is not None else None
                evaluations = done if done is not None else evaluating.evaluate_here(con, db, fw_path, src)
            elif fw_path is not None:
                evaluations = evaluating.evaluate_here(con, db, fw_path, src)

        _write(db, work, sum(int(f["bytes"]) for p in todo for f in p.files))
    elif progress:
        for i, p in enumerate(prepared, start=1):
            progress(p.dataset.id, i, total, results[p.dataset.id].status)
    order = {d.id: n for n, d in enumerate(datasets)}
    ordered = sorted(results.values(), key=lambda r: (order.get(r.dataset_id, -1), r.dataset_id))
    return BuildSummary(db, ordered, found.ignored, time.perf_counter() - started, wrote, assessed, assess_error,
                        framework_errors, evaluations)


def _write(db: Path, work: Callable[[duckdb.DuckDBPyConnection], None], new_bytes: int = 0) -> None:
    """Run ``work`` on a copy of the warehouse, and put the copy in place only when it is complete.

    The disk must have room for the copy and the new data (about twice the bytes of the files to load, for the
    data and DuckDB's write-ahead log) before anything starts; a disk that fills up anyway stops the build with a
    plain message, and the warehouse stays as it was.
    """
    needed = (db.stat().st_size if db.exists() else 0) + 2 * new_bytes + 64 * 1024 * 1024
    check_free_space(db.parent, needed, "the build (a copy of the warehouse and the new data)")
    with _lock(db):
        tmp = db.with_name(f"{db.name}.tmp-{os.getpid()}")
        try:
            if db.exists():
                shutil.copyfile(db, tmp)
            con = duckdb.connect(str(tmp))
            try:
                work(con)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            wal = tmp.with_name(tmp.name + ".wal")
            if wal.exists():
                raise WarehouseError(f"{tmp} still has a write-ahead log after closing; not replacing {db}")
            os.replace(tmp, db)
        except (OSError, duckdb.Error) as e:
            if disk_full(e):
                raise WarehouseError(f"the disk holding {db.parent} is full: the build stopped and the warehouse is "
                                     "as it was; free some space and build again") from None  # fmt: skip
            if isinstance(e, OSError):
                raise WarehouseError(f"{db}: {why(e)}; the warehouse is as it was") from None
            raise
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _framework_path(framework: Path | None) -> Path | None:
    from prosperity.framework import FrameworkNotFound, shipped_framework_path

    if framework is not None:
        return Path(framework)
    try:
        return shipped_framework_path()
    except FrameworkNotFound:
        log.warning("no framework found: assessments are not computed")
        return None


def _assessments_stale(db: Path, fw_path: Path) -> bool:
    from prosperity.assess.run import assessment_digest

    if not db.exists():
        return False
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'assessments_digest'").fetchone()
        return row is None or row[0] != assessment_digest(con, fw_path)
    except duckdb.CatalogException:
        return True  # a warehouse from before assessments were stored
    finally:
        con.close()


def _assess(con: duckdb.DuckDBPyConnection, db: Path, fw_path: Path) -> tuple[int | None, str, int]:
    """Compute and store every assessment; a failure here never costs the datasets their load."""
    from prosperity.assess.run import store_assessments

    con.execute("BEGIN")
    try:
        migrate(con)
        n = store_assessments(con, db, fw_path)
        errors = int(con.execute("SELECT value FROM meta WHERE key = 'framework_errors'").fetchone()[0])
        con.execute("COMMIT")
        return n, "", errors
    except ProsperityError as e:
        con.execute("ROLLBACK")
        return None, str(e), 0
    except Exception as e:
        con.execute("ROLLBACK")
        log.exception("assessments failed")
        return None, f"assessments could not be computed ({type(e).__name__}: {e})", 0


def _evaluations_pending(db: Path, fw_path: Path) -> bool:
    from prosperity.evaluate.store import pending

    if not db.exists():
        return False
    con = duckdb.connect(str(db), read_only=True)
    try:
        return pending(con, db, fw_path)
    except duckdb.Error:
        return True
    finally:
        con.close()


def shrink_context(context: str, threshold: float) -> str:
    """A held-back file is remembered for the threshold it failed: with another threshold it is weighed again."""
    return f"{context}|shrink<{threshold:g}"


@dataclass(frozen=True)
class Loading:
    accept_shrink: frozenset[str]
    threshold: float


def _last_rejection(db: Path, p: _Prepared, context: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT message FROM rejections WHERE dataset_id = ? AND sha256 = ? AND context = ? "
            "ORDER BY rejected_at DESC LIMIT 1",
            [p.dataset.id, p.digest, context],
        ).fetchone()
    finally:
        con.close()
    return (row[0] if row else "rejected") + (" (the file is unchanged since; --retry-rejected tries it again)")


def _load_all(
    con: duckdb.DuckDBPyConnection,
    todo: list[_Prepared],
    results: dict[str, DatasetResult],
    context: str,
    progress: Progress | None,
    total: int,
    origin: str,
    loading: Loading,
) -> None:
    con.execute("BEGIN")
    migrate(con)
    con.executemany(
        "INSERT INTO areas VALUES (?, ?, ?, NULL, NULL, 'prosperity/supplementary-areas') ON CONFLICT DO NOTHING",
        supplementary_areas(),
    )
    con.execute("COMMIT")
    done = total - len(todo)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
    futures = {p.dataset.id: pool.submit(p.dataset.prepare, p.dataset, p.local) for p in todo if p.dataset.prepare}
    # Each loaded release's row digests are computed on a second connection while the next dataset loads.
    digests = ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest")
    cursor = con.cursor()
    digesting: list[Future[None]] = []
    try:
        for p in todo:
            done += 1
            release_id = _load_one(con, p, futures.get(p.dataset.id), results, reader_context(context, p.reader),
                                   origin, loading)  # fmt: skip
            if release_id is not None:
                digesting.append(digests.submit(integrity.record_stable, cursor, release_id, p.dataset.id))
            if progress:
                progress(p.dataset.id, done, total, results[p.dataset.id].status)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        digests.shutdown(wait=True)
        cursor.close()
    for f in digesting:
        if f.exception() is not None:  # the release stays, checked by its quick digest only; verify says so
            log.warning("a release's row digest could not be computed: %s", f.exception())


def _transient(e: BaseException) -> str | None:
    """What went wrong, if ``e`` is a failure of this machine (memory, disk, files) rather than of the file."""
    if isinstance(e, MemoryError | duckdb.OutOfMemoryException):
        return "the machine ran out of memory"
    if isinstance(e, OSError | duckdb.IOException):
        return f"a file could not be read or written ({e.strerror or e if isinstance(e, OSError) else e})"
    if isinstance(e, duckdb.Error) and "out of memory" in str(e).lower():
        return "DuckDB ran out of memory"
    return None


def _load_one(con: duckdb.DuckDBPyConnection, p: _Prepared, future: Future[Any] | None,
              results: dict[str, DatasetResult], context: str, origin: str, loading: Loading) -> int | None:  # fmt: skip
    """Load one dataset in its own transaction; return the new release's id, if one was loaded.

    Only a judgement on the file itself (it breaks a rule, or it shrank) is recorded against its content; a failure
    of the machine is reported and the next build tries again."""
    ds = p.dataset
    previous = con.execute("SELECT max(release_id) FROM releases WHERE dataset_id = ?", [ds.id]).fetchone()[0]
    con.execute("BEGIN")
    try:
        ctx = LoadContext(con, ds, p.local, origin)
        if future is not None:
            ctx.prepared = future.result
        ds.load(ctx)
        if ds.kind == "observations":
            ctx.validate()
        ctx.same_content_as = p.same_as
        if ctx.warnings:
            ctx.metadata["warnings"] = list(ctx.warnings)  # kept with the release, shown in the summary
        outcome = ctx.commit(p.digest, p.files, previous)
        if ds.id not in loading.accept_shrink:
            check_shrink(con, ds.id, outcome.release_id, previous, loading.threshold)
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [READER_KEY + ds.id, p.reader])
        con.execute("COMMIT")
        message = reverted_note(con, p.same_as, outcome.release_id, reread=p.reread) if p.same_as else ""
        results[ds.id] = DatasetResult(ds.id, "loaded", message, outcome.release_id, outcome.rows, outcome.set_aside,
                                       list(outcome.warnings))  # fmt: skip
        return outcome.release_id
    except ShrunkRelease as e:
        _rollback(con)
        _record_rejection(con, p, shrink_context(context, loading.threshold), str(e), "shrunk")
        results[ds.id] = DatasetResult(ds.id, "held back", str(e))
    except ProsperityError as e:
        _rollback(con)
        _record_rejection(con, p, context, str(e), "invalid")
        results[ds.id] = DatasetResult(ds.id, "rejected", str(e))
    except Exception as e:  # a reader's bug or a failure of the machine: never recorded against the file
        _rollback(con)
        if disk_full(e):
            raise WarehouseError(f"the disk holding {_work_dir(con)} is full (while loading {ds.id}): the warehouse "
                                 "is unchanged; free some space and build again") from None  # fmt: skip
        why = _transient(e)
        if why is not None:
            results[ds.id] = DatasetResult(ds.id, "unavailable", f"{ds.main_file.path}: not loaded this time: {why}; "
                                           "nothing was recorded against the file, and the next build tries again")
            return None
        log.exception("unexpected error loading %s", ds.id)
        results[ds.id] = DatasetResult(ds.id, "rejected", f"{ds.main_file.path}: could not be read "
                                       f"({type(e).__name__}: {e}); not recorded against the file, so the next build "
                                       "tries it again")  # fmt: skip
    return None


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # the transaction may already have been ended by the failure
        con.execute("ROLLBACK")


def _work_file(con: duckdb.DuckDBPyConnection) -> Path:
    return Path(con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()[0])


def _work_dir(con: duckdb.DuckDBPyConnection) -> str:
    try:
        return str(Path(con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()")
                        .fetchone()[0]).parent)  # fmt: skip
    except duckdb.Error:
        return "the warehouse"


def _record_rejection(con: duckdb.DuckDBPyConnection, p: _Prepared, context: str, message: str, kind: str) -> None:
    con.execute("INSERT INTO rejections (dataset_id, sha256, context, rejected_at, message, kind) "
                "VALUES (?, ?, ?, now(), ?, ?)", [p.dataset.id, p.digest, context, message, kind])  # fmt: skip


__all__ = ["BuildOptions", "BuildSummary", "DatasetResult", "ValidationError", "build"]
