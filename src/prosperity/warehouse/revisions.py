"""How a new release compares with the one it replaces: shrunken files held back, indicators renamed or gone.

A publisher's revision changes figures; it rarely takes most of them away. A file cut off at a row boundary (a
download that stopped, a live response that closed cleanly part way) parses as a valid, smaller file, so each
new release is compared with the dataset's current one before it is committed: with far fewer rows, areas or
periods (below :data:`DEFAULT_SHRINK_THRESHOLD` of the current release's, or ``--shrink-threshold``) it is held
back, with the numbers, unless the build is told the dataset really shrank (``--accept-shrink DATASET``).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

import duckdb

from prosperity.errors import ProsperityError

#: A new release with fewer than this share of the current release's rows, areas or periods is held back.
DEFAULT_SHRINK_THRESHOLD = 0.75


class ShrunkRelease(ProsperityError):
    """A new release is much smaller than the one it would replace; held back unless accepted."""


def shrink_threshold(value: float | None = None) -> float:
    """The threshold to use: ``value``, else ``PROSPERITY_SHRINK_THRESHOLD``, else the default."""
    if value is None:
        raw = os.environ.get("PROSPERITY_SHRINK_THRESHOLD", "")
        try:
            value = float(raw) if raw else DEFAULT_SHRINK_THRESHOLD
        except ValueError:
            raise ProsperityError(f"PROSPERITY_SHRINK_THRESHOLD={raw!r} is not a number; expected a share such as "
                                  "0.75") from None  # fmt: skip
    if not 0 <= value <= 1:
        raise ProsperityError(f"the shrink threshold {value:g} is not a share; expected a number from 0 to 1 "
                              "(0 turns the check off)")  # fmt: skip
    return value


@dataclass(frozen=True)
class Size:
    rows: int
    areas: int
    periods: int

    def describe(self) -> str:
        return f"{self.rows:,} rows for {self.areas:,} areas and {self.periods:,} periods"


def size_of(con: duckdb.DuckDBPyConnection, release_id: int) -> Size:
    rows, areas, periods = con.execute(
        "SELECT count(*), count(DISTINCT area_code), count(DISTINCT period) FROM observations WHERE release_id = ?",
        [release_id]).fetchone()  # fmt: skip
    if rows == 0:  # a reference release: its row count is all there is
        rows = con.execute("SELECT row_count FROM releases WHERE release_id = ?", [release_id]).fetchone()[0]
    return Size(int(rows), int(areas), int(periods))


def check_shrink(con: duckdb.DuckDBPyConnection, dataset_id: str, new: int, previous: int | None,
                 threshold: float) -> None:  # fmt: skip
    """Raise :class:`ShrunkRelease` if release ``new`` is far smaller than ``previous`` (the current one)."""
    if previous is None or threshold <= 0:
        return
    old, now = size_of(con, previous), size_of(con, new)
    shrunk = [what for what, a, b in (("rows", old.rows, now.rows), ("areas", old.areas, now.areas),
                                      ("periods", old.periods, now.periods))
              if a and b < threshold * a]  # fmt: skip
    if not shrunk:
        return
    loaded = con.execute("SELECT CAST(loaded_at AS DATE) FROM releases WHERE release_id = ?", [previous]).fetchone()[0]
    raise ShrunkRelease(
        f"held back: the new file has {now.describe()}, while the release it would replace (release {previous}, "
        f"loaded {loaded}) has {old.describe()}: fewer than {threshold:.0%} of its {' and '.join(shrunk)}. Is the file "
        f"cut short? The current release stays. If the publisher really publishes less now, build again with "
        f"--accept-shrink {dataset_id}"
    )


def indicators_gone(con: duckdb.DuckDBPyConnection, new: int, previous: int | None) -> list[str]:
    """Notes for indicators the previous release had and release ``new`` has not: each keeps its figures in the
    earlier release and has no current data. Where a new indicator's name is close, it is named (renamed?)."""
    if previous is None:
        return []

    def names(release_id: int) -> dict[str, str]:
        rows = con.execute(
            """SELECT DISTINCT o.indicator_id, coalesce(v.publisher_name, i.publisher_name, o.indicator_id)
               FROM observations o LEFT JOIN indicator_versions v ON v.release_id = o.release_id
                                                                  AND v.indicator_id = o.indicator_id
               LEFT JOIN indicators i ON i.indicator_id = o.indicator_id
               WHERE o.release_id = ?""", [release_id]).fetchall()  # fmt: skip
        return {r[0]: str(r[1]) for r in rows}

    before, now = names(previous), names(new)
    gone = sorted(set(before) - set(now))
    added = {k: v for k, v in now.items() if k not in before}
    notes = []
    for ind in gone:
        close = difflib.get_close_matches(before[ind], list(added.values()), n=1, cutoff=0.6)
        renamed = next((k for k, v in added.items() if close and v == close[0]), None)
        hint = f"; renamed to {renamed!r} ({added[renamed]})?" if renamed else ""
        notes.append(f"indicator {ind!r} ({before[ind]}) is no longer in the file: its figures stay in release "
                     f"{previous} and it has no current data{hint}")  # fmt: skip
    return notes


def reverted_note(con: duckdb.DuckDBPyConnection, earlier: int, new: int, reread: str = "") -> str:
    """What the build says when a file goes back to the bytes of an earlier, superseded release.

    The new release records the earlier one as ``same_content_as``; its rows are compared with the earlier
    release's by their row digests (identical unless the rules for reading the file changed in between).
    """
    loaded = con.execute("SELECT CAST(loaded_at AS DATE) FROM releases WHERE release_id = ?", [earlier]).fetchone()
    recorded = {r[0]: r[1:] for r in con.execute(
        "SELECT release_id, digest, quick, engine FROM release_digests WHERE part = 'observations' "
        "AND release_id IN (?, ?)", [earlier, new]).fetchall()}  # fmt: skip
    a, b = recorded.get(earlier), recorded.get(new)
    same = a is not None and b is not None and (a[1:] == b[1:] if a[2] == b[2] else bool(a[0]) and a[0] == b[0])
    rows = "with identical rows" if same else "read again under today's rules (its rows differ from then)"
    if reread:  # the current release's own files, read again: ``reread`` says why (the reading code changed)
        return (f"the same files as release {earlier} (loaded {loaded[0] if loaded else '?'}), read again because "
                f"{reread}: loaded as the current release, {rows}")  # fmt: skip
    return (f"the same files as release {earlier} (loaded {loaded[0] if loaded else '?'}): the publisher went back to "
            f"those figures; loaded as the current release, {rows}")
