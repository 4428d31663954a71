"""Building the warehouse: discover, fetch or read, validate and load every dataset as a release.

Safety: a build never writes to the warehouse in place. It copies the warehouse to a temporary file beside it,
loads into the copy (each dataset in its own transaction), and renames the copy over the original only when
everything has been written. A build killed half way therefore leaves the previous warehouse complete and usable.
Only one build runs at a time (a lock file beside the warehouse).

Speed: each dataset's files are hashed first; when every dataset is unchanged since its last release (or was
rejected before with the same content), the build opens the warehouse read-only and writes nothing.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import httpx

from prosperity.errors import ProsperityError, SourceError, ValidationError, WarehouseError
from prosperity.sources import Dataset, discover_all
from prosperity.sources.base import dataset_digest, sha256_file
from prosperity.sources.fetch import default_cache, fetch_file
from prosperity.sources.geography import supplementary_areas
from prosperity.warehouse.loading import LoadContext
from prosperity.warehouse.schema import migrate

log = logging.getLogger(__name__)

Status = Literal["loaded", "unchanged", "rejected", "missing", "unavailable"]


@dataclass
class DatasetResult:
    dataset_id: str
    status: Status
    message: str = ""
    release_id: int | None = None
    rows: int = 0
    set_aside: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what a load noticed but did not reject (unmatched names …)


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

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def rejected(self) -> list[DatasetResult]:
        return [r for r in self.results if r.status == "rejected"]


Progress = Callable[[str, int, int, str], None]


@dataclass
class _Prepared:
    dataset: Dataset
    local: dict[str, Path]
    files: list[dict[str, object]]
    digest: str


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
    files = []
    for ref in ds.files:
        p = local[ref.path]
        files.append({"path": ref.path, "url": ref.url, "role": ref.role, "sha256": sha256_file(p),
                      "bytes": p.stat().st_size})  # fmt: skip
    digest = dataset_digest([(str(f["path"]), str(f["sha256"])) for f in files])
    return _Prepared(ds, local, files, digest)


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


def _known_state(db: Path) -> tuple[dict[str, tuple[str, int]], set[tuple[str, str, str]]]:
    """Each dataset's current release (digest, id), and the rejections on record, read without writing."""
    if not db.exists():
        return {}, set()
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as e:
        raise WarehouseError(f"{db} cannot be opened as a warehouse: {e}") from None
    try:
        current = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT dataset_id, sha256, release_id FROM current_releases").fetchall()}  # fmt: skip
        rejected = {(r[0], r[1], r[2]) for r in con.execute(
            "SELECT dataset_id, sha256, context FROM rejections").fetchall()}  # fmt: skip
    except duckdb.CatalogException:
        raise WarehouseError(f"{db} is not a prosperity warehouse (no releases table)") from None
    finally:
        con.close()
    return current, rejected


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
) -> BuildSummary:
    """Build or update the warehouse at ``db`` from a mirror directory or from the live sources."""
    started = time.perf_counter()
    db = Path(db)
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
    current, rejected = _known_state(db)
    todo = []
    for p in prepared:
        if p.dataset.id in current and current[p.dataset.id][0] == p.digest:
            results[p.dataset.id] = DatasetResult(p.dataset.id, "unchanged", release_id=current[p.dataset.id][1])
        elif (p.dataset.id, p.digest, context) in rejected:
            results[p.dataset.id] = DatasetResult(p.dataset.id, "rejected", _last_rejection(db, p, context))
        else:
            todo.append(p)
    wrote = False
    fw_path = _framework_path(framework) if assess else None
    stale = fw_path is not None and (bool(todo) or _assessments_stale(db, fw_path))
    assessed: int | None = None
    assess_error = ""
    framework_errors = 0
    if todo or stale:
        wrote = True

        def work(con: duckdb.DuckDBPyConnection) -> None:
            nonlocal assessed, assess_error, framework_errors
            _load_all(con, todo, results, context, progress, total, "mirror" if mirror else "live")
            if fw_path is not None:
                assessed, assess_error, framework_errors = _assess(con, db, fw_path)

        _write(db, work)
    elif progress:
        for i, p in enumerate(prepared, start=1):
            progress(p.dataset.id, i, total, results[p.dataset.id].status)
    order = {d.id: n for n, d in enumerate(datasets)}
    ordered = sorted(results.values(), key=lambda r: (order.get(r.dataset_id, -1), r.dataset_id))
    return BuildSummary(db, ordered, found.ignored, time.perf_counter() - started, wrote, assessed, assess_error,
                        framework_errors)


def _write(db: Path, work: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
    """Run ``work`` on a copy of the warehouse, and put the copy in place only when it is complete."""
    db.parent.mkdir(parents=True, exist_ok=True)
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
    return (row[0] if row else "rejected") + " (unchanged since it was rejected)"


def _load_all(
    con: duckdb.DuckDBPyConnection,
    todo: list[_Prepared],
    results: dict[str, DatasetResult],
    context: str,
    progress: Progress | None,
    total: int,
    origin: str,
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
    try:
        for p in todo:
            done += 1
            _load_one(con, p, futures.get(p.dataset.id), results, context, origin)
            if progress:
                progress(p.dataset.id, done, total, results[p.dataset.id].status)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _load_one(con: duckdb.DuckDBPyConnection, p: _Prepared, future: Future[Any] | None,
              results: dict[str, DatasetResult], context: str, origin: str) -> None:  # fmt: skip
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
        if ctx.warnings:
            ctx.metadata["warnings"] = list(ctx.warnings)  # kept with the release, shown in the summary
        outcome = ctx.commit(p.digest, p.files, previous)
        con.execute("COMMIT")
        results[ds.id] = DatasetResult(ds.id, "loaded", "", outcome.release_id, outcome.rows, outcome.set_aside,
                                       list(outcome.warnings))
    except ProsperityError as e:
        con.execute("ROLLBACK")
        _record_rejection(con, p, context, str(e))
        results[ds.id] = DatasetResult(ds.id, "rejected", str(e))
    except Exception as e:  # a reader's bug must not cost the other datasets their load
        con.execute("ROLLBACK")
        log.exception("unexpected error loading %s", ds.id)
        msg = f"{ds.main_file.path}: could not be read ({type(e).__name__}: {e})"
        _record_rejection(con, p, context, msg)
        results[ds.id] = DatasetResult(ds.id, "rejected", msg)


def _record_rejection(con: duckdb.DuckDBPyConnection, p: _Prepared, context: str, message: str) -> None:
    con.execute("INSERT INTO rejections VALUES (?, ?, ?, now(), ?)", [p.dataset.id, p.digest, context, message])


__all__ = ["BuildSummary", "DatasetResult", "ValidationError", "build"]
