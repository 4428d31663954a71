"""The build's evaluations, computed in a second process while the first computes the assessments.

An evaluation reads only the loaded figures (releases, observations, areas), never the assessments, and the two
together are most of a cold build's time: on a machine with two cores they can run side by side. Once every
dataset is loaded, the build checkpoints its working copy of the warehouse and copies it to a snapshot beside it;
a second Python process (``python -m prosperity.warehouse.evaluating SNAPSHOT FRAMEWORK [MIRROR]``) stores the
evaluations into the snapshot exactly as the build would (:func:`prosperity.evaluate.store.store_evaluations`),
and the build copies the rows it added into the warehouse after the assessments. Nothing about an evaluation's
computation changes, only where it runs.

If the second process cannot be started or fails, the build computes the evaluations itself, as before, so a
failure costs time, never results.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

log = logging.getLogger(__name__)


@dataclass
class Aside:
    """Evaluations being computed in a second process, from a snapshot of the loaded warehouse."""

    snapshot: Path
    process: subprocess.Popen[bytes]


def start(con: duckdb.DuckDBPyConnection, work: Path, fw_path: Path, mirror: Path | None) -> Aside | None:
    """Snapshot the loaded warehouse (``con`` is open on ``work``) and start the evaluations on it; None if that
    cannot be done (the caller then evaluates in process)."""
    import prosperity

    snapshot = work.with_name(f"{work.name}.evaluations")
    try:
        con.execute("CHECKPOINT")
        shutil.copyfile(work, snapshot)
        src = str(Path(prosperity.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}
        args = [sys.executable, "-m", "prosperity.warehouse.evaluating", str(snapshot), str(fw_path)]
        if mirror is not None:
            args.append(str(mirror))
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, env=env)  # stderr: the build's own (its log)
    except (OSError, duckdb.Error) as e:
        log.warning("evaluations computed in this process (a second one could not be started: %s)", e)
        _remove(snapshot)
        return None
    return Aside(snapshot, proc)


def finish(con: duckdb.DuckDBPyConnection, aside: Aside) -> list[Any] | None:
    """Wait for the second process and copy the evaluation results it stored into the warehouse open on ``con``;
    the outcomes, or None if it failed (the caller then evaluates in process)."""
    from prosperity.evaluate.store import DDL, StoreOutcome

    try:
        out, _ = aside.process.communicate()
        if aside.process.returncode != 0:
            log.warning("the evaluations' process failed (exit status %s); computing them here",
                        aside.process.returncode)  # fmt: skip
            return None
        outcomes = [StoreOutcome(**o) for o in json.loads(out)]
        con.execute(DDL)
        con.execute("ATTACH ? AS evaluations_aside (READ_ONLY)", [str(aside.snapshot)])
        try:
            con.execute("""INSERT INTO evaluation_results SELECT s.* FROM evaluations_aside.evaluation_results s
                           ANTI JOIN evaluation_results m USING (evaluation_id, file_sha256, releases_key)""")
        finally:
            con.execute("DETACH evaluations_aside")
        return outcomes
    except (OSError, ValueError, TypeError, duckdb.Error) as e:
        log.warning("the evaluations' results could not be read back (%s); computing them here", e)
        return None
    finally:
        _remove(aside.snapshot)


def abandon(aside: Aside) -> None:
    """Stop the second process and remove its snapshot (the build is stopping)."""
    aside.process.kill()
    aside.process.wait()
    _remove(aside.snapshot)


def _remove(snapshot: Path) -> None:
    snapshot.unlink(missing_ok=True)
    snapshot.with_name(snapshot.name + ".wal").unlink(missing_ok=True)


def evaluate_here(con: duckdb.DuckDBPyConnection, db: Path, fw_path: Path, mirror: Path | None) -> list[Any]:
    """Compute and store the framework's evaluations not yet stored for their releases, in this process (a
    failure is stored)."""
    from prosperity.evaluate.store import store_evaluations
    from prosperity.warehouse.schema import migrate

    try:
        migrate(con)
        return store_evaluations(con, db, fw_path, mirror)
    except Exception:
        log.exception("evaluations failed")
        return []


def main(argv: list[str]) -> int:
    snapshot, fw_path = Path(argv[0]), Path(argv[1])
    mirror = Path(argv[2]) if len(argv) > 2 else None
    con = duckdb.connect(str(snapshot))
    try:
        outcomes = evaluate_here(con, snapshot, fw_path, mirror)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    sys.stdout.write(json.dumps([asdict(o) for o in outcomes]))
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main(sys.argv[1:]))
