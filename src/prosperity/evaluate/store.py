"""Evaluation results computed once, when the figures are updated, and stored beside them.

An evaluation takes from seconds to a couple of minutes (hundreds of placebo fits), so nothing that answers a
reader computes one: ``prosperity build`` calls :func:`store_evaluations` after the assessments, and the
pages, the API and the report read what it stored (:func:`lookup`).

Each stored result is keyed by the evaluation, the SHA-256 of its file, and the *releases it used* (dataset
and file checksum of each, with the evaluation code's version): a new release of an outcome's data gives a
new key and a new result, while the old one stays, so the site ``as_of`` an earlier date finds the result of
the releases it stood at. A file frozen to releases (``releases:``) keeps one key until the file changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from prosperity.errors import ProsperityError
from prosperity.evaluate.run import RESULT_VERSION, evaluate, resolve_releases, result_bytes
from prosperity.evaluate.spec import LoadedSpec, load_spec, shipped_evaluations
from prosperity.warehouse import Warehouse

log = logging.getLogger(__name__)
NOT_STORED = ("The results of this evaluation have not been computed for the figures this site holds{when}. They are "
              "computed once, whenever the figures are updated, because each takes a minute or more; none is "
              "computed while a reader waits.")  # fmt: skip

DDL = """CREATE TABLE IF NOT EXISTS evaluation_results (
    evaluation_id VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    releases_key VARCHAR NOT NULL,
    status VARCHAR NOT NULL,        -- done | failed
    result VARCHAR,                 -- the result as canonical JSON (run.result_bytes) when done
    message VARCHAR,                -- why it failed
    seconds DOUBLE,                 -- how long it took to compute
    releases VARCHAR NOT NULL,      -- JSON: the dataset and SHA-256 of every release used
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (evaluation_id, file_sha256, releases_key))"""


@cache
def code_digest() -> str:
    """SHA-256 of this package's modules: a change in the methods or wording gives stored results a new key.

    Read once per process, so it describes the code this process runs, even if the files change under it."""
    h = hashlib.sha256(f"result {RESULT_VERSION}".encode())
    pkg = resources.files("prosperity.evaluate")
    for name in sorted(p.name for p in pkg.iterdir() if p.name.endswith(".py")):
        h.update(name.encode() + b"\0" + pkg.joinpath(name).read_bytes())
    return h.hexdigest()


def releases_used(wh: Warehouse, loaded: LoadedSpec, as_of: str | None = None) -> dict[str, str]:
    """Dataset → SHA-256 of the release each outcome would be read from (:class:`EvaluationError` if any is missing)."""
    return {rel["dataset_id"]: rel["sha256"] for _, rel in resolve_releases(wh, loaded, as_of)}


def releases_key(used: dict[str, str], code: str) -> str:
    text = "\n".join(f"{k}={v}" for k, v in sorted(used.items())) + f"\ncode={code}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What is stored for an evaluation at a vintage: ``done`` (with the result), ``failed`` (with the reason),
    ``absent`` (not computed for these releases), or ``unavailable`` (the releases it needs are not held)."""

    status: str
    result: dict[str, Any] | None = None
    message: str = ""
    seconds: float | None = None


@dataclass(frozen=True)
class StoreOutcome:
    evaluation_id: str
    status: str  #: computed, failed, unchanged, unavailable, broken
    message: str = ""
    seconds: float = 0.0


def _row(con: duckdb.DuckDBPyConnection, ev_id: str, digest: str, key: str) -> tuple[Any, ...] | None:
    try:
        return con.execute("SELECT status, result, message, seconds FROM evaluation_results WHERE evaluation_id = ? "
                           "AND file_sha256 = ? AND releases_key = ?", [ev_id, digest, key]).fetchone()  # fmt: skip
    except duckdb.CatalogException:
        return None  # a warehouse built before evaluations were stored


def lookup(wh: Warehouse, loaded: LoadedSpec, as_of: str | None = None, parse: bool = True) -> Stored:
    """The stored result of ``loaded`` for the releases it would use ``as_of`` then; never computes one."""
    try:
        used = releases_used(wh, loaded, as_of)
    except ProsperityError as e:
        return Stored("unavailable", message=str(e))
    row = _row(wh.con, loaded.spec.id, loaded.digest, releases_key(used, code_digest()))
    if row is None:
        return Stored("absent")
    status, text, message, seconds = row
    if status != "done":
        return Stored("failed", message=message or "", seconds=seconds)
    return Stored("done", json.loads(text) if parse else None, seconds=seconds)


def pending(con: duckdb.DuckDBPyConnection, db_path: Path, framework: Path) -> bool:
    """Has any shipped evaluation no stored result for the releases it would use now?"""
    wh = Warehouse(con, db_path)
    code = code_digest()
    for p in shipped_evaluations(framework):
        try:
            loaded = load_spec(p)
            used = releases_used(wh, loaded)
        except ProsperityError:
            continue  # nothing can be computed for it: a build would only say why again
        if _row(con, loaded.spec.id, loaded.digest, releases_key(used, code)) is None:
            return True
    return False


def store_evaluations(con: duckdb.DuckDBPyConnection, db_path: Path, framework: Path,
                      mirror: Path | None = None) -> list[StoreOutcome]:  # fmt: skip
    """Compute and store every shipped evaluation not yet stored for the releases it uses; say what happened.

    A failure is stored with its reason (so a page can give it) and never costs the build anything else."""
    con.execute(DDL)
    wh = Warehouse(con, db_path)
    code = code_digest()
    out = []
    for p in shipped_evaluations(framework):
        try:
            loaded = load_spec(p)
        except ProsperityError as e:
            out.append(StoreOutcome(p.stem, "broken", str(e)))
            continue
        ev_id = loaded.spec.id
        try:
            used = releases_used(wh, loaded)
        except ProsperityError as e:
            out.append(StoreOutcome(ev_id, "unavailable", str(e)))
            continue
        key = releases_key(used, code)
        if _row(con, ev_id, loaded.digest, key) is not None:
            out.append(StoreOutcome(ev_id, "unchanged"))
            continue
        started = time.perf_counter()
        result: bytes | None = None
        try:
            result = result_bytes(evaluate(wh, loaded, mirror=mirror))
            status, message = "done", ""
        except ProsperityError as e:
            status, message = "failed", str(e)
        except Exception as e:  # a bug: logged; the build goes on and the page says it could not be completed
            log.exception("evaluation %s failed", ev_id)
            status, message = "failed", f"the evaluation could not be completed ({type(e).__name__})"
        seconds = round(time.perf_counter() - started, 3)
        con.execute("INSERT OR REPLACE INTO evaluation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
                    [ev_id, loaded.digest, key, status, None if result is None else result.decode(), message, seconds,
                     json.dumps(used, sort_keys=True)])  # fmt: skip
        out.append(StoreOutcome(ev_id, "computed" if status == "done" else "failed", message, seconds))
    return out


def stored_results(wh: Warehouse, framework: Path, as_of: str | None = None) -> list[tuple[LoadedSpec | str, Stored]]:
    """Every shipped evaluation (or, for a broken file, its error text) with what is stored for it ``as_of``."""
    out: list[tuple[LoadedSpec | str, Stored]] = []
    for p in shipped_evaluations(framework):
        try:
            loaded = load_spec(p)
        except ProsperityError as e:
            out.append((str(e), Stored("unavailable", message=str(e))))
            continue
        out.append((loaded, lookup(wh, loaded, as_of)))
    return out


def not_stored_text(found: Stored, as_of: str | None = None) -> str:
    """The plain sentence a page or report gives where no result can be shown (the technical reason, which may
    name files and datasets, is for the API's ``detail`` and the build's summary, not for readers)."""
    when = f" as they stood on {as_of[:10]}" if as_of else ""
    if found.status == "failed":
        return (f"This evaluation could not be completed for the figures this site holds{when}; the reason is "
                "recorded for the site's maintainers, and no estimate is shown rather than one that cannot be checked.")
    if found.status == "unavailable":
        return (f"This evaluation cannot be computed from the figures this site holds{when}: some of the figures it "
                "compares, or the editions of them it is fixed to, are not held.")  # fmt: skip
    return NOT_STORED.format(when=when)
